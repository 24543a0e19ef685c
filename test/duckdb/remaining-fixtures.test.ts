/**
 * The conformance fixtures the other files do not call, through a real DuckDB over
 * protocol 1.0.0: the global-registration probe, the two same-name declarations, and the
 * slow cancellable producer under LIMIT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWithWorker, plainRows, type WorkerDb } from '../support/duckdb';

jest.setTimeout(180_000);

describe('the remaining conformance fixtures through DuckDB', () => {
  let w: WorkerDb;

  beforeAll(async () => {
    w = await openWithWorker({ config: { threads: '1' } });
  });

  afterAll(() => w?.close());

  it('should pass the input through global_buffered as plain SQL sees it', async () => {
    const got = plainRows(
      await w.db.query(
        'SELECT count(*) AS n, sum(x) AS total FROM example.global_buffered((SELECT * FROM range(5000) t(x)))',
      ),
    );
    expect(got).toEqual([{ n: '5000n', total: '12497500n' }]);
  });

  it('should tag rows with main for main.test_same_name_buffered, and also for data.test_same_name_buffered: protocol 1.0 names no schema', async () => {
    const main = plainRows(await w.db.query('SELECT tag FROM example.main.test_same_name_buffered((SELECT 7 AS x))'));
    expect(main).toEqual([{ tag: 'main:7' }]);
    // The 1.0 bind, process and combine requests carry only the function's name, so the
    // worker resolves the one in main; 1.3 and vgi.v2 send the schema (see protocol-1.3.test.ts).
    const data = plainRows(await w.db.query('SELECT tag FROM example.data.test_same_name_buffered((SELECT 7 AS x))'));
    expect(data).toEqual([{ tag: 'main:7' }]);
  });

  it('should stop slow_cancellable_buffering at a LIMIT long before its 100000 rows, and serve the next query', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'silo-cancel-'));
    const probe = join(dir, 'cancelled.txt');
    try {
      const rows = plainRows(
        await w.db.query(
          `SELECT * FROM example.slow_cancellable_buffering('${probe}', (SELECT 1 AS x), count := 100000, sleep_ms := 1) LIMIT 3`,
        ),
      );
      expect(rows).toHaveLength(3);
      expect(
        plainRows(await w.db.query('SELECT count(*) AS n FROM example.buffer_input((SELECT * FROM range(4) t(x)))')),
      ).toEqual([{ n: '4n' }]);
      // The 1.0 extension sends no cancel tick (vgi-wire-gen-a §4.6): when on_cancel runs
      // depends on when DuckDB closes the abandoned finalize worker's stdin, so it is not pinned here.
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
