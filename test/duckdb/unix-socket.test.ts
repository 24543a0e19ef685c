/**
 * The conformance worker on an AF_UNIX socket, started by the test, attached with
 * `LOCATION 'unix://<absolute path>'`: every phase DuckDB runs is a connection to that
 * one process instead of a spawned one.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  CONFORMANCE_ENTRY,
  hostEnv,
  openWithWorker,
  plainRows,
  queryError,
  useDuckDbStorage,
  workerArgv,
  type DuckDbStorage,
  type WorkerDb,
} from '../support/duckdb';

jest.setTimeout(180_000);

describe('A worker on a unix socket, through DuckDB', () => {
  let storage: DuckDbStorage;
  let child: ChildProcessWithoutNullStreams;
  let socketPath: string;
  let w: WorkerDb;

  beforeAll(async () => {
    storage = useDuckDbStorage('silo-duckdb-unix-');
    socketPath = join(storage.dir, 'w.sock');
    const [node, ...args] = workerArgv(CONFORMANCE_ENTRY, ['--unix', socketPath]);
    child = spawn(node, args, { env: { ...hostEnv } });
    await new Promise<void>((done, fail) => {
      let text = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('\n')) done();
      });
      child.once('exit', (code) => fail(new Error(`the worker exited (${code}) before announcing its socket`)));
    });
    w = await openWithWorker({
      location: `unix://${socketPath}`,
      catalog: 'example',
      alias: 'ex',
      config: { threads: '2' },
    });
  });

  afterAll(() => {
    w?.close();
    if (child?.exitCode === null) child.kill('SIGTERM');
    storage?.dispose();
  });

  it('should attach with LOCATION unix://<absolute path> under the alias given', async () => {
    const { rows } = await w.db.query("SELECT database_name, type FROM duckdb_databases() WHERE database_name = 'ex'");
    expect(rows).toEqual([{ database_name: 'ex', type: 'vgi' }]);
  });

  it('should pass 50k rows through buffer_input unchanged', async () => {
    const result = await w.db.query(
      'SELECT count(*) n, sum(x) s, count(DISTINCT x) d FROM ex.buffer_input((SELECT range AS x FROM range(50000)))',
    );
    expect(plainRows(result)).toEqual([{ n: '50000n', s: '1249975000n', d: '50000n' }]);
  });

  it('should sum with sum_all_columns as plain SQL does', async () => {
    const result = await w.db.query(
      'SELECT * FROM ex.sum_all_columns((SELECT range AS x, range / 2 AS y FROM range(10000)))',
    );
    expect(plainRows(result)).toEqual([{ x: '49995000n', y: 24997500 }]);
  });

  it('should report a function error naming the unix location, and keep serving', async () => {
    const message = await queryError(w.db, 'SELECT * FROM ex.crash_on_finalize((SELECT 1 AS x))');
    expect(message.split('\n')[0]).toBe(
      'Invalid Input Error: VGI Worker Exception: ValueError: Intentional exception during finalize()',
    );
    expect(message.trimEnd().endsWith(`[worker: unix://${socketPath}]`)).toBe(true);
    expect(plainRows(await w.db.query('SELECT * FROM ex.buffer_input((SELECT 5 AS x))'))).toEqual([{ x: 5 }]);
  });

  it('should run every phase in the one socket process: no subprocess pooled by DuckDB', async () => {
    expect((await w.db.query('SELECT * FROM vgi_worker_pool()')).rows).toEqual([]);
    expect(child.exitCode).toBeNull();
  });
});
