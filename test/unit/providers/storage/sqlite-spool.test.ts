import {
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { toBytes } from '../../../../src/common/bytes';
import type { StorageScope } from '../../../../src/providers/storage/function-storage';
import { DEFAULT_SPOOL_BYTES, parseSpoolBytes } from '../../../../src/providers/storage/sqlite-spool';
import { SqliteStorage } from '../../../../src/providers/storage/sqlite-storage.provider';
import { describeStorageConformance } from '../../../../src/testing/storage-conformance';

const dir = mkdtempSync(join(tmpdir(), 'silo-spool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Every log value spooled: the whole contract holds with the values in files.
describeStorageConformance(
  'SqliteStorage with every log value spooled',
  () => new SqliteStorage({ path: join(dir, 'conformance.db'), spoolBytes: 1 }),
  { counterWraparound: true },
);

/** A value of `n` bytes whose every byte depends on `seed` and its position. */
function payload(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

function segmentFiles(path: string): string[] {
  const spoolDir = `${path}-spool`;
  return existsSync(spoolDir) ? readdirSync(spoolDir).filter((n) => n.endsWith('.seg')) : [];
}

describe('SqliteStorage spool', () => {
  const ns = toBytes('rows');
  const key = toBytes('');
  let path: string;
  let scope: StorageScope;

  beforeEach(() => {
    path = join(dir, `s-${Math.random().toString(36).slice(2)}.db`);
    scope = { kind: 'execution', id: toBytes(`exec-${Math.random()}`) };
  });

  it('should keep values from the threshold up in a file and smaller ones in SQLite, and read both back', async () => {
    const storage = new SqliteStorage({ path, spoolBytes: 1000 });
    const small = payload(999, 1);
    const large = [payload(1000, 2), payload(82_000, 3), payload(5000, 4)];
    await storage.append(scope, ns, key, small);
    for (const v of large) await storage.append(scope, ns, key, v);

    const entries = await storage.logScan(scope, ns, key);
    expect(entries.map((e) => e.value)).toEqual([small, ...large]);
    expect(await storage.logScan(scope, ns, key, { afterId: entries[1].id, limit: 1 })).toEqual([entries[2]]);

    // The three large values sit in one segment, one after the other; SQLite keeps only the small one.
    const files = segmentFiles(path);
    expect(files).toHaveLength(1);
    const raw = new Database(path, { readonly: true });
    try {
      const rows = raw.prepare('SELECT length(value) AS n, spool_offset AS o FROM silo_log ORDER BY id').all();
      expect(rows).toEqual([
        { n: 999, o: null },
        { n: 0, o: 0 },
        { n: 0, o: 1000 },
        { n: 0, o: 83_000 },
      ]);
    } finally {
      raw.close();
    }
    await storage.close();
  });

  it('should delete the segment files with the log, the cleared scope and the ended scope', async () => {
    const storage = new SqliteStorage({ path, spoolBytes: 1 });
    const other: StorageScope = { kind: 'execution', id: toBytes('other') };
    await storage.append(scope, ns, toBytes('a'), payload(100, 1));
    await storage.append(scope, ns, toBytes('b'), payload(100, 2));
    await storage.append(other, ns, key, payload(100, 3));
    expect(segmentFiles(path)).toHaveLength(3);

    expect(await storage.logDelete(scope, ns, toBytes('a'))).toBe(1);
    expect(segmentFiles(path)).toHaveLength(2);
    expect((await storage.logScan(scope, ns, toBytes('b')))[0].value).toEqual(payload(100, 2));

    await storage.endScope(scope, 60_000);
    expect(segmentFiles(path)).toHaveLength(1);
    await storage.clearScope(other);
    expect(segmentFiles(path)).toEqual([]);
    await storage.close();
  });

  it('should delete the files of an execution the garbage collector removes', async () => {
    let now = 1_000_000;
    const storage = new SqliteStorage({ path, spoolBytes: 1, clock: () => now });
    await storage.renewLease(scope, 1000);
    await storage.append(scope, ns, key, payload(100, 1));
    expect(segmentFiles(path)).toHaveLength(1);
    now += 5000;
    expect((await storage.collectGarbage()).scopesCollected).toBe(1);
    expect(segmentFiles(path)).toEqual([]);
    await storage.close();
  });

  it('should share one log between instances, each writing its own segment, and survive the other deleting it', async () => {
    const a = new SqliteStorage({ path, spoolBytes: 1 });
    const b = new SqliteStorage({ path, spoolBytes: 1 });
    await a.append(scope, ns, key, payload(50, 1));
    await b.append(scope, ns, key, payload(50, 2));
    await a.append(scope, ns, key, payload(50, 3));
    expect(segmentFiles(path)).toHaveLength(2);
    expect((await b.logScan(scope, ns, key)).map((e) => e.value)).toEqual([1, 2, 3].map((s) => payload(50, s)));

    // b deletes the log with a's segment; a's next append must not go into the deleted file.
    await b.logDelete(scope, ns, key);
    expect(segmentFiles(path)).toEqual([]);
    await a.append(scope, ns, key, payload(50, 4));
    expect((await b.logScan(scope, ns, key)).map((e) => e.value)).toEqual([payload(50, 4)]);
    expect(segmentFiles(path)).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
  });

  it('should read values spooled by another instance even with the spool turned off', async () => {
    const writer = new SqliteStorage({ path, spoolBytes: 1 });
    const reader = new SqliteStorage({ path, spoolBytes: 0 });
    await writer.append(scope, ns, key, payload(300, 1));
    await reader.append(scope, ns, key, payload(300, 2));
    expect((await reader.logScan(scope, ns, key)).map((e) => e.value)).toEqual([payload(300, 1), payload(300, 2)]);
    expect(segmentFiles(path)).toHaveLength(1);
    await Promise.all([writer.close(), reader.close()]);
  });

  it('should say which file is missing or truncated instead of returning wrong bytes', async () => {
    const storage = new SqliteStorage({ path, spoolBytes: 1 });
    await storage.append(scope, ns, key, payload(4000, 1));
    const [file] = segmentFiles(path);
    await storage.close();

    truncateSync(join(`${path}-spool`, file), 1000);
    const reader = new SqliteStorage({ path });
    await expect(reader.logScan(scope, ns, key)).rejects.toThrow(
      /\[SILO343\] The SQLite spool file ".*\.seg" ends before the 4000 bytes at offset 0 its index names \(it holds 1000\)/,
    );
    await reader.close();

    unlinkSync(join(`${path}-spool`, file));
    const again = new SqliteStorage({ path });
    await expect(again.logScan(scope, ns, key)).rejects.toThrow(/\[SILO343\].*spool file ".*\.seg", which is missing/);
    await again.close();
  });

  it('should sweep segment files nothing indexes once they are an hour old, and keep younger ones', async () => {
    const storage = new SqliteStorage({ path, spoolBytes: 1 });
    await storage.renewLease(scope, 3600_000);
    await storage.append(scope, ns, key, payload(10, 1));
    const spoolDir = `${path}-spool`;
    const stale = join(spoolDir, 'dead-writer-0.seg');
    const fresh = join(spoolDir, 'dead-writer-1.seg');
    writeFileSync(stale, 'left by a process that died before indexing it');
    writeFileSync(fresh, 'being indexed right now');
    const twoHoursAgo = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(stale, twoHoursAgo, twoHoursAgo);

    await storage.collectGarbage();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(segmentFiles(path)).toHaveLength(2);
    expect((await storage.logScan(scope, ns, key))[0].value).toEqual(payload(10, 1));
    await storage.close();
  });

  it('should take the threshold from SILO_SQLITE_SPOOL_BYTES and refuse a malformed one', async () => {
    expect(parseSpoolBytes(undefined)).toBe(DEFAULT_SPOOL_BYTES);
    expect(parseSpoolBytes(' 0 ')).toBe(0);
    expect(parseSpoolBytes('65536')).toBe(65_536);
    for (const bad of ['16k', '-1', '1.5', 'lots']) {
      expect(() => parseSpoolBytes(bad)).toThrow(/\[SILO341\] SILO_SQLITE_SPOOL_BYTES=".*" is not a whole number/);
    }
    expect(() => new SqliteStorage({ path, spoolBytes: -5 })).toThrow(/\[SILO341\].*spoolBytes must be a whole number/);

    const off = new SqliteStorage({ path, env: { SILO_SQLITE_SPOOL_BYTES: '0' } });
    await off.append(scope, ns, key, payload(100_000, 1));
    expect(segmentFiles(path)).toEqual([]);
    await off.close();
    const low = new SqliteStorage({ path, env: { SILO_SQLITE_SPOOL_BYTES: '10' } });
    await low.append(scope, ns, key, payload(10, 1));
    expect(segmentFiles(path)).toHaveLength(1);
    await low.close();
  });

  it('should upgrade a version 2 file: its inline log entries stay readable beside new spooled ones', async () => {
    const old = new SqliteStorage({ path, spoolBytes: 0 });
    await old.append(scope, ns, key, payload(20_000, 1));
    await old.close();
    const raw = new Database(path);
    raw.exec(`DROP TABLE silo_spool; ALTER TABLE silo_log DROP COLUMN spool_segment;
      ALTER TABLE silo_log DROP COLUMN spool_offset; ALTER TABLE silo_log DROP COLUMN spool_length;`);
    raw.pragma('user_version = 2');
    raw.close();

    const storage = new SqliteStorage({ path });
    await storage.append(scope, ns, key, payload(20_000, 2));
    expect((await storage.logScan(scope, ns, key)).map((e) => e.value)).toEqual([
      payload(20_000, 1),
      payload(20_000, 2),
    ]);
    expect(segmentFiles(path)).toHaveLength(1);
    await storage.close();
  });
});

describe('SqliteStorage spool under concurrent appends', () => {
  it('should give concurrent appends to one log one segment, and keep every value when more logs are open than it keeps descriptors for', async () => {
    const path = join(dir, `concurrent-${Math.random().toString(36).slice(2)}.db`);
    const storage = new SqliteStorage({ path, spoolBytes: 1 });
    const scope: StorageScope = { kind: 'execution', id: toBytes('concurrent') };
    const ns = toBytes('rows');
    await Promise.all(Array.from({ length: 20 }, (_, i) => storage.append(scope, ns, toBytes('one'), payload(300, i))));
    expect(segmentFiles(path)).toHaveLength(1);
    const one = await storage.logScan(scope, ns, toBytes('one'));
    expect(one.map((e) => e.value).sort((a, b) => a[0] - b[0] || a[1] - b[1])).toEqual(
      Array.from({ length: 20 }, (_, i) => payload(300, i)).sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    );

    // 80 logs written at once, twice each: more than the 64 segments an instance keeps open.
    const logs = Array.from({ length: 80 }, (_, i) => toBytes(`log-${i}`));
    for (let round = 0; round < 2; round++) {
      await Promise.all(logs.map((key, i) => storage.append(scope, ns, key, payload(200, i * 2 + round))));
    }
    for (let i = 0; i < logs.length; i++) {
      expect((await storage.logScan(scope, ns, logs[i])).map((e) => e.value)).toEqual([
        payload(200, i * 2),
        payload(200, i * 2 + 1),
      ]);
    }
    await storage.clearScope(scope);
    expect(segmentFiles(path)).toEqual([]);
    await storage.close();
  });
});
