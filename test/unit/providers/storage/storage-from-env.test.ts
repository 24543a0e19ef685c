import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../../../../src/providers/storage/memory-storage.provider';
import { PostgresStorage } from '../../../../src/providers/storage/postgres-storage.provider';
import { SqliteStorage } from '../../../../src/providers/storage/sqlite-storage.provider';
import { createStorageFromEnv } from '../../../../src/providers/storage/storage-from-env';

describe('createStorageFromEnv', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'silo-from-env-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should default to SQLite under XDG_STATE_HOME, even when DATABASE_URL is set', async () => {
    const storage = createStorageFromEnv({ XDG_STATE_HOME: dir, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(storage).toBeInstanceOf(SqliteStorage);
    expect((storage as SqliteStorage).path).toBe(join(dir, 'silo', 'storage.db'));
    await storage.close();
  });

  it('should open SILO_SQLITE_PATH for SILO_STORAGE=sqlite', async () => {
    const storage = createStorageFromEnv({ SILO_STORAGE: 'sqlite', SILO_SQLITE_PATH: join(dir, 'custom.db') });
    expect((storage as SqliteStorage).path).toBe(join(dir, 'custom.db'));
    await storage.close();
  });

  it('should create a MemoryStorage for SILO_STORAGE=memory, ignoring case and spaces', async () => {
    expect(createStorageFromEnv({ SILO_STORAGE: ' Memory ' })).toBeInstanceOf(MemoryStorage);
  });

  it('should create a PostgresStorage on DATABASE_URL and SILO_POSTGRES_SCHEMA for SILO_STORAGE=postgres', async () => {
    const storage = createStorageFromEnv({
      SILO_STORAGE: 'postgres',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      SILO_POSTGRES_SCHEMA: 'tenant_a',
    });
    expect(storage).toBeInstanceOf(PostgresStorage);
    expect((storage as PostgresStorage).schema).toBe('tenant_a');
    await storage.close();
  });

  it('should explain that SILO_STORAGE=postgres needs DATABASE_URL', () => {
    expect(() => createStorageFromEnv({ SILO_STORAGE: 'postgres' })).toThrow(
      /\[SILO327\] SILO_STORAGE=postgres needs DATABASE_URL/,
    );
  });

  it('should name the valid values for an unknown SILO_STORAGE', () => {
    expect(() => createStorageFromEnv({ SILO_STORAGE: 'redis' })).toThrow(
      '[SILO325] SILO_STORAGE="redis" is not a storage backend. Valid values: memory, sqlite, postgres (default sqlite).',
    );
  });
});
