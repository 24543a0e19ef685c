/**
 * The extension's HTTP transport in stock DuckDB 1.5.3: `LOCATION 'http://…'` with the
 * httpfs build from npm. Generation A has no protocol segment in its paths, so this proves
 * the worker's `{prefix}/{method}` and `{prefix}/init/{init,exchange}` routes end to end,
 * including a finalize stream continued over several `/exchange` requests, an early stop
 * (LIMIT), and a worker error reaching DuckDB.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { EmbeddedDuckDb } from '../../src/duckdb';
import { HttpWorkerProcess } from '../fixtures/http/http-driver';
import { sharedStorageEnv } from '../integration/client/support';

jest.setTimeout(120_000);

describe('DuckDB over HTTP (generation A, protocol 1.0.0)', () => {
  const { dir, env } = sharedStorageEnv('silo-duckdb-http-');
  let worker: HttpWorkerProcess;
  let db: EmbeddedDuckDb;

  beforeAll(async () => {
    worker = await HttpWorkerProcess.start({ ...env, SILO_SIGNING_KEY: randomBytes(32).toString('hex') }, [
      '--host',
      '127.0.0.1',
    ]);
    db = await EmbeddedDuckDb.open({ httpfs: true });
    await db.attach({ location: worker.url, catalog: 'example', alias: 'web' });
  });

  afterAll(async () => {
    db?.close();
    await worker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should run a buffering function end to end, its finalize stream continued over /init/exchange', async () => {
    const { rows } = await db.query(
      'SELECT count(*) AS n, sum(x) AS total, min(x) AS lo, max(x) AS hi FROM web.buffer_input((SELECT * FROM range(20000) t(x)))',
    );
    expect(rows).toEqual([{ n: 20000n, total: 199990000n, lo: 0n, hi: 19999n }]);
  });

  it('should stop early under LIMIT and serve the next query', async () => {
    const limited = await db.query('SELECT * FROM web.buffer_input((SELECT * FROM range(10000) t(x))) LIMIT 3');
    expect(limited.rows).toHaveLength(3);
    const again = await db.query('SELECT count(*) AS n FROM web.buffer_input((SELECT * FROM range(5) t(x)))');
    expect(again.rows).toEqual([{ n: 5n }]);
  });

  it("should surface a worker's exception in DuckDB's error", async () => {
    await expect(db.query('SELECT * FROM web.exception_finalize((SELECT * FROM range(3) t(x)))')).rejects.toThrow(
      /^Invalid Input Error: VGI Worker Exception: ValueError: Intentional exception during finalize\(\)/,
    );
  });
});
