/**
 * The conformance fixtures through a real DuckDB and the `vgi` extension users install
 * (protocol 1.0.0): every phase runs in worker processes DuckDB spawns itself, sharing
 * one SQLite storage file.
 */
import { openWithWorker, plainRows, type WorkerDb } from '../support/duckdb';

jest.setTimeout(180_000);

/** One row of every type the fixtures take, and one row of NULLs. */
const TYPED_ROWS = `
  SELECT 1::TINYINT t_tinyint, 2::SMALLINT t_smallint, 3::INTEGER t_integer, 4::BIGINT t_bigint, 5::UBIGINT t_ubigint,
         1.5::FLOAT t_float, 2.25::DOUBLE t_double, 12.34::DECIMAL(10,2) t_decimal, 'héllo'::VARCHAR t_varchar, true t_bool,
         '\\x00\\xFF'::BLOB t_blob, DATE '2024-02-29' t_date, TIMESTAMP '2024-01-02 03:04:05.123456' t_timestamp,
         TIMESTAMPTZ '2024-01-02 03:04:05+00' t_timestamptz, TIME '01:02:03' t_time, INTERVAL 3 DAY t_interval,
         [1, NULL, 3] t_list, {'p': 1, 'q': 'z'} t_struct, 7::HUGEINT t_hugeint, '00000000-0000-0000-0000-000000000001'::UUID t_uuid
  UNION ALL
  SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`;

/** Columns whose DuckDB type does not survive DuckDB's Arrow export unchanged. */
const ARROW_LOSSY = ['t_hugeint', 't_uuid'];

describe('Conformance fixtures through DuckDB', () => {
  let w: WorkerDb;

  beforeAll(async () => {
    w = await openWithWorker({ config: { threads: '1' } });
    // Finalize and bind workers stay pooled for the whole file instead of 5 s.
    await w.db.run('SET vgi_worker_pool_idle_limit_seconds = 600');
    await w.db.run(
      'CREATE TABLE big AS SELECT range AS id, (range * 7919) % 100003 AS k, (range % 1000) / 4 AS score FROM range(120000)',
    );
  });

  afterAll(() => w?.close());

  /** Runs `body` with two DuckDB threads: two sink connections, so two sink processes. */
  const withTwoThreads = async <T>(body: () => Promise<T>): Promise<T> => {
    await w.db.run('SET threads = 2');
    try {
      return await body();
    } finally {
      await w.db.run('SET threads = 1');
    }
  };

  describe('buffer_input', () => {
    let typed:
      | { through: Awaited<ReturnType<WorkerDb['db']['query']>>; plain: Awaited<ReturnType<WorkerDb['db']['query']>> }
      | undefined;
    const typedResults = async () => {
      typed ??= {
        through: await w.db.query(`SELECT * FROM example.buffer_input((${TYPED_ROWS}))`),
        plain: await w.db.query(TYPED_ROWS),
      };
      return typed;
    };
    const without = (lines: Record<string, unknown>[], names: string[]) =>
      lines
        .map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !names.includes(k)))))
        .sort();

    it('should return a row of every type, and a row of NULLs, exactly as they went in', async () => {
      const { through, plain } = await typedResults();
      expect(through.columns.filter((c) => !ARROW_LOSSY.includes(c.name))).toEqual(
        plain.columns.filter((c) => !ARROW_LOSSY.includes(c.name)),
      );
      expect(without(plainRows(through), ARROW_LOSSY)).toEqual(without(plainRows(plain), ARROW_LOSSY));
      expect(through.rows).toHaveLength(2);
    });

    it('should give HUGEINT back as DECIMAL(38,0) and UUID as VARCHAR, the types DuckDB exports them to Arrow as', async () => {
      const { through } = await typedResults();
      expect(through.columns.filter((c) => ARROW_LOSSY.includes(c.name))).toEqual([
        { name: 't_hugeint', type: 'DECIMAL(38,0)' },
        { name: 't_uuid', type: 'VARCHAR' },
      ]);
      expect(plainRows(through).map((r) => [r.t_hugeint, r.t_uuid])).toEqual(
        expect.arrayContaining([
          [7, '00000000-0000-0000-0000-000000000001'],
          [null, null],
        ]),
      );
    });

    it('should return no rows, with the input columns, for an empty input', async () => {
      const result = await w.db.query("SELECT * FROM example.buffer_input((SELECT 1::INTEGER a, 'x' b WHERE false))");
      expect(result.columns).toEqual([
        { name: 'a', type: 'INTEGER' },
        { name: 'b', type: 'VARCHAR' },
      ]);
      expect(result.rows).toEqual([]);
    });

    it('should pass 120k rows through with two DuckDB threads, losing and adding none', async () => {
      const stats = 'SELECT count(*) n, count(DISTINCT id) ids, sum(id) s_id, sum(k) s_k, sum(score) s_score FROM';
      const through = await withTwoThreads(() => w.db.query(`${stats} example.buffer_input((SELECT * FROM big))`));
      const plain = await w.db.query(`${stats} big`);
      expect(plainRows(through)).toEqual(plainRows(plain));
      expect(plainRows(through)[0].n).toBe('120000n');
    });

    it('should stop early under LIMIT and return exactly the rows asked for', async () => {
      const result = await w.db.query(
        'SELECT * FROM example.buffer_input((SELECT range AS x FROM range(50000))) LIMIT 3',
      );
      expect(result.rows).toHaveLength(3);
    });
  });

  describe('sum_all_columns and its variants', () => {
    it('should sum integers into BIGINT, floats and decimals into DOUBLE, drop other columns and count NULL as 0', async () => {
      const result = await w.db.query(
        "SELECT * FROM example.sum_all_columns((SELECT * FROM (VALUES (1::TINYINT, 2.5::FLOAT, 1.25::DECIMAL(10,2), 'x', NULL::INTEGER), (2, 0.5, 2.5, 'y', NULL)) t(a, b, c, d, e)))",
      );
      expect(result.columns).toEqual([
        { name: 'a', type: 'BIGINT' },
        { name: 'b', type: 'DOUBLE' },
        { name: 'c', type: 'DOUBLE' },
        { name: 'e', type: 'BIGINT' },
      ]);
      expect(plainRows(result)).toEqual([{ a: '3n', b: 3, c: 3.75, e: '0n' }]);
    });

    it('should give the same sums as plain SQL over 120k rows, for sum_all_columns, cached_sum_all and sum_all_columns_simple_distributed', async () => {
      const input = '(SELECT id, k, score::DOUBLE AS score FROM big)';
      const result = await w.db.query(
        [
          `SELECT 'sum_all_columns' f, * FROM example.sum_all_columns(${input})`,
          `SELECT 'cached_sum_all', * FROM example.cached_sum_all(${input})`,
          `SELECT 'simple_distributed', * FROM example.sum_all_columns_simple_distributed(${input})`,
          "SELECT 'plain', sum(id)::BIGINT, sum(k)::BIGINT, sum(score)::DOUBLE FROM big",
        ].join(' UNION ALL '),
      );
      const rows = plainRows(result);
      const plain = rows.find((r) => r.f === 'plain')!;
      expect(rows.map((r) => r.f).sort()).toEqual(['cached_sum_all', 'plain', 'simple_distributed', 'sum_all_columns']);
      for (const row of rows) expect({ ...row, f: 'plain' }).toEqual(plain);
    });

    it("should refuse an input without a numeric column at bind, with the fixture's ValueError", async () => {
      const message = await w.db.query("SELECT * FROM example.sum_all_columns((SELECT 'a' s, true b))").then(
        () => 'succeeded',
        (e: Error) => e.message,
      );
      expect(message.split('\n')[0]).toBe(
        'Invalid Input Error: VGI Worker Exception: ValueError: sum_all_columns requires at least one numeric (integer, floating-point, or decimal) input column, got [s: string, b: bool]',
      );
    });
  });

  describe('ordering', () => {
    const inOrder = (rows: readonly Record<string, unknown>[], n: number) =>
      rows.length === n && rows.every((r, i) => r.id === BigInt(i));

    it('should keep source order through ordered_buffer_input (one sink)', async () => {
      const { rows } = await w.db.query(
        'SELECT id FROM example.ordered_buffer_input((SELECT id FROM big ORDER BY id))',
      );
      expect(inOrder(rows, 120_000)).toBe(true);
    });

    it('should rebuild source order from the batch index in batch_index_buffer_input over a table scan with two sinks', async () => {
      const { rows } = await withTwoThreads(() =>
        w.db.query('SELECT id FROM example.batch_index_buffer_input((SELECT id FROM big))'),
      );
      expect(inOrder(rows, 120_000)).toBe(true);
    });

    it('should emit 0..15 in order from ordered_source, one finalize stream after the other', async () => {
      const { rows } = await w.db.query('SELECT v FROM example.ordered_source((SELECT 1))');
      expect(rows.map((r) => r.v)).toEqual(Array.from({ length: 16 }, (_, i) => BigInt(i)));
    });
  });

  describe('other fixtures', () => {
    it("should emit buffer_emit_wide's 10000 rows n = 0..9999", async () => {
      const result = await w.db.query(
        'SELECT count(*) c, count(DISTINCT n) d, min(n) lo, max(n) hi FROM example.buffer_emit_wide(10000, (SELECT 1))',
      );
      expect(plainRows(result)).toEqual([{ c: '10000n', d: '10000n', lo: '0n', hi: '9999n' }]);
    });

    it('should carry 1 MiB of state per input chunk through large_state (3 chunks of 5000 rows)', async () => {
      const result = await w.db.query(
        'SELECT * FROM example.large_state((SELECT range AS x, range::INTEGER AS y FROM range(5000)))',
      );
      expect(plainRows(result)).toEqual([{ x: `${3 * 1024 * 1024}n`, y: 3 * 1024 * 1024 }]);
    });

    it('should append to a named collection with accumulate, stamping rows, and return all of it on the next call', async () => {
      const first = await w.db.query(
        "SELECT x, typeof(_timestamp) t FROM example.accumulate('trips', (SELECT 1 AS x UNION ALL SELECT 2), result := 'new') ORDER BY x",
      );
      const all = await w.db.query("SELECT x FROM example.accumulate('trips', (SELECT 3 AS x)) ORDER BY x");
      expect(plainRows(first)).toEqual([
        { x: 1, t: 'TIMESTAMP' },
        { x: 2, t: 'TIMESTAMP' },
      ]);
      expect(all.rows.map((r) => r.x)).toEqual([1, 2, 3]);
    });
  });
});
