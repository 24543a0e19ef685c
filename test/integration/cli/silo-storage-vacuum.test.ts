/**
 * `silo storage gc --vacuum` and `silo storage vacuum` against real backends: a SQLite
 * file that held a few MB of scope data shrinks on disk once the scopes are gone; the
 * PostgreSQL tables are vacuumed (with DATABASE_URL; skipped without it, required in CI).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageGcCommand, storageVacuumCommand } from '../../../src/cli/commands/storage.command';
import { MemoryStorage, PostgresStorage, SqliteStorage, toBytes } from '../../../src/providers/storage';
import { describeWithPostgres } from '../../support/postgres';

const fileBytes = (path: string): number => [path, `${path}-wal`].reduce((n, f) => n + (safeSize(f) ?? 0), 0);
const safeSize = (path: string): number | undefined => {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
};

/** Fills `count` execution scopes with about 64 KiB each, their leases already expired. */
async function fill(storage: SqliteStorage | PostgresStorage, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const scope = { kind: 'execution', id: Uint8Array.of(0x10, i) } as const;
    await storage.renewLease(scope, 1);
    await storage.putMany(
      scope,
      toBytes('rows'),
      Array.from({ length: 16 }, (_, k) => ({ key: Uint8Array.of(k), value: randomBytes(4096) })),
    );
  }
}

describe('silo storage vacuum (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silo-vacuum-'));
  const path = join(dir, 'storage.db');
  const env = { SILO_STORAGE: 'sqlite', SILO_SQLITE_PATH: path };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should shrink the file after gc --vacuum removes the expired scopes, and report the sizes', async () => {
    const storage = new SqliteStorage({ path });
    await fill(storage, 40);
    await storage.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const before = fileBytes(path);
    expect(before).toBeGreaterThan(2_000_000);

    const report = await storageGcCommand(env, { vacuum: true });
    const lines = report.trimEnd().split('\n');
    expect(lines[0]).toBe(`collected 40 scopes with an expired lease from sqlite:${path}`);
    expect(lines[1]).toMatch(
      new RegExp(
        `^vacuumed sqlite:${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: [\\d.]+ MiB → [\\d.]+ KiB \\([\\d.]+ MiB reclaimed\\)$`,
      ),
    );
    const after = fileBytes(path);
    // The data is gone and so is its space: the file (with its WAL) is a small fraction of what it was.
    expect(after).toBeLessThan(before / 10);
    // Nothing left to reclaim: a second vacuum keeps the size.
    expect(await storageVacuumCommand(env)).toMatch(/: ([\d.]+ KiB) → \1 \(0 B reclaimed\)\n$/);
  });

  it('should report nothing to reclaim for memory storage', async () => {
    expect(await new MemoryStorage().vacuum()).toEqual({ bytesBefore: 0, bytesAfter: 0 });
  });
});

describeWithPostgres('silo storage vacuum (PostgreSQL)', (url) => {
  const schema = `silo_vacuum_${randomBytes(6).toString('hex')}`;
  const env = { SILO_STORAGE: 'postgres', DATABASE_URL: url, SILO_POSTGRES_SCHEMA: schema };
  afterAll(async () => {
    const storage = new PostgresStorage({ connectionString: url, schema });
    await (storage as unknown as { pool: { query(q: { text: string }): Promise<unknown> } }).pool.query({
      text: `DROP SCHEMA IF EXISTS "${schema}" CASCADE`,
    });
    await storage.close();
  });

  it('should vacuum the tables after gc removes the expired scopes, and report their size', async () => {
    const storage = new PostgresStorage({ connectionString: url, schema });
    await fill(storage, 10);
    await storage.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const report = (await storageGcCommand(env, { vacuum: true })).trimEnd().split('\n');
    expect(report[0]).toBe(`collected 10 scopes with an expired lease from postgres (schema ${schema})`);
    expect(report[1]).toMatch(
      new RegExp(
        `^vacuumed postgres \\(schema ${schema}\\): [\\d.]+ (KiB|MiB) → [\\d.]+ (KiB|MiB) \\([\\d.]+ (B|KiB|MiB) reclaimed\\)$`,
      ),
    );
    const check = new PostgresStorage({ connectionString: url, schema });
    expect(await check.listScopes()).toEqual([]);
    await check.close();
  });
});
