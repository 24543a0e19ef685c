import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { toBytes } from '../../../../src/common/bytes';
import type { StorageScope } from '../../../../src/providers/storage/function-storage';
import { SqliteStorage, resolveSqlitePath } from '../../../../src/providers/storage/sqlite-storage.provider';
import { describeStorageConformance } from '../../../../src/testing/storage-conformance';

const dir = mkdtempSync(join(tmpdir(), 'silo-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One file for the whole suite: every test opens its own connection, as worker processes do.
describeStorageConformance('SqliteStorage', () => new SqliteStorage({ path: join(dir, 'conformance.db') }), {
  counterWraparound: true,
});

describe('SqliteStorage', () => {
  const scope: StorageScope = { kind: 'execution', id: toBytes('exec-1') };
  const ns = toBytes('ns');

  describe('resolveSqlitePath', () => {
    it('should prefer the explicit path, then SILO_SQLITE_PATH, then XDG_STATE_HOME, then ~/.local/state', () => {
      const env = { SILO_SQLITE_PATH: '/env/s.db', XDG_STATE_HOME: '/xdg', HOME: '/home/me' };
      expect(resolveSqlitePath({ path: '/explicit.db', env })).toBe('/explicit.db');
      expect(resolveSqlitePath({ env })).toBe('/env/s.db');
      expect(resolveSqlitePath({ env: { XDG_STATE_HOME: '/xdg', HOME: '/home/me' } })).toBe('/xdg/silo/storage.db');
      expect(resolveSqlitePath({ env: { HOME: '/home/me' } })).toBe('/home/me/.local/state/silo/storage.db');
    });

    it('should ignore a relative XDG_STATE_HOME, as the XDG spec requires', () => {
      expect(resolveSqlitePath({ env: { XDG_STATE_HOME: 'relative', HOME: '/home/me' } })).toBe(
        '/home/me/.local/state/silo/storage.db',
      );
    });
  });

  it('should create the directory and open the file in WAL mode with synchronous=NORMAL', async () => {
    const storage = new SqliteStorage({ env: { XDG_STATE_HOME: join(dir, 'state') } });
    expect(storage.path).toBe(join(dir, 'state', 'silo', 'storage.db'));
    await storage.put(scope, ns, toBytes('k'), toBytes('v'));
    expect(existsSync(storage.path)).toBe(true);
    const raw = new Database(storage.path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
    await storage.close();
  });

  it('should share data and one log id sequence between connections to the same file', async () => {
    const path = join(dir, 'shared.db');
    const a = new SqliteStorage({ path });
    const b = new SqliteStorage({ path });
    await a.put(scope, ns, toBytes('k'), toBytes('from a'));
    expect(new TextDecoder().decode(await b.get(scope, ns, toBytes('k')))).toBe('from a');
    const first = await a.append(scope, ns, toBytes('log'), toBytes('1'));
    const second = await b.append(scope, ns, toBytes('log'), toBytes('2'));
    expect(second).toBeGreaterThan(first);
    await Promise.all([a.close(), b.close()]);
  });

  it('should refuse a database written by a newer schema version, saying how to fix it', () => {
    const path = join(dir, 'future.db');
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => new SqliteStorage({ path })).toThrow(/\[SILO322\].*schema version 99.*Upgrade vgi-silo/);
  });

  it('should upgrade a version 1 file in place: its leases stay live, and executions can end', async () => {
    const path = join(dir, 'v1.db');
    const raw = new Database(path);
    raw.exec(`CREATE TABLE silo_kv (scope BLOB NOT NULL, ns BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, PRIMARY KEY (scope, ns, key));
      CREATE TABLE silo_log (id INTEGER PRIMARY KEY AUTOINCREMENT, scope BLOB NOT NULL, ns BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL);
      CREATE TABLE silo_counter (scope BLOB NOT NULL, ns BLOB NOT NULL, key BLOB NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (scope, ns, key)) WITHOUT ROWID;
      CREATE TABLE silo_queue (seq INTEGER PRIMARY KEY, scope BLOB NOT NULL, ns BLOB NOT NULL, value BLOB NOT NULL);
      CREATE TABLE silo_lease (scope BLOB NOT NULL PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;`);
    raw
      .prepare('INSERT INTO silo_lease (scope, expires_at) VALUES (?, ?)')
      .run(Buffer.from([0x01, 0x07]), Date.now() + 600_000);
    raw.pragma('user_version = 1');
    raw.close();
    const storage = new SqliteStorage({ path });
    const old: StorageScope = { kind: 'execution', id: Uint8Array.of(0x07) };
    expect((await storage.scopeStatus(old)).state).toBe('live');
    await storage.endScope(old, 60_000);
    expect((await storage.scopeStatus(old)).state).toBe('destroyed');
    await storage.close();
  });

  it('should reject calls after close with an explanation', async () => {
    const storage = new SqliteStorage({ path: join(dir, 'closed.db') });
    await storage.close();
    await expect(storage.get(scope, ns, toBytes('k'))).rejects.toThrow(/\[SILO323\].*is closed/);
  });

  describe('when another process holds the write lock', () => {
    let path: string;
    let locker: Database.Database;

    beforeEach(async () => {
      path = join(dir, `locked-${Math.random().toString(36).slice(2)}.db`);
      await new SqliteStorage({ path }).close();
      locker = new Database(path);
      locker.exec('BEGIN IMMEDIATE');
    });

    afterEach(() => {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
    });

    it('should retry and succeed once the lock is released', async () => {
      const storage = new SqliteStorage({ path, busyTimeoutMs: 2000 });
      setTimeout(() => locker.exec('COMMIT'), 100);
      await storage.put(scope, ns, toBytes('k'), toBytes('v'));
      expect(new TextDecoder().decode(await storage.get(scope, ns, toBytes('k')))).toBe('v');
      await storage.close();
    });

    it('should give up after busyTimeoutMs with an error naming the file', async () => {
      const storage = new SqliteStorage({ path, busyTimeoutMs: 50 });
      const started = Date.now();
      await expect(storage.counterAdd(scope, ns, toBytes('c'), 1n)).rejects.toThrow(
        /\[SILO324\] The SQLite storage ".*" stayed locked \(SQLITE_BUSY\) for \d+ ms \(\d+ attempts\)/,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
      await storage.close();
    });
  });
});
