/**
 * Every hook sees the execution's identity — transaction id, attach id, worker path —
 * through a real DuckDB: queries inside one BEGIN … COMMIT share a transaction (and its
 * TRANSACTION_STORAGE), every autocommit statement is a transaction of its own.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { toShellCommand } from '../../src/cli/entry-command';
import { EmbeddedDuckDb } from '../../src/duckdb';
import { REGISTER_TS, REPO, sharedStorageEnv } from '../integration/client/support';

jest.setTimeout(120_000);

const PHASES = ['bind', 'combine', 'finalize', 'initial_finalize_state', 'process'];

interface Row {
  phase: string;
  transaction_id: string | null;
  attach_id: string | null;
  worker_path: string;
  calls_in_transaction: bigint | null;
}

describe('execution identity through DuckDB (protocol 1.0.0)', () => {
  const { dir, env } = sharedStorageEnv('silo-identity-');
  const location = toShellCommand([process.execPath, '-r', REGISTER_TS, join(REPO, 'test', 'fixtures', 'identity', 'identity-worker.ts')]);
  let db: EmbeddedDuckDb;

  beforeAll(async () => {
    Object.assign(process.env, { SILO_STORAGE: env.SILO_STORAGE, SILO_SQLITE_PATH: env.SILO_SQLITE_PATH, SILO_SECRET_KEY: env.SILO_SECRET_KEY });
    db = await EmbeddedDuckDb.open();
    await db.attach({ location });
  });

  afterAll(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const identity = async (): Promise<Row[]> =>
    ((await db.query('SELECT * FROM identity.call_identity((SELECT * FROM range(3) t(x))) ORDER BY phase')).rows as unknown as Row[]);

  it('should give every hook the same transaction id, attach id and worker path', async () => {
    const rows = await identity();
    expect(rows.map((r) => r.phase)).toEqual(PHASES);
    const [first] = rows;
    expect(first.transaction_id).toMatch(/^[0-9a-f]{32}$/);
    expect(first.attach_id).toMatch(/^[0-9a-f]{32}/);
    expect(first.worker_path).toContain('identity-worker.ts');
    for (const r of rows) expect([r.transaction_id, r.attach_id, r.worker_path]).toEqual([first.transaction_id, first.attach_id, first.worker_path]);
  });

  it('should share one transaction id and its storage between the queries of BEGIN … COMMIT, and not beyond', async () => {
    await db.run('BEGIN');
    const a = await identity();
    const b = await identity();
    await db.run('COMMIT');
    const after = await identity();
    expect(a[0].transaction_id).toBe(b[0].transaction_id);
    expect([a[0].calls_in_transaction, b[0].calls_in_transaction]).toEqual([1n, 2n]);
    expect(after[0].transaction_id).not.toBe(a[0].transaction_id);
    expect(after[0].calls_in_transaction).toBe(1n);
  });
});
