/**
 * A buffering function as one relation among others in a DuckDB query: what DuckDB
 * pushes into the VGI scan (projection, filters), and the function inside UNION, LATERAL
 * and a recursive CTE.
 */
import { openWithWorker, sortedLines, type WorkerDb } from '../support/duckdb';

jest.setTimeout(180_000);

/** The text of a query's physical plan. */
async function plan(w: WorkerDb, sql: string): Promise<string> {
  const { rows } = await w.db.query(`EXPLAIN ${sql}`);
  return rows.map((r) => String(r.explain_value)).join('\n');
}

/** The box of the VGI operator in an EXPLAIN tree, as one line of its cells. */
function vgiBox(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.includes('VGI_TABLE_BUFFERING'));
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && l.includes('└'));
  return lines
    .slice(start, end)
    .map((l) => l.replace(/[│┌┐└┘─┬┴]/g, '').trim())
    .filter((l) => l !== '')
    .join(' ');
}

const INPUT = "(SELECT range AS x, range * 2 AS y, 'v' || range AS z FROM range(10))";

describe('A buffering function inside DuckDB queries', () => {
  let w: WorkerDb;

  beforeAll(async () => {
    w = await openWithWorker({ config: { threads: '1' } });
    await w.db.run('SET vgi_worker_pool_idle_limit_seconds = 600');
  });

  afterAll(() => w?.close());

  describe('pushdown into echo_buffering', () => {
    it('should push the projection into the VGI scan and return only the projected column', async () => {
      const sql = `SELECT x FROM example.echo_buffering(${INPUT})`;
      expect(vgiBox(await plan(w, sql))).toContain('Projections: [x]');
      const result = await w.db.query(sql);
      expect(result.columns).toEqual([{ name: 'x', type: 'BIGINT' }]);
      expect(sortedLines(result)).toEqual(Array.from({ length: 10 }, (_, i) => JSON.stringify({ x: `${i}n` })).sort());
    });

    // Generation A encodes pushed filters in a form of its own (a JSON filter_spec) and, told
    // the worker applies them, keeps no FILTER of its own: the worker advertises no filter
    // pushdown there, so DuckDB filters and the rows are right.
    it('should keep the filter in DuckDB over protocol 1.0, where the worker advertises no filter pushdown', async () => {
      const text = await plan(w, `SELECT x FROM example.echo_buffering(${INPUT}) WHERE y > 5`);
      expect(vgiBox(text)).not.toContain('Filters');
      expect(text).toContain('FILTER');
    });

    it('should return only the rows the filter keeps', async () => {
      const result = await w.db.query(`SELECT x FROM example.echo_buffering(${INPUT}) WHERE y > 5`);
      expect(sortedLines(result)).toEqual([3, 4, 5, 6, 7, 8, 9].map((i) => JSON.stringify({ x: `${i}n` })).sort());
    });

    it('should not push filters into buffer_input, which does not advertise pushdown', async () => {
      const text = await plan(w, `SELECT x FROM example.buffer_input(${INPUT}) WHERE y > 5`);
      expect(vgiBox(text)).not.toContain('Filters');
      expect(text).toContain('FILTER');
      expect(sortedLines(await w.db.query(`SELECT x FROM example.buffer_input(${INPUT}) WHERE y > 5`))).toHaveLength(7);
    });
  });

  describe('composition', () => {
    it('should combine two calls with UNION ALL, keeping the rows both return', async () => {
      const a = 'SELECT x FROM example.buffer_input((SELECT range AS x FROM range(3)))';
      const b = 'SELECT x FROM example.ordered_buffer_input((SELECT range AS x FROM range(1, 4)))';
      const result = await w.db.query(`SELECT x, count(*) AS n FROM (${a} UNION ALL ${b}) GROUP BY x ORDER BY x`);
      expect(result.rows.map((r) => [r.x, r.n])).toEqual([
        [0n, 1n],
        [1n, 2n],
        [2n, 2n],
        [3n, 1n],
      ]);
    });

    it('should serve as the inner relation of a LATERAL join filtered by the outer row', async () => {
      const result = await w.db.query(
        'SELECT v.k, b.x FROM (VALUES (1), (3)) v(k), LATERAL (SELECT x FROM example.buffer_input((SELECT range AS x FROM range(4))) WHERE x >= v.k) b ORDER BY v.k, b.x',
      );
      expect(result.rows.map((r) => [r.k, r.x])).toEqual([
        [1, 1n],
        [1, 2n],
        [1, 3n],
        [3, 3n],
      ]);
    });

    // DuckDB 1.5.3 with the 1.0 extension cannot plan a buffering call whose TABLE input
    // refers to the outer row: "INTERNAL Error: Failed to bind column reference".
    it.failing('should take a LATERAL input correlated with the outer row', async () => {
      const result = await w.db.query(
        'SELECT v.k, b.x FROM (VALUES (1), (2)) v(k), LATERAL example.buffer_input((SELECT v.k * 10 AS x)) b ORDER BY v.k',
      );
      expect(result.rows.map((r) => [r.k, r.x])).toEqual([
        [1, 10],
        [2, 20],
      ]);
    });

    it('should buffer the output of a recursive CTE', async () => {
      const result = await w.db.query(
        'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM example.buffer_input((SELECT n FROM r)) ORDER BY n',
      );
      expect(result.rows.map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
    });

    it('should run once per iteration inside the recursive step of a CTE', async () => {
      const result = await w.db.query(
        'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT x + 1 FROM example.buffer_input((SELECT n AS x FROM r)) WHERE x < 3) SELECT n FROM r ORDER BY n',
      );
      expect(result.rows.map((r) => r.n)).toEqual([1, 2, 3]);
    });
  });
});
