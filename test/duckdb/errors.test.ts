/**
 * What a DuckDB user sees when a worker fails, dies or is called wrongly: DuckDB's error
 * text, and that the same connection (and the same ATTACH) keeps serving the next query.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { endPooledWorkers, openWithWorker, plainRows, queryError, workersOn, type WorkerDb } from '../support/duckdb';

jest.setTimeout(180_000);

describe('Worker failures and bad calls through DuckDB', () => {
  let w: WorkerDb;
  let workerSuffix: string;

  beforeAll(async () => {
    w = await openWithWorker({ config: { threads: '1' } });
    await w.db.run('SET vgi_worker_pool_idle_limit_seconds = 600');
    workerSuffix = ` [worker: ${w.location}]`;
  });

  afterAll(() => w?.close());

  /** The worker still answers: a buffering call right after the failure returns its rows. */
  const expectServing = async () => {
    expect(plainRows(await w.db.query('SELECT * FROM example.buffer_input((SELECT 41 + 1 AS x))'))).toEqual([
      { x: 42 },
    ]);
  };

  describe('exceptions raised by the function', () => {
    it.each([
      ['exception_process', '(SELECT range AS x FROM range(5000))', 'ValueError: Intentional exception on batch 2'],
      ['exception_finalize', '(SELECT 1 AS x)', 'ValueError: Intentional exception during finalize()'],
      ['crash_on_combine', '(SELECT 1 AS x)', 'RuntimeError: Intentional exception during combine()'],
      ['crash_on_finalize', '(SELECT 1 AS x)', 'ValueError: Intentional exception during finalize()'],
    ])(
      'should fail %s with "Invalid Input Error: VGI Worker Exception: <Type>: <message>", the stack and the worker',
      async (name, input, error) => {
        const message = await queryError(w.db, `SELECT * FROM example.${name}(${input})`);
        const lines = message.split('\n');
        expect(lines[0]).toBe(`Invalid Input Error: VGI Worker Exception: ${error}`);
        // The traceback: the exception line again, then the stack, the last frame followed by the worker.
        expect(lines[1]).toBe(error);
        expect(lines[2]).toMatch(/^ {4}at /);
        expect(message.trimEnd().endsWith(workerSuffix)).toBe(true);
      },
    );

    it('should keep serving on the same connection after a function raised', async () => {
      await queryError(w.db, 'SELECT * FROM example.crash_on_combine((SELECT 1 AS x))');
      await expectServing();
    });
  });

  describe('a worker process that dies', () => {
    it('should fail crash_on_process with an IO Error naming the worker, then serve the next query on a fresh process', async () => {
      const message = await queryError(w.db, 'SELECT * FROM example.crash_on_process((SELECT 1 AS x))');
      expect(message).toBe(`IO Error: RPC response stream EOF (no schema)${workerSuffix}`);
      await expectServing();
    });
  });

  const describeOnLinux = existsSync('/proc/self/stat') ? describe : describe.skip;

  describeOnLinux('a call that never returns (hang_on_process)', () => {
    /** Starts hang_on_process on `db`, waits until its sink worker is inside process(), interrupts it. */
    const interruptHang = async (on: WorkerDb): Promise<string> => {
      const pending = on.db.query('SELECT * FROM example.hang_on_process((SELECT 1 AS x))').then(
        () => 'succeeded',
        (e: Error) => e.message,
      );
      await sleep(8_000);
      on.db.connection.interrupt();
      return pending;
    };

    it('should fail with "VGI operation interrupted" when the query is interrupted, then serve the next query', async () => {
      expect(await interruptHang(w)).toBe('IO Error: VGI operation interrupted (query cancelled)');
      await expectServing();
    });

    it('should leave no worker process running once the DuckDB of an interrupted query is closed', async () => {
      const other = await openWithWorker({ config: { threads: '1' } });
      const path = other.storage.env.SILO_SQLITE_PATH;
      try {
        const interrupted = interruptHang(other);
        await sleep(4_000);
        expect(workersOn(path).length).toBeGreaterThan(0);
        expect(await interrupted).toBe('IO Error: VGI operation interrupted (query cancelled)');
        expect(plainRows(await other.db.query('SELECT * FROM example.buffer_input((SELECT 1 AS x))'))).toEqual([
          { x: 1 },
        ]);
      } finally {
        // Only the DuckDB: the helper's close() would also end what it left pooled.
        other.db.close();
      }
      for (let i = 0; i < 60 && workersOn(path).length > 0; i++) await sleep(250);
      const left = workersOn(path);
      endPooledWorkers(path);
      other.storage.dispose();
      expect(left).toEqual([]);
    });
  });

  describe('bad calls', () => {
    it('should refuse a scalar where the TABLE argument goes, naming the signature', async () => {
      const message = await queryError(w.db, 'SELECT * FROM example.buffer_input(42)');
      expect(message).toContain(
        "Binder Error: No function matches the given name and argument types 'buffer_input(INTEGER)'.",
      );
      expect(message).toContain('Candidate functions:\n\tbuffer_input(TABLE)');
    });

    it('should refuse a call without its required TABLE argument', async () => {
      const message = await queryError(w.db, 'SELECT * FROM example.buffer_input()');
      expect(message).toContain(
        "Binder Error: No function matches the given name and argument types 'buffer_input()'.",
      );
    });

    it('should refuse a VARCHAR for a BIGINT positional argument', async () => {
      const message = await queryError(w.db, "SELECT * FROM example.buffer_emit_wide('abc', (SELECT 1))");
      expect(message).toContain(
        "Binder Error: No function matches the given name and argument types 'buffer_emit_wide(VARCHAR, TABLE)'.",
      );
      expect(message).toContain('buffer_emit_wide(BIGINT, TABLE)');
    });

    it('should refuse a named argument value DuckDB cannot cast', async () => {
      const message = await queryError(
        w.db,
        "SELECT * FROM example.sum_all_columns((SELECT 1 AS x), logging := 'maybe')",
      );
      expect(message).toBe("Invalid Input Error: Failed to cast value: Could not convert string 'maybe' to BOOL");
    });

    it('should refuse an unknown named argument, listing the known ones', async () => {
      const message = await queryError(w.db, 'SELECT * FROM example.sum_all_columns((SELECT 1 AS x), nosuch := 1)');
      expect(message).toContain(
        'Binder Error: Invalid named parameter "nosuch" for function sum_all_columns\nCandidates:\n    logging BOOLEAN',
      );
    });

    it("should report a value the function's validation refuses with the worker's SILO502 message", async () => {
      const message = await queryError(w.db, 'SELECT * FROM example.buffer_emit_wide(-1, (SELECT 1))');
      expect(message.split('\n')[0]).toBe(
        'Invalid Input Error: VGI Worker Exception: InvalidArgumentsError: [SILO502] Invalid arguments for buffer_emit_wide(): rows must not be less than 0 (got -1)',
      );
    });

    it('should refuse a function the worker does not have, suggesting one it has', async () => {
      const message = await queryError(w.db, 'SELECT * FROM example.no_such_function((SELECT 1))');
      expect(message).toMatch(
        /^Catalog Error: Table Function with name no_such_function does not exist!\nDid you mean "[a-z_]+"\?/,
      );
    });

    it('should keep serving after every refused call', async () => {
      await expectServing();
    });
  });

  describe('client logs', () => {
    it("should put the function's INFO client logs of process and combine into duckdb_logs(), with the worker's pid", async () => {
      await w.db.run("SET enable_logging = true; SET logging_level = 'debug'");
      try {
        const result = await w.db.query(
          'SELECT * FROM example.sum_all_columns((SELECT range AS x FROM range(3000)), logging := true)',
        );
        expect(plainRows(result)).toEqual([{ x: '4498500n' }]);
        const { rows } = await w.db.query(
          "SELECT log_level, message FROM duckdb_logs() WHERE type = 'VGI' AND log_level = 'INFO'",
        );
        const fixtureLines = rows
          .map((r) => String(r.message))
          .filter((m) => /'event': (Processing batch with|Combining) /.test(m));
        const events = fixtureLines.map((m) => /'event': ([^,]+),/.exec(m)![1]);
        // One sink thread: 3000 rows reach it in chunks of at most 2048 rows, and combine gets its one state id.
        const processed = events
          .filter((e) => e.startsWith('Processing batch with '))
          .map((e) => Number(/with (\d+) rows/.exec(e)![1]));
        expect(processed.reduce((a, b) => a + b, 0)).toBe(3000);
        expect(Math.max(...processed)).toBeLessThanOrEqual(2048);
        expect(events.filter((e) => /^Combining 1 state_ids$/.test(e))).toHaveLength(1);
        expect(fixtureLines.every((m) => /worker_pid=\d+/.test(m))).toBe(true);
      } finally {
        await w.db.run('SET enable_logging = false');
      }
    });
  });
});
