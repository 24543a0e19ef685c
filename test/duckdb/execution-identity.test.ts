/**
 * Every hook sees the execution's identity — transaction id, attach id, worker path —
 * through a real DuckDB: queries inside one BEGIN … COMMIT share a transaction (and its
 * TRANSACTION_STORAGE), every autocommit statement is a transaction of its own.
 */
import { join } from 'node:path';
import { openWithWorker, REPO, type WorkerDb } from '../support/duckdb';

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
  let w: WorkerDb;

  beforeAll(async () => {
    w = await openWithWorker({ entry: join(REPO, 'test', 'fixtures', 'identity', 'identity-worker.ts') });
  });

  afterAll(() => w?.close());

  const identity = async (): Promise<Row[]> =>
    (await w.db.query('SELECT * FROM identity.call_identity((SELECT * FROM range(3) t(x))) ORDER BY phase'))
      .rows as unknown as Row[];

  it('should give every hook the same transaction id, attach id and worker path', async () => {
    const rows = await identity();
    expect(rows.map((r) => r.phase)).toEqual(PHASES);
    const [first] = rows;
    expect(first.transaction_id).toMatch(/^[0-9a-f]{32}$/);
    expect(first.attach_id).toMatch(/^[0-9a-f]{32}/);
    expect(first.worker_path).toContain('identity-worker.ts');
    for (const r of rows)
      expect([r.transaction_id, r.attach_id, r.worker_path]).toEqual([
        first.transaction_id,
        first.attach_id,
        first.worker_path,
      ]);
  });

  it('should share one transaction id and its storage between the queries of BEGIN … COMMIT, and not beyond', async () => {
    await w.db.run('BEGIN');
    const a = await identity();
    const b = await identity();
    await w.db.run('COMMIT');
    const after = await identity();
    expect(a[0].transaction_id).toBe(b[0].transaction_id);
    expect([a[0].calls_in_transaction, b[0].calls_in_transaction]).toEqual([1n, 2n]);
    expect(after[0].transaction_id).not.toBe(a[0].transaction_id);
    expect(after[0].calls_in_transaction).toBe(1n);
  });
});
