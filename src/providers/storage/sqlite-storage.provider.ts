import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type Database from 'better-sqlite3';
import { SiloError } from '../../errors/silo.error';
import {
  DEFAULT_COLLECTED_TOMBSTONE_TTL_MS,
  type FunctionStorage,
  type GarbageCollectionOptions,
  type GarbageCollectionReport,
  type KeyRange,
  type StorageEntry,
  type ListScopesOptions,
  type LogEntry,
  type LogScanOptions,
  type ScanOptions,
  type ScopeInfo,
  type ScopeStatus,
  type StorageScope,
} from './function-storage';
import { compareBytes } from '../../common/bytes';
import { decodeScope, encodeScope, EXECUTION_SCOPE_TAG, normalizeLimit } from './scope.codec';
import {
  parseSpoolBytes,
  SPOOL_ORPHAN_GRACE_MS,
  type SpoolSegment,
  SpoolSegmentGone,
  SqliteSpool,
} from './sqlite-spool';

/**
 * Options of {@link SqliteStorage}.
 *
 * @example
 * ```ts
 * const options: SqliteStorageOptions = { path: '/var/lib/silo/storage.db', busyTimeoutMs: 10_000 };
 * ```
 */
export interface SqliteStorageOptions {
  /**
   * Database file. Default: `SILO_SQLITE_PATH`, else `$XDG_STATE_HOME/silo/storage.db`,
   * else `~/.local/state/silo/storage.db`. The directory is created when missing.
   */
  readonly path?: string;
  /** Environment used to resolve the default path (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * How long one operation waits for another process's write lock before it fails with
   * SILO324 (default 5000 ms). The wait is spent in the event loop, not in SQLite's
   * sleeping busy handler: the first retries come within microseconds, because the
   * transactions that hold the lock here take well under a millisecond.
   */
  readonly busyTimeoutMs?: number;
  /** Epoch-millisecond clock for leases (default `Date.now`). */
  readonly clock?: () => number;
  /**
   * Log values of at least this many bytes (serialized batches, typically) are appended
   * to spool files in the directory `<path>-spool` instead of the database, which keeps
   * only where they are: an 82 KB batch costs a copy into the page cache instead of a
   * B-tree write. 0 keeps every value in SQLite. Default: `SILO_SQLITE_SPOOL_BYTES`, else
   * 16384. Instances with different settings can share a file; each reads both kinds.
   */
  readonly spoolBytes?: number;
}

/** Schema version this build writes; stored in `PRAGMA user_version`. */
const SCHEMA_VERSION = 3;

// Key/value and queue rows may carry large values (serialized Arrow batches), so they
// live in rowid tables; counters and leases are tiny and clustered by their key.
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS silo_kv (
  scope BLOB NOT NULL, ns BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,
  PRIMARY KEY (scope, ns, key));
CREATE TABLE IF NOT EXISTS silo_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  scope BLOB NOT NULL, ns BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS silo_log_by_key ON silo_log (scope, ns, key, id);
CREATE TABLE IF NOT EXISTS silo_counter (
  scope BLOB NOT NULL, ns BLOB NOT NULL, key BLOB NOT NULL, value INTEGER NOT NULL,
  PRIMARY KEY (scope, ns, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS silo_queue (
  seq INTEGER PRIMARY KEY, scope BLOB NOT NULL, ns BLOB NOT NULL, value BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS silo_queue_by_ns ON silo_queue (scope, ns, seq);
CREATE TABLE IF NOT EXISTS silo_lease (
  scope BLOB NOT NULL PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS silo_lease_by_expiry ON silo_lease (expires_at);
`;

// Version 2: a lease may be an ended execution's tombstone (see LEASE_ENDED).
const SCHEMA_V2 = `ALTER TABLE silo_lease ADD COLUMN ended INTEGER NOT NULL DEFAULT 0;`;

// Version 3: log values may live in spool segment files (see SqliteSpool); a spooled row
// keeps an empty value and names its segment file, offset and length (the name, not the
// segment's id, so reading needs no join; names are never reused). Segments belong to one
// log, so deleting the log (or its scope) deletes them.
const SCHEMA_V3 = `
ALTER TABLE silo_log ADD COLUMN spool_segment TEXT;
ALTER TABLE silo_log ADD COLUMN spool_offset INTEGER;
ALTER TABLE silo_log ADD COLUMN spool_length INTEGER;
CREATE TABLE IF NOT EXISTS silo_spool (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
  scope BLOB NOT NULL, ns BLOB NOT NULL, key BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS silo_spool_by_log ON silo_spool (scope, ns, key);
`;

/** Times a spooled append starts over because another process deleted its log meanwhile. */
const SPOOL_APPEND_ATTEMPTS = 8;

/** `silo_lease.ended`: 0 for a live lease, else how the execution ended. */
const LEASE_ENDED = { live: 0n, destroyed: 1n, collected: 2n } as const;

function leaseStatus(row: { expires_at: bigint; ended: bigint } | undefined): ScopeStatus {
  if (!row) return { state: 'absent' };
  const state =
    row.ended === LEASE_ENDED.destroyed ? 'destroyed' : row.ended === LEASE_ENDED.collected ? 'collected' : 'live';
  return { state, expiresAt: Number(row.expires_at) };
}

const DATA_TABLES = ['silo_kv', 'silo_log', 'silo_counter', 'silo_queue'] as const;

let sqliteModule: typeof Database | undefined;

/**
 * better-sqlite3, loaded on the first SqliteStorage: a worker on another backend never
 * loads the native module, and a start-up snapshot can hold everything loaded before it.
 */
function openDatabase(path: string, options: Database.Options): Database.Database {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sqliteModule ??= require('better-sqlite3') as typeof Database;
  return new sqliteModule(path, options);
}

/** No LIMIT, in SQLite's spelling. */
const NO_LIMIT = -1n;

/**
 * Resolves the SQLite file {@link SqliteStorage} opens: the explicit path, else
 * `SILO_SQLITE_PATH`, else `$XDG_STATE_HOME/silo/storage.db`, else
 * `~/.local/state/silo/storage.db`.
 */
export function resolveSqlitePath(options: { path?: string; env?: NodeJS.ProcessEnv } = {}): string {
  if (options.path) return options.path;
  const env = options.env ?? process.env;
  if (env.SILO_SQLITE_PATH) return env.SILO_SQLITE_PATH;
  // The XDG spec says relative values are invalid and must be ignored.
  const stateHome =
    env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME)
      ? env.XDG_STATE_HOME
      : join(env.HOME || homedir(), '.local', 'state');
  return join(stateHome, 'silo', 'storage.db');
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * How long to wait before retry `attempt` of a locked operation: the first ones only
 * yield to the event loop (another process's append or counter update holds the lock
 * for a fraction of a millisecond), later ones back off to at most 20 ms, jittered so
 * contending processes do not retry in step.
 */
function backoffMs(attempt: number): number {
  if (attempt < FAST_RETRIES) return 0;
  return Math.min(20, 0.25 * 2 ** (attempt - FAST_RETRIES)) * (0.5 + Math.random());
}

/** Retries that only yield to the event loop before the backoff starts. */
const FAST_RETRIES = 16;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => (ms === 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));
}

/** Blocks the thread; only used while opening, where the API is synchronous. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Identifies one log among this instance's open spool segments. */
function spoolLogKey(s: Uint8Array, ns: Uint8Array, key: Uint8Array): string {
  const text = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  return `${s.byteLength}:${text(s)}${ns.byteLength}:${text(ns)}${text(key)}`;
}

/** One log, as the spool's segment creation needs it. */
interface SpooledLog {
  /** {@link spoolLogKey} of the other three. */
  readonly id: string;
  readonly s: Uint8Array;
  readonly ns: Uint8Array;
  readonly key: Uint8Array;
}

interface LogRow {
  id: bigint;
  value: Buffer;
  spool_segment: string | null;
  spool_offset: bigint | null;
  spool_length: bigint | null;
}

interface KeyValueRow {
  key: Buffer;
  value: Buffer;
}

/**
 * The embedded default backend: one SQLite file shared by every worker process on the
 * host. WAL journal with `synchronous=NORMAL`, one connection per instance, `BEGIN
 * IMMEDIATE` for every read-then-write, single-statement `DELETE … RETURNING` for drains
 * and queue pops, and a bounded retry when SQLite still reports SQLITE_BUSY after its
 * own busy timeout. Log ids come from an AUTOINCREMENT key, so they never repeat, even
 * after a log is deleted.
 *
 * better-sqlite3 is synchronous; every method still returns a promise so the backends
 * are interchangeable.
 *
 * @example
 * ```ts
 * const storage = new SqliteStorage({ path: '/var/lib/silo/storage.db' });
 * const scope = { kind: 'execution', id: executionId } as const;
 * await storage.append(scope, toBytes('rows'), toBytes(''), payload);
 * await storage.close();
 * ```
 */
export class SqliteStorage implements FunctionStorage {
  readonly backend = 'sqlite';
  /** The database file in use. */
  readonly path: string;
  private readonly db: Database.Database;
  private readonly busyTimeoutMs: number;
  private readonly clock: () => number;
  private readonly statements = new Map<string, Database.Statement>();
  /** Large log values' files; undefined for an in-memory database. */
  private readonly spool: SqliteSpool | undefined;
  private readonly creatingSegments = new Map<string, Promise<SpoolSegment>>();
  private closed = false;

  constructor(options: SqliteStorageOptions = {}) {
    this.path = resolveSqlitePath(options);
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.clock = options.clock ?? Date.now;
    const inMemory = this.path === ':memory:' || this.path.startsWith('file:');
    const spoolBytes = options.spoolBytes ?? parseSpoolBytes((options.env ?? process.env).SILO_SQLITE_SPOOL_BYTES);
    if (!Number.isSafeInteger(spoolBytes) || spoolBytes < 0) {
      throw new SiloError(
        'SILO341',
        `SqliteStorage's spoolBytes must be a whole number of bytes (0 keeps every value in SQLite), not ${String(spoolBytes)}.`,
      );
    }
    this.spool = inMemory ? undefined : new SqliteSpool(`${this.path}-spool`, spoolBytes);
    try {
      if (!inMemory) mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      // SQLite's own busy handler sleeps 1, 2, 5, 10… ms between attempts, which turns every
      // collision of two processes' sub-millisecond appends into milliseconds: waits are
      // handled by run() instead.
      this.db = openDatabase(this.path, { timeout: 0 });
    } catch (cause) {
      throw new SiloError(
        'SILO320',
        `Could not open the SQLite storage file "${this.path}": ${(cause as Error).message}. Point SILO_SQLITE_PATH (or the "path" option) at a writable location.`,
        { cause },
      );
    }
    this.db.defaultSafeIntegers(true);
    try {
      this.retrySync(() => this.initialize());
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  private initialize(): void {
    // Switching to WAL needs a moment of exclusive access, so only the first opener of a
    // file does it; concurrent first opens retry on SQLITE_BUSY.
    let mode = this.db.pragma('journal_mode', { simple: true });
    if (mode !== 'wal' && mode !== 'memory') mode = this.db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && mode !== 'memory') {
      throw new SiloError(
        'SILO321',
        `SQLite refused WAL mode for "${this.path}" (journal_mode is "${String(mode)}"); WAL is required to share the file between processes. Put the file on a local disk (not a network share).`,
      );
    }
    this.db.pragma('synchronous = NORMAL');
    // Reading the version first keeps opening an up-to-date file free of write locks.
    if (this.schemaVersion() === SCHEMA_VERSION) return;
    this.db
      .transaction(() => {
        const version = this.schemaVersion();
        if (version < 1) this.db.exec(SCHEMA_V1);
        if (version < 2) this.db.exec(SCHEMA_V2);
        if (version < 3) this.db.exec(SCHEMA_V3);
        if (version < SCHEMA_VERSION) this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })
      .immediate();
  }

  private schemaVersion(): number {
    const version = Number(this.db.pragma('user_version', { simple: true }));
    if (version > SCHEMA_VERSION) {
      throw new SiloError(
        'SILO322',
        `The SQLite storage "${this.path}" has schema version ${version}, newer than this vgi-silo understands (${SCHEMA_VERSION}). Upgrade vgi-silo on every worker, or point SILO_SQLITE_PATH at another file.`,
      );
    }
    return version;
  }

  private retrySync<T>(op: () => T): T {
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return op();
      } catch (error) {
        if (!isBusy(error) || performance.now() - started >= this.busyTimeoutMs)
          throw this.explain(error, attempt, started);
        sleepSync(Math.max(0.1, backoffMs(attempt)));
      }
    }
  }

  /** Runs one synchronous unit of work, retrying on SQLITE_BUSY for up to busyTimeoutMs. */
  private async run<T>(op: () => T): Promise<T> {
    if (this.closed) {
      throw new SiloError(
        'SILO323',
        `SqliteStorage("${this.path}") is closed. Create a new SqliteStorage instead of reusing a closed one.`,
      );
    }
    let started = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return op();
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (attempt === 0) started = performance.now();
        else if (performance.now() - started >= this.busyTimeoutMs) throw this.explain(error, attempt, started);
        await pause(backoffMs(attempt));
        if (this.closed)
          throw new SiloError(
            'SILO323',
            `SqliteStorage("${this.path}") was closed while an operation waited for its lock.`,
          );
      }
    }
  }

  private explain(error: unknown, attempt: number, started: number): unknown {
    if (!isBusy(error)) return error;
    return new SiloError(
      'SILO324',
      `The SQLite storage "${this.path}" stayed locked (${(error as { code: string }).code}) for ${Math.round(performance.now() - started)} ms (${attempt + 1} attempts): another process holds a long write transaction. Find the stuck process, or raise busyTimeoutMs.`,
      { cause: error },
    );
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** `AND key >= ? AND key < ?` for the bounds that are set, with their parameters. */
  private static rangeSql(range: KeyRange): { sql: string; params: Uint8Array[] } {
    let sql = '';
    const params: Uint8Array[] = [];
    if (range.start) {
      sql += ' AND key >= ?';
      params.push(range.start);
    }
    if (range.end) {
      sql += ' AND key < ?';
      params.push(range.end);
    }
    return { sql, params };
  }

  private static limitParam(limit: number | undefined): bigint {
    const n = normalizeLimit(limit);
    return n === undefined ? NO_LIMIT : BigInt(n);
  }

  async get(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<Uint8Array | undefined> {
    const s = encodeScope(scope);
    return this.run(() => {
      const row = this.statement('SELECT value FROM silo_kv WHERE scope = ? AND ns = ? AND key = ?').get(s, ns, key) as
        { value: Buffer } | undefined;
      return row ? bytes(row.value) : undefined;
    });
  }

  async getMany(scope: StorageScope, ns: Uint8Array, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    const s = encodeScope(scope);
    const select = this.statement('SELECT value FROM silo_kv WHERE scope = ? AND ns = ? AND key = ?');
    // A deferred transaction gives every lookup the same snapshot.
    return this.run(() =>
      this.db.transaction(() =>
        keys.map((key) => {
          const row = select.get(s, ns, key) as { value: Buffer } | undefined;
          return row ? bytes(row.value) : undefined;
        }),
      )(),
    );
  }

  private upsert(): Database.Statement {
    return this.statement(
      'INSERT INTO silo_kv (scope, ns, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (scope, ns, key) DO UPDATE SET value = excluded.value',
    );
  }

  async put(scope: StorageScope, ns: Uint8Array, key: Uint8Array, value: Uint8Array): Promise<void> {
    const s = encodeScope(scope);
    await this.run(() => this.upsert().run(s, ns, key, value));
  }

  async putMany(scope: StorageScope, ns: Uint8Array, entries: readonly StorageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const s = encodeScope(scope);
    const upsert = this.upsert();
    await this.run(() =>
      this.db
        .transaction(() => {
          for (const e of entries) upsert.run(s, ns, e.key, e.value);
        })
        .immediate(),
    );
  }

  async scan(scope: StorageScope, ns: Uint8Array, options: ScanOptions = {}): Promise<StorageEntry[]> {
    const s = encodeScope(scope);
    const range = SqliteStorage.rangeSql(options);
    const sql = `SELECT key, value FROM silo_kv WHERE scope = ? AND ns = ?${range.sql} ORDER BY key ${options.reverse ? 'DESC' : 'ASC'} LIMIT ?`;
    const limit = SqliteStorage.limitParam(options.limit);
    return this.run(() =>
      (this.statement(sql).all(s, ns, ...range.params, limit) as KeyValueRow[]).map((r) => ({
        key: bytes(r.key),
        value: bytes(r.value),
      })),
    );
  }

  async drain(scope: StorageScope, ns: Uint8Array, options: ScanOptions = {}): Promise<StorageEntry[]> {
    const s = encodeScope(scope);
    const range = SqliteStorage.rangeSql(options);
    const limit = normalizeLimit(options.limit);
    if (limit === 0) return [];
    // One statement: the selection and the deletion cannot interleave with another drain.
    const sql =
      limit === undefined
        ? `DELETE FROM silo_kv WHERE scope = ? AND ns = ?${range.sql} RETURNING key, value`
        : `DELETE FROM silo_kv WHERE rowid IN (SELECT rowid FROM silo_kv WHERE scope = ? AND ns = ?${range.sql} ORDER BY key ${options.reverse ? 'DESC' : 'ASC'} LIMIT ?) RETURNING key, value`;
    const params = limit === undefined ? [s, ns, ...range.params] : [s, ns, ...range.params, BigInt(limit)];
    const rows = await this.run(() => this.statement(sql).all(...params) as KeyValueRow[]);
    // RETURNING has no defined order.
    const out = rows.map((r) => ({ key: bytes(r.key), value: bytes(r.value) }));
    out.sort((a, b) => (options.reverse ? compareBytes(b.key, a.key) : compareBytes(a.key, b.key)));
    return out;
  }

  async delete(scope: StorageScope, ns: Uint8Array, keys: readonly Uint8Array[]): Promise<number> {
    if (keys.length === 0) return 0;
    const s = encodeScope(scope);
    const remove = this.statement('DELETE FROM silo_kv WHERE scope = ? AND ns = ? AND key = ?');
    return this.run(() =>
      this.db
        .transaction(() => {
          let n = 0;
          for (const key of keys) n += remove.run(s, ns, key).changes;
          return n;
        })
        .immediate(),
    );
  }

  async deleteRange(scope: StorageScope, ns: Uint8Array, keyRange: KeyRange): Promise<number> {
    const s = encodeScope(scope);
    const range = SqliteStorage.rangeSql(keyRange);
    const sql = `DELETE FROM silo_kv WHERE scope = ? AND ns = ?${range.sql}`;
    return this.run(() => this.statement(sql).run(s, ns, ...range.params).changes);
  }

  async deleteAll(scope: StorageScope, ns: Uint8Array): Promise<number> {
    return this.deleteRange(scope, ns, {});
  }

  async append(scope: StorageScope, ns: Uint8Array, key: Uint8Array, value: Uint8Array): Promise<bigint> {
    const s = encodeScope(scope);
    if (this.spool?.spools(value.byteLength)) return this.appendSpooled(this.spool, s, ns, key, value);
    return this.run(
      () =>
        this.statement('INSERT INTO silo_log (scope, ns, key, value) VALUES (?, ?, ?, ?)').run(s, ns, key, value)
          .lastInsertRowid as bigint,
    );
  }

  /**
   * Writes `value` to this instance's segment of the log, then indexes it. The index row
   * is inserted only while the segment's row exists: when another process deleted the
   * log in between (and with it the segment), the value goes to a new segment instead.
   */
  private async appendSpooled(
    spool: SqliteSpool,
    s: Uint8Array,
    ns: Uint8Array,
    key: Uint8Array,
    value: Uint8Array,
  ): Promise<bigint> {
    const log = spoolLogKey(s, ns, key);
    const index = this.statement(
      "INSERT INTO silo_log (scope, ns, key, value, spool_segment, spool_offset, spool_length) SELECT ?, ?, ?, X'', name, ?, ? FROM silo_spool WHERE id = ?",
    );
    for (let attempt = 0; attempt < SPOOL_APPEND_ATTEMPTS; attempt++) {
      const segment = spool.current(log) ?? (await this.segmentBeingCreated(spool, { id: log, s, ns, key }));
      const offset = spool.write(segment, value);
      if (offset === undefined) continue;
      const result = await this.run(() => index.run(s, ns, key, BigInt(offset), BigInt(value.byteLength), segment.id));
      if (result.changes === 1) return result.lastInsertRowid as bigint;
      spool.forget(log, segment);
    }
    throw new SiloError(
      'SILO342',
      `Appending to a spooled log of "${this.path}" failed ${SPOOL_APPEND_ATTEMPTS} times: another process deleted the log after every write. Stop deleting a log that is still being written.`,
    );
  }

  /** The new segment of `log`: concurrent appends to one log wait for the same one. */
  private segmentBeingCreated(spool: SqliteSpool, log: SpooledLog): Promise<SpoolSegment> {
    let pending = this.creatingSegments.get(log.id);
    if (pending === undefined) {
      pending = this.createSegment(spool, log).finally(() => this.creatingSegments.delete(log.id));
      this.creatingSegments.set(log.id, pending);
    }
    return pending;
  }

  private async createSegment(spool: SqliteSpool, { id: log, s, ns, key }: SpooledLog): Promise<SpoolSegment> {
    const file = spool.createFile();
    const insert = this.statement('INSERT INTO silo_spool (name, scope, ns, key) VALUES (?, ?, ?, ?) RETURNING id');
    let id: bigint;
    try {
      id = await this.run(() => (insert.get(file.name, s, ns, key) as { id: bigint }).id);
    } catch (error) {
      spool.discard(file);
      throw error;
    }
    const segment: SpoolSegment = { id, name: file.name, fd: file.fd, size: 0, closed: false };
    spool.adopt(log, segment);
    return segment;
  }

  async logScan(
    scope: StorageScope,
    ns: Uint8Array,
    key: Uint8Array,
    options: LogScanOptions = {},
  ): Promise<LogEntry[]> {
    const s = encodeScope(scope);
    const limit = SqliteStorage.limitParam(options.limit);
    const select = this.statement(
      'SELECT id, value, spool_segment, spool_offset, spool_length FROM silo_log WHERE scope = ? AND ns = ? AND key = ? AND id > ? ORDER BY id LIMIT ?',
    );
    // A segment deleted between reading the index and reading the file means the entries
    // were deleted meanwhile: reading the index again shows the log as it is now.
    for (let attempt = 0; ; attempt++) {
      const rows = await this.run(() => select.all(s, ns, key, options.afterId ?? 0n, limit) as LogRow[]);
      try {
        return rows.map((r) => ({ id: r.id, value: this.logValue(r) }));
      } catch (error) {
        if (!(error instanceof SpoolSegmentGone) || attempt >= 2) throw this.explainSpool(error);
      }
    }
  }

  private logValue(row: LogRow): Uint8Array {
    if (row.spool_segment === null) return bytes(row.value);
    if (this.spool === undefined) throw new SpoolSegmentGone(row.spool_segment);
    return this.spool.read(row.spool_segment, Number(row.spool_offset), Number(row.spool_length));
  }

  private explainSpool(error: unknown): unknown {
    if (!(error instanceof SpoolSegmentGone)) return error;
    return new SiloError(
      'SILO343',
      `The SQLite storage "${this.path}" indexes log entries in the spool file "${error.segment}", which is missing from "${this.path}-spool": it was deleted by hand or lost. The execution that wrote it cannot be read; rerun the query.`,
    );
  }

  async logDelete(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<number> {
    const s = encodeScope(scope);
    const removeLog = this.statement('DELETE FROM silo_log WHERE scope = ? AND ns = ? AND key = ?');
    const removeSegments = this.statement(
      'DELETE FROM silo_spool WHERE scope = ? AND ns = ? AND key = ? RETURNING name',
    );
    const { changes, segments } = await this.run(() =>
      this.db
        .transaction(() => ({
          changes: removeLog.run(s, ns, key).changes,
          segments: (removeSegments.all(s, ns, key) as { name: string }[]).map((r) => r.name),
        }))
        .immediate(),
    );
    this.removeSegmentFiles(segments);
    return changes;
  }

  /** Deletes the files of segments whose rows a committed transaction removed. */
  private removeSegmentFiles(segments: readonly string[]): void {
    if (segments.length > 0) this.spool?.remove(segments);
  }

  async counterGet(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<bigint> {
    const s = encodeScope(scope);
    return this.run(() => {
      const row = this.statement('SELECT value FROM silo_counter WHERE scope = ? AND ns = ? AND key = ?').get(
        s,
        ns,
        key,
      ) as { value: bigint } | undefined;
      return row?.value ?? 0n;
    });
  }

  async counterAdd(scope: StorageScope, ns: Uint8Array, key: Uint8Array, delta: bigint): Promise<bigint> {
    const s = encodeScope(scope);
    const select = this.statement('SELECT value FROM silo_counter WHERE scope = ? AND ns = ? AND key = ?');
    const upsert = this.statement(
      'INSERT INTO silo_counter (scope, ns, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (scope, ns, key) DO UPDATE SET value = excluded.value',
    );
    // SQLite turns an overflowing integer sum into a REAL; adding in JavaScript inside an
    // IMMEDIATE transaction keeps int64 wraparound exact and the update atomic.
    return this.run(() =>
      this.db
        .transaction(() => {
          const row = select.get(s, ns, key) as { value: bigint } | undefined;
          const next = BigInt.asIntN(64, (row?.value ?? 0n) + delta);
          upsert.run(s, ns, key, next);
          return next;
        })
        .immediate(),
    );
  }

  async counterDelete(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<void> {
    const s = encodeScope(scope);
    await this.run(() =>
      this.statement('DELETE FROM silo_counter WHERE scope = ? AND ns = ? AND key = ?').run(s, ns, key),
    );
  }

  async queuePush(scope: StorageScope, ns: Uint8Array, values: readonly Uint8Array[]): Promise<void> {
    if (values.length === 0) return;
    const s = encodeScope(scope);
    const insert = this.statement('INSERT INTO silo_queue (scope, ns, value) VALUES (?, ?, ?)');
    await this.run(() =>
      this.db
        .transaction(() => {
          for (const v of values) insert.run(s, ns, v);
        })
        .immediate(),
    );
  }

  async queuePop(scope: StorageScope, ns: Uint8Array, max = 1): Promise<Uint8Array[]> {
    const limit = normalizeLimit(max);
    if (limit === 0) return [];
    const s = encodeScope(scope);
    const sql =
      'DELETE FROM silo_queue WHERE seq IN (SELECT seq FROM silo_queue WHERE scope = ? AND ns = ? ORDER BY seq LIMIT ?) RETURNING seq, value';
    const rows = await this.run(
      () =>
        this.statement(sql).all(s, ns, limit === undefined ? NO_LIMIT : BigInt(limit)) as {
          seq: bigint;
          value: Buffer;
        }[],
    );
    rows.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    return rows.map((r) => bytes(r.value));
  }

  async queueLength(scope: StorageScope, ns: Uint8Array): Promise<number> {
    const s = encodeScope(scope);
    return this.run(() =>
      Number(
        (this.statement('SELECT count(*) AS n FROM silo_queue WHERE scope = ? AND ns = ?').get(s, ns) as { n: bigint })
          .n,
      ),
    );
  }

  /**
   * Deletes the scope's data inside the caller's transaction. Returns the spool segments
   * it unindexed; their files go once the transaction has committed.
   */
  private deleteScopeData(s: Uint8Array): string[] {
    for (const table of DATA_TABLES) this.statement(`DELETE FROM ${table} WHERE scope = ?`).run(s);
    return (this.statement('DELETE FROM silo_spool WHERE scope = ? RETURNING name').all(s) as { name: string }[]).map(
      (r) => r.name,
    );
  }

  async clearScope(scope: StorageScope): Promise<void> {
    const s = encodeScope(scope);
    const segments = await this.run(() =>
      this.db
        .transaction(() => {
          const removed = this.deleteScopeData(s);
          this.statement('DELETE FROM silo_lease WHERE scope = ?').run(s);
          return removed;
        })
        .immediate(),
    );
    this.removeSegmentFiles(segments);
  }

  async renewLease(scope: StorageScope, ttlMs: number): Promise<void> {
    const s = encodeScope(scope);
    const expiresAt = BigInt(Math.round(this.clock() + ttlMs));
    await this.run(() =>
      this.statement(
        'INSERT INTO silo_lease (scope, expires_at) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET expires_at = excluded.expires_at WHERE ended = 0',
      ).run(s, expiresAt),
    );
  }

  async extendLease(scope: StorageScope, ttlMs: number): Promise<ScopeStatus> {
    const s = encodeScope(scope);
    const expiresAt = BigInt(Math.round(this.clock() + ttlMs));
    const extend = this.statement(
      'UPDATE silo_lease SET expires_at = ? WHERE scope = ? AND ended = 0 RETURNING expires_at, ended',
    );
    const select = this.statement('SELECT expires_at, ended FROM silo_lease WHERE scope = ?');
    // The update only touches a live lease; when it found none, the read says what is there instead.
    return this.run(() =>
      leaseStatus((extend.get(expiresAt, s) ?? select.get(s)) as { expires_at: bigint; ended: bigint } | undefined),
    );
  }

  async scopeStatus(scope: StorageScope): Promise<ScopeStatus> {
    const s = encodeScope(scope);
    return this.run(() =>
      leaseStatus(
        this.statement('SELECT expires_at, ended FROM silo_lease WHERE scope = ?').get(s) as
          { expires_at: bigint; ended: bigint } | undefined,
      ),
    );
  }

  async endScope(scope: StorageScope, tombstoneTtlMs: number): Promise<void> {
    const s = encodeScope(scope);
    const expiresAt = BigInt(Math.round(this.clock() + tombstoneTtlMs));
    const tombstone = this.statement(
      'INSERT INTO silo_lease (scope, expires_at, ended) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET expires_at = excluded.expires_at, ended = excluded.ended',
    );
    const segments = await this.run(() =>
      this.db
        .transaction(() => {
          const removed = this.deleteScopeData(s);
          tombstone.run(s, expiresAt, LEASE_ENDED.destroyed);
          return removed;
        })
        .immediate(),
    );
    this.removeSegmentFiles(segments);
  }

  async collectGarbage(
    now: number = this.clock(),
    options: GarbageCollectionOptions = {},
  ): Promise<GarbageCollectionReport> {
    const cutoff = BigInt(Math.round(Math.min(now, Number.MAX_SAFE_INTEGER)));
    const tombstoneTtlMs = options.tombstoneTtlMs ?? DEFAULT_COLLECTED_TOMBSTONE_TTL_MS;
    // Candidates are read once, so a tombstone this collection leaves is not visited again.
    const candidates = await this.run(() =>
      (
        this.statement('SELECT scope FROM silo_lease WHERE expires_at < ? ORDER BY expires_at').all(cutoff) as {
          scope: Buffer;
        }[]
      ).map((r) => r.scope),
    );
    const expired = this.statement('SELECT ended FROM silo_lease WHERE scope = ? AND expires_at < ?');
    const toTombstone = this.statement('UPDATE silo_lease SET ended = ?, expires_at = ? WHERE scope = ?');
    const dropLease = this.statement('DELETE FROM silo_lease WHERE scope = ?');
    let scopesCollected = 0;
    // One scope per IMMEDIATE transaction: the expiry re-check and the deletion are atomic
    // (a renewal cannot slip in between), and other writers wait for one scope at most.
    for (const scope of candidates) {
      const segments = await this.run(() =>
        this.db
          .transaction(() => {
            const row = expired.get(scope, cutoff) as { ended: bigint } | undefined;
            if (!row) return undefined;
            const removed = this.deleteScopeData(scope);
            if (row.ended === LEASE_ENDED.live && scope[0] === EXECUTION_SCOPE_TAG) {
              toTombstone.run(LEASE_ENDED.collected, BigInt(Math.round(this.clock() + tombstoneTtlMs)), scope);
            } else dropLease.run(scope);
            return removed;
          })
          .immediate(),
      );
      if (segments === undefined) continue;
      this.removeSegmentFiles(segments);
      scopesCollected++;
    }
    scopesCollected += await this.collectOrphans();
    await this.sweepSpool();
    return { scopesCollected };
  }

  /**
   * Deletes spool files no segment row names, older than an hour: left by a process that
   * died between creating a segment's file and indexing it.
   */
  private async sweepSpool(): Promise<void> {
    if (this.spool === undefined) return;
    const indexed = await this.run(
      () => new Set((this.statement('SELECT name FROM silo_spool').all() as { name: string }[]).map((r) => r.name)),
    );
    this.spool.sweep(indexed, Date.now() - SPOOL_ORPHAN_GRACE_MS);
  }

  /** Removes execution scopes that hold data but no lease (see FunctionStorage.collectGarbage). */
  private async collectOrphans(): Promise<number> {
    const dataScopes = [...DATA_TABLES, 'silo_spool'].map((t) => `SELECT scope FROM ${t}`).join(' UNION ');
    const candidates = this.statement(
      `SELECT scope FROM (${dataScopes}) WHERE substr(scope, 1, 1) = ? AND scope NOT IN (SELECT scope FROM silo_lease)`,
    );
    const stillLeaseless = this.statement('SELECT 1 FROM silo_lease WHERE scope = ?');
    const orphans = await this.run(() =>
      (candidates.all(Uint8Array.of(EXECUTION_SCOPE_TAG)) as { scope: Buffer }[]).map((r) => r.scope),
    );
    let collected = 0;
    for (const scope of orphans) {
      // Re-checked inside the write transaction: a lease taken meanwhile keeps the scope.
      const segments = await this.run(() =>
        this.db
          .transaction(() => (stillLeaseless.get(scope) !== undefined ? undefined : this.deleteScopeData(scope)))
          .immediate(),
      );
      if (segments === undefined) continue;
      this.removeSegmentFiles(segments);
      collected++;
    }
    return collected;
  }

  async listScopes(options: ListScopesOptions = {}): Promise<ScopeInfo[]> {
    const sql = `SELECT scope, max(expires_at) AS expires_at, max(ended) AS ended, max(data) AS data FROM (
        SELECT scope, NULL AS expires_at, NULL AS ended, 1 AS data FROM silo_kv
        UNION ALL SELECT scope, NULL, NULL, 1 FROM silo_log
        UNION ALL SELECT scope, NULL, NULL, 1 FROM silo_counter
        UNION ALL SELECT scope, NULL, NULL, 1 FROM silo_queue
        UNION ALL SELECT scope, NULL, NULL, 1 FROM silo_spool
        UNION ALL SELECT scope, expires_at, ended, 0 FROM silo_lease)
      GROUP BY scope ORDER BY scope`;
    const rows = await this.run(() =>
      this.db.transaction(
        () =>
          this.statement(sql).all() as {
            scope: Buffer;
            expires_at: bigint | null;
            ended: bigint | null;
            data: bigint;
          }[],
      )(),
    );
    const shown = options.tombstones
      ? rows
      : rows.filter((r) => r.data === 1n || r.ended === null || r.ended === LEASE_ENDED.live);
    return shown.map((r) => {
      const ended =
        r.ended === LEASE_ENDED.destroyed ? 'destroyed' : r.ended === LEASE_ENDED.collected ? 'collected' : undefined;
      return {
        scope: decodeScope(bytes(r.scope)),
        leaseExpiresAt: r.expires_at === null ? undefined : Number(r.expires_at),
        ...(ended ? { ended } : {}),
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.spool?.close();
    this.db.close();
  }

  /**
   * Gives the file space of deleted data back to the file system: `VACUUM` rewrites the
   * database without its free pages, then a WAL checkpoint truncates the log it went
   * through. Run it after garbage collection (`silo storage gc --vacuum`); it waits for
   * other writers like any write, and briefly blocks them while it rewrites the file.
   * Returns the database's size (page count × page size) before and after.
   *
   * @example
   * ```ts
   * await storage.collectGarbage();
   * const { bytesBefore, bytesAfter } = await storage.vacuum();
   * ```
   */
  async vacuum(): Promise<{ bytesBefore: number; bytesAfter: number }> {
    const size = (): number =>
      Number(this.db.pragma('page_count', { simple: true })) * Number(this.db.pragma('page_size', { simple: true }));
    const bytesBefore = size();
    await this.run(() => this.db.exec('VACUUM'));
    await this.run(() => this.db.pragma('wal_checkpoint(TRUNCATE)'));
    return { bytesBefore, bytesAfter: size() };
  }
}
