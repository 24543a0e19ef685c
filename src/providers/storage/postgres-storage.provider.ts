import { createHash } from 'node:crypto';
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
import { createPostgresPool, type PostgresPool } from './postgres-pool';
import { decodeScope, encodeScope, EXECUTION_SCOPE_TAG, lastWriteWins, normalizeLimit } from './scope.codec';

/**
 * Options of {@link PostgresStorage}.
 *
 * @example
 * ```ts
 * const options: PostgresStorageOptions = { connectionString: process.env.DATABASE_URL, schema: 'silo', maxConnections: 8 };
 * ```
 */
export interface PostgresStorageOptions {
  /** Connection string. Default: `DATABASE_URL`. Ignored when `pool` is given. */
  readonly connectionString?: string;
  /** A pool you own; `close()` then leaves it open. */
  readonly pool?: PostgresPool;
  /** Schema holding Silo's tables, created on first use. Default: `SILO_POSTGRES_SCHEMA`, else `silo`. */
  readonly schema?: string;
  /** Pool size when Silo creates the pool (default 4). */
  readonly maxConnections?: number;
  /** Environment for the defaults above (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Epoch-millisecond clock for leases. Default: the database server's clock, so
   * workers on hosts with skewed clocks still agree on when a lease expires.
   */
  readonly clock?: () => number;
}

const SCHEMA_VERSION = 2;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** Epoch milliseconds of the current transaction's start, on the server. */
const SERVER_NOW_MS = '(extract(epoch from now()) * 1000)::bigint';
/** Expired leases collected per statement; bounds how long one GC statement holds locks. */
const GC_BATCH = 100;

const migrations = (s: string): ReadonlyArray<{ version: number; sql: string }> => [
  {
    version: 1,
    sql: `
CREATE TABLE ${s}.silo_kv (
  scope bytea NOT NULL, ns bytea NOT NULL, key bytea NOT NULL, value bytea NOT NULL,
  PRIMARY KEY (scope, ns, key));
CREATE TABLE ${s}.silo_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scope bytea NOT NULL, ns bytea NOT NULL, key bytea NOT NULL, value bytea NOT NULL);
CREATE INDEX silo_log_by_key ON ${s}.silo_log (scope, ns, key, id);
CREATE TABLE ${s}.silo_counter (
  scope bytea NOT NULL, ns bytea NOT NULL, key bytea NOT NULL, value bigint NOT NULL,
  PRIMARY KEY (scope, ns, key));
CREATE TABLE ${s}.silo_queue (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  scope bytea NOT NULL, ns bytea NOT NULL, value bytea NOT NULL,
  PRIMARY KEY (scope, ns, seq));
CREATE TABLE ${s}.silo_lease (scope bytea PRIMARY KEY, expires_at bigint NOT NULL);
CREATE INDEX silo_lease_by_expiry ON ${s}.silo_lease (expires_at);`,
  },
  // A lease may be an ended execution's tombstone: 0 live, 1 destroyed, 2 collected.
  { version: 2, sql: `ALTER TABLE ${s}.silo_lease ADD COLUMN ended smallint NOT NULL DEFAULT 0;` },
];

function leaseStatus(row: { expires_at: string; ended: number } | undefined): ScopeStatus {
  if (!row) return { state: 'absent' };
  const state = row.ended === 1 ? 'destroyed' : row.ended === 2 ? 'collected' : 'live';
  return { state, expiresAt: Number(row.expires_at) };
}

function buf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** pg decodes small bytea values into slices of a shared pool: copy them out. */
function own(value: Buffer): Uint8Array {
  return new Uint8Array(value);
}

/** The connection string with its password masked, for error messages. */
function redact(connectionString: string | undefined): string {
  if (!connectionString) return '(pool given by the caller)';
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable connection string)';
  }
}

/**
 * The fleet backend: PostgreSQL shared by HTTP workers on many hosts. Tables live in
 * their own schema (default `silo`) and are created on first use under an advisory
 * lock, recorded in a versioned `silo_schema_migrations` table, so any number of
 * processes may start at once. Every method is one statement (hence atomic); keys are
 * `bytea`, whose order is memcmp order; log ids come from an identity column.
 *
 * Appends to one log take a transaction-scoped advisory lock on that log before
 * drawing their id, so ids become visible in increasing order: a reader paging a log
 * with `afterId` while writers append never skips an entry. Queue pops use `FOR UPDATE
 * SKIP LOCKED`, so concurrent consumers never wait for each other or share an item.
 *
 * @example
 * ```ts
 * const storage = new PostgresStorage({ connectionString: process.env.DATABASE_URL, schema: 'silo' });
 * await storage.queuePush(scope, toBytes('work'), [job]);
 * await storage.close();
 * ```
 */
export class PostgresStorage implements FunctionStorage {
  readonly backend = 'postgres';
  /** The schema holding Silo's tables. */
  readonly schema: string;
  private readonly pool: PostgresPool;
  private readonly ownsPool: boolean;
  private readonly connectionString: string | undefined;
  private readonly clock: (() => number) | undefined;
  private readonly t: Readonly<Record<'kv' | 'log' | 'counter' | 'queue' | 'lease', string>>;
  private readonly statementNames = new Map<string, string>();
  private ready: Promise<void> | undefined;
  private closed = false;

  constructor(options: PostgresStorageOptions = {}) {
    const env = options.env ?? process.env;
    this.schema = options.schema ?? env.SILO_POSTGRES_SCHEMA ?? 'silo';
    if (!IDENTIFIER.test(this.schema)) {
      throw new SiloError(
        'SILO326',
        `PostgreSQL schema name "${this.schema}" is not a plain identifier. Use letters, digits and underscores (at most 63, not starting with a digit).`,
      );
    }
    this.clock = options.clock;
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else {
      this.connectionString = options.connectionString ?? env.DATABASE_URL;
      if (!this.connectionString) {
        throw new SiloError(
          'SILO327',
          'PostgresStorage needs a database: pass { connectionString } or set DATABASE_URL (e.g. postgres://user@host:5432/db).',
        );
      }
      this.pool = createPostgresPool({ connectionString: this.connectionString, max: options.maxConnections ?? 4 });
      // An idle connection dropped by the server emits 'error' on the pool; without a
      // listener that would crash the worker. The next query simply opens a new one.
      this.pool.on('error', () => undefined);
      this.ownsPool = true;
    }
    const s = `"${this.schema}"`;
    this.t = {
      kv: `${s}.silo_kv`,
      log: `${s}.silo_log`,
      counter: `${s}.silo_counter`,
      queue: `${s}.silo_queue`,
      lease: `${s}.silo_lease`,
    };
  }

  /** Creates or upgrades the schema once per instance; a failure is retried on the next call. */
  private ensureSchema(): Promise<void> {
    if (this.closed) {
      return Promise.reject(
        new SiloError(
          'SILO328',
          'PostgresStorage is closed. Create a new PostgresStorage instead of reusing a closed one.',
        ),
      );
    }
    this.ready ??= this.migrate().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async migrate(): Promise<void> {
    const s = `"${this.schema}"`;
    let client;
    try {
      client = await this.pool.connect();
    } catch (cause) {
      throw new SiloError(
        'SILO329',
        `PostgresStorage could not connect to ${redact(this.connectionString)}: ${(cause as Error).message}. Check DATABASE_URL and that the server is running.`,
        { cause },
      );
    }
    try {
      await client.query('BEGIN');
      // Serialises schema creation across every process that starts at the same time.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vgi-silo:migrate:${this.schema}`]);
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${s}.silo_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ version: number }>(
        `SELECT coalesce(max(version), 0)::int AS version FROM ${s}.silo_schema_migrations`,
      );
      const current = rows[0].version;
      if (current > SCHEMA_VERSION) {
        throw new SiloError(
          'SILO330',
          `PostgreSQL schema "${this.schema}" is at version ${current}, newer than this vgi-silo understands (${SCHEMA_VERSION}). Upgrade vgi-silo on every worker, or use another schema (SILO_POSTGRES_SCHEMA).`,
        );
      }
      for (const m of migrations(s)) {
        if (m.version <= current) continue;
        await client.query(m.sql);
        await client.query(`INSERT INTO ${s}.silo_schema_migrations (version) VALUES ($1)`, [m.version]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (error instanceof SiloError) throw error;
      throw new SiloError(
        'SILO331',
        `PostgresStorage could not prepare schema "${this.schema}" at ${redact(this.connectionString)}: ${(error as Error).message}. The role needs CREATE on the database (or an existing schema it may create tables in).`,
        { cause: error },
      );
    } finally {
      client.release();
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's own row type is `any`-valued
  private async query<R extends Record<string, any>>(
    text: string,
    values: unknown[],
  ): Promise<{ rows: R[]; rowCount: number }> {
    await this.ensureSchema();
    // Named statements are parsed once per connection; the name is derived from the text
    // so two storages with different schemas sharing one pool never clash.
    let name = this.statementNames.get(text);
    if (!name) {
      name = `silo_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      this.statementNames.set(text, name);
    }
    const result = await this.pool.query<R>({ name, text, values });
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  /** Appends `AND key >= $n AND key < $m` for the bounds that are set. */
  private static range(range: KeyRange, params: unknown[]): string {
    let sql = '';
    if (range.start) {
      params.push(buf(range.start));
      sql += ` AND key >= $${params.length}`;
    }
    if (range.end) {
      params.push(buf(range.end));
      sql += ` AND key < $${params.length}`;
    }
    return sql;
  }

  async get(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<Uint8Array | undefined> {
    const { rows } = await this.query<{ value: Buffer }>(
      `SELECT value FROM ${this.t.kv} WHERE scope = $1 AND ns = $2 AND key = $3`,
      [buf(encodeScope(scope)), buf(ns), buf(key)],
    );
    return rows.length ? own(rows[0].value) : undefined;
  }

  async getMany(scope: StorageScope, ns: Uint8Array, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.query<{ ord: string; value: Buffer }>(
      `SELECT t.ord, kv.value FROM unnest($3::bytea[]) WITH ORDINALITY AS t(key, ord)
       JOIN ${this.t.kv} kv ON kv.scope = $1 AND kv.ns = $2 AND kv.key = t.key`,
      [buf(encodeScope(scope)), buf(ns), keys.map(buf)],
    );
    const out: (Uint8Array | undefined)[] = new Array(keys.length).fill(undefined);
    for (const r of rows) out[Number(r.ord) - 1] = own(r.value);
    return out;
  }

  async put(scope: StorageScope, ns: Uint8Array, key: Uint8Array, value: Uint8Array): Promise<void> {
    await this.query(
      `INSERT INTO ${this.t.kv} (scope, ns, key, value) VALUES ($1, $2, $3, $4) ON CONFLICT (scope, ns, key) DO UPDATE SET value = EXCLUDED.value`,
      [buf(encodeScope(scope)), buf(ns), buf(key), buf(value)],
    );
  }

  async putMany(scope: StorageScope, ns: Uint8Array, entries: readonly StorageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const unique = lastWriteWins(entries);
    await this.query(
      `INSERT INTO ${this.t.kv} (scope, ns, key, value) SELECT $1, $2, k, v FROM unnest($3::bytea[], $4::bytea[]) AS t(k, v)
       ON CONFLICT (scope, ns, key) DO UPDATE SET value = EXCLUDED.value`,
      [buf(encodeScope(scope)), buf(ns), unique.map((e) => buf(e.key)), unique.map((e) => buf(e.value))],
    );
  }

  async scan(scope: StorageScope, ns: Uint8Array, options: ScanOptions = {}): Promise<StorageEntry[]> {
    const params: unknown[] = [buf(encodeScope(scope)), buf(ns)];
    const range = PostgresStorage.range(options, params);
    params.push(normalizeLimit(options.limit) ?? null);
    const { rows } = await this.query<{ key: Buffer; value: Buffer }>(
      `SELECT key, value FROM ${this.t.kv} WHERE scope = $1 AND ns = $2${range} ORDER BY key ${options.reverse ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ key: own(r.key), value: own(r.value) }));
  }

  async drain(scope: StorageScope, ns: Uint8Array, options: ScanOptions = {}): Promise<StorageEntry[]> {
    const limit = normalizeLimit(options.limit);
    if (limit === 0) return [];
    const params: unknown[] = [buf(encodeScope(scope)), buf(ns)];
    const range = PostgresStorage.range(options, params);
    let sql: string;
    if (limit === undefined) {
      sql = `DELETE FROM ${this.t.kv} WHERE scope = $1 AND ns = $2${range} RETURNING key, value`;
    } else {
      params.push(limit);
      // The selection is a CTE, evaluated once (as an IN (subquery) the planner may rescan
      // it, and a rescan skips the rows this statement already deleted and takes more).
      // The locked rows are deleted by their physical id (a TID scan): joining on the key
      // made the planner walk every row of the namespace. FOR UPDATE hands back the latest
      // version of each row, and the lock keeps its ctid stable until this statement ends.
      sql = `WITH picked AS (
               SELECT ctid FROM ${this.t.kv} WHERE scope = $1 AND ns = $2${range}
               ORDER BY key ${options.reverse ? 'DESC' : 'ASC'} LIMIT $${params.length} FOR UPDATE)
             DELETE FROM ${this.t.kv} WHERE ctid = ANY (ARRAY(SELECT ctid FROM picked))
             RETURNING key, value`;
    }
    const { rows } = await this.query<{ key: Buffer; value: Buffer }>(sql, params);
    // RETURNING has no defined order.
    const out = rows.map((r) => ({ key: own(r.key), value: own(r.value) }));
    out.sort((a, b) => (options.reverse ? compareBytes(b.key, a.key) : compareBytes(a.key, b.key)));
    return out;
  }

  async delete(scope: StorageScope, ns: Uint8Array, keys: readonly Uint8Array[]): Promise<number> {
    if (keys.length === 0) return 0;
    const { rowCount } = await this.query(
      `DELETE FROM ${this.t.kv} WHERE scope = $1 AND ns = $2 AND key = ANY($3::bytea[])`,
      [buf(encodeScope(scope)), buf(ns), keys.map(buf)],
    );
    return rowCount;
  }

  async deleteRange(scope: StorageScope, ns: Uint8Array, keyRange: KeyRange): Promise<number> {
    const params: unknown[] = [buf(encodeScope(scope)), buf(ns)];
    const range = PostgresStorage.range(keyRange, params);
    const { rowCount } = await this.query(`DELETE FROM ${this.t.kv} WHERE scope = $1 AND ns = $2${range}`, params);
    return rowCount;
  }

  async deleteAll(scope: StorageScope, ns: Uint8Array): Promise<number> {
    return this.deleteRange(scope, ns, {});
  }

  /** Two int4 keys identifying one log for `pg_advisory_xact_lock(int, int)`. */
  private logLockKeys(s: Uint8Array, ns: Uint8Array, key: Uint8Array): [number, number] {
    const h = createHash('sha256');
    for (const part of [s, ns, key]) {
      // Length-prefixed, so (scope, ns, key) splits cannot collide by concatenation.
      const len = Buffer.alloc(4);
      len.writeUInt32BE(part.length);
      h.update(len).update(part);
    }
    const digest = h.update(this.schema).digest();
    return [digest.readInt32BE(0), digest.readInt32BE(4)];
  }

  async append(scope: StorageScope, ns: Uint8Array, key: Uint8Array, value: Uint8Array): Promise<bigint> {
    const s = encodeScope(scope);
    const [k1, k2] = this.logLockKeys(s, ns, key);
    // The lock is taken before the identity value is drawn and held until commit, so an
    // append to this log can only become visible after every earlier one.
    const { rows } = await this.query<{ id: string }>(
      `WITH lock AS (SELECT pg_advisory_xact_lock($5::int, $6::int))
       INSERT INTO ${this.t.log} (scope, ns, key, value) SELECT $1, $2, $3, $4 FROM lock RETURNING id`,
      [buf(s), buf(ns), buf(key), buf(value), k1, k2],
    );
    return BigInt(rows[0].id);
  }

  async logScan(
    scope: StorageScope,
    ns: Uint8Array,
    key: Uint8Array,
    options: LogScanOptions = {},
  ): Promise<LogEntry[]> {
    const { rows } = await this.query<{ id: string; value: Buffer }>(
      `SELECT id, value FROM ${this.t.log} WHERE scope = $1 AND ns = $2 AND key = $3 AND id > $4 ORDER BY id LIMIT $5`,
      [
        buf(encodeScope(scope)),
        buf(ns),
        buf(key),
        (options.afterId ?? 0n).toString(),
        normalizeLimit(options.limit) ?? null,
      ],
    );
    return rows.map((r) => ({ id: BigInt(r.id), value: own(r.value) }));
  }

  async logDelete(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<number> {
    const { rowCount } = await this.query(`DELETE FROM ${this.t.log} WHERE scope = $1 AND ns = $2 AND key = $3`, [
      buf(encodeScope(scope)),
      buf(ns),
      buf(key),
    ]);
    return rowCount;
  }

  async counterGet(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<bigint> {
    const { rows } = await this.query<{ value: string }>(
      `SELECT value FROM ${this.t.counter} WHERE scope = $1 AND ns = $2 AND key = $3`,
      [buf(encodeScope(scope)), buf(ns), buf(key)],
    );
    return rows.length ? BigInt(rows[0].value) : 0n;
  }

  async counterAdd(scope: StorageScope, ns: Uint8Array, key: Uint8Array, delta: bigint): Promise<bigint> {
    // The sum is taken in numeric and folded back into int64, so it wraps around like
    // the other backends instead of failing with "bigint out of range".
    const { rows } = await this.query<{ value: string }>(
      `INSERT INTO ${this.t.counter} AS c (scope, ns, key, value) VALUES ($1, $2, $3, $4::bigint)
       ON CONFLICT (scope, ns, key) DO UPDATE SET value =
         ((((c.value::numeric + EXCLUDED.value::numeric + 9223372036854775808) % 18446744073709551616)
           + 18446744073709551616) % 18446744073709551616 - 9223372036854775808)::bigint
       RETURNING value`,
      [buf(encodeScope(scope)), buf(ns), buf(key), BigInt.asIntN(64, delta).toString()],
    );
    return BigInt(rows[0].value);
  }

  async counterDelete(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<void> {
    await this.query(`DELETE FROM ${this.t.counter} WHERE scope = $1 AND ns = $2 AND key = $3`, [
      buf(encodeScope(scope)),
      buf(ns),
      buf(key),
    ]);
  }

  async queuePush(scope: StorageScope, ns: Uint8Array, values: readonly Uint8Array[]): Promise<void> {
    if (values.length === 0) return;
    await this.query(
      `INSERT INTO ${this.t.queue} (scope, ns, value)
       SELECT $1, $2, v FROM unnest($3::bytea[]) WITH ORDINALITY AS t(v, ord) ORDER BY ord`,
      [buf(encodeScope(scope)), buf(ns), values.map(buf)],
    );
  }

  async queuePop(scope: StorageScope, ns: Uint8Array, max = 1): Promise<Uint8Array[]> {
    const limit = normalizeLimit(max);
    if (limit === 0) return [];
    const { rows } = await this.query<{ seq: string; value: Buffer }>(
      // Same shape as drain: pick once, delete by physical id.
      `WITH picked AS (
         SELECT ctid FROM ${this.t.queue} WHERE scope = $1 AND ns = $2 ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED)
       DELETE FROM ${this.t.queue} WHERE ctid = ANY (ARRAY(SELECT ctid FROM picked))
       RETURNING seq, value`,
      [buf(encodeScope(scope)), buf(ns), limit ?? null],
    );
    return rows
      .map((r) => ({ seq: BigInt(r.seq), value: r.value }))
      .sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
      .map((r) => own(r.value));
  }

  async queueLength(scope: StorageScope, ns: Uint8Array): Promise<number> {
    const { rows } = await this.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.t.queue} WHERE scope = $1 AND ns = $2`,
      [buf(encodeScope(scope)), buf(ns)],
    );
    return Number(rows[0].n);
  }

  async clearScope(scope: StorageScope): Promise<void> {
    const { kv, log, counter, queue, lease } = this.t;
    await this.query(
      `WITH gone_kv AS (DELETE FROM ${kv} WHERE scope = $1), gone_log AS (DELETE FROM ${log} WHERE scope = $1),
            gone_counter AS (DELETE FROM ${counter} WHERE scope = $1), gone_queue AS (DELETE FROM ${queue} WHERE scope = $1)
       DELETE FROM ${lease} WHERE scope = $1`,
      [buf(encodeScope(scope))],
    );
  }

  /** The SQL of "now + $n milliseconds" and its parameter, on our clock or the server's. */
  private expiry(param: number, ttlMs: number): { sql: string; value: number } {
    return this.clock
      ? { sql: `$${param}::bigint`, value: Math.round(this.clock() + ttlMs) }
      : { sql: `${SERVER_NOW_MS} + $${param}::bigint`, value: Math.round(ttlMs) };
  }

  async renewLease(scope: StorageScope, ttlMs: number): Promise<void> {
    const expiry = this.expiry(2, ttlMs);
    await this.query(
      `INSERT INTO ${this.t.lease} (scope, expires_at) VALUES ($1, ${expiry.sql}) ON CONFLICT (scope) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE ${this.t.lease}.ended = 0`,
      [buf(encodeScope(scope)), expiry.value],
    );
  }

  async extendLease(scope: StorageScope, ttlMs: number): Promise<ScopeStatus> {
    const expiry = this.expiry(2, ttlMs);
    const { lease } = this.t;
    // One statement: the live lease updated, else whatever row is there (a tombstone), else nothing.
    const { rows } = await this.query<{ expires_at: string; ended: number }>(
      `WITH extended AS (UPDATE ${lease} SET expires_at = ${expiry.sql} WHERE scope = $1 AND ended = 0 RETURNING expires_at, ended)
       SELECT expires_at, ended FROM extended UNION ALL SELECT expires_at, ended FROM ${lease} WHERE scope = $1 AND NOT EXISTS (SELECT 1 FROM extended)`,
      [buf(encodeScope(scope)), expiry.value],
    );
    return leaseStatus(rows[0]);
  }

  async scopeStatus(scope: StorageScope): Promise<ScopeStatus> {
    const { rows } = await this.query<{ expires_at: string; ended: number }>(
      `SELECT expires_at, ended FROM ${this.t.lease} WHERE scope = $1`,
      [buf(encodeScope(scope))],
    );
    return leaseStatus(rows[0]);
  }

  async endScope(scope: StorageScope, tombstoneTtlMs: number): Promise<void> {
    const { kv, log, counter, queue, lease } = this.t;
    const expiry = this.expiry(2, tombstoneTtlMs);
    await this.query(
      `WITH gone_kv AS (DELETE FROM ${kv} WHERE scope = $1), gone_log AS (DELETE FROM ${log} WHERE scope = $1),
            gone_counter AS (DELETE FROM ${counter} WHERE scope = $1), gone_queue AS (DELETE FROM ${queue} WHERE scope = $1)
       INSERT INTO ${lease} (scope, expires_at, ended) VALUES ($1, ${expiry.sql}, 1)
       ON CONFLICT (scope) DO UPDATE SET expires_at = EXCLUDED.expires_at, ended = 1`,
      [buf(encodeScope(scope)), expiry.value],
    );
  }

  async collectGarbage(now?: number, options: GarbageCollectionOptions = {}): Promise<GarbageCollectionReport> {
    const cutoff = now === undefined ? this.clock?.() : Math.min(now, Number.MAX_SAFE_INTEGER);
    const cutoffParam = cutoff === undefined ? null : Math.round(cutoff);
    const { kv, log, counter, queue, lease } = this.t;
    // Candidates are read once, so a tombstone this collection leaves is not visited again.
    const found = await this.query<{ scope: Buffer }>(
      `SELECT scope FROM ${lease} WHERE expires_at < coalesce($1::bigint, ${SERVER_NOW_MS})`,
      [cutoffParam],
    );
    const expiry = this.expiry(3, options.tombstoneTtlMs ?? DEFAULT_COLLECTED_TOMBSTONE_TTL_MS);
    // FOR UPDATE re-checks each candidate's expiry against its latest version, so a lease
    // renewed meanwhile is skipped; SKIP LOCKED lets several collectors run at once
    // without waiting for each other. An expired live execution lease becomes a
    // 'collected' tombstone; any other expired lease (tombstones, attaches) goes.
    const sql = `
      WITH candidates AS (
        SELECT scope, ended FROM ${lease} WHERE scope = ANY ($2::bytea[]) AND expires_at < coalesce($1::bigint, ${SERVER_NOW_MS})
        FOR UPDATE SKIP LOCKED),
      dropped AS (DELETE FROM ${lease} l USING candidates c WHERE l.scope = c.scope AND (c.ended <> 0 OR get_byte(c.scope, 0) <> ${EXECUTION_SCOPE_TAG}) RETURNING l.scope),
      tombstoned AS (UPDATE ${lease} l SET ended = 2, expires_at = ${expiry.sql} FROM candidates c
        WHERE l.scope = c.scope AND c.ended = 0 AND get_byte(c.scope, 0) = ${EXECUTION_SCOPE_TAG} RETURNING l.scope),
      victims AS (SELECT scope FROM dropped UNION ALL SELECT scope FROM tombstoned),
      gone_kv AS (DELETE FROM ${kv} WHERE scope = ANY (ARRAY(SELECT scope FROM victims))),
      gone_log AS (DELETE FROM ${log} WHERE scope = ANY (ARRAY(SELECT scope FROM victims))),
      gone_counter AS (DELETE FROM ${counter} WHERE scope = ANY (ARRAY(SELECT scope FROM victims))),
      gone_queue AS (DELETE FROM ${queue} WHERE scope = ANY (ARRAY(SELECT scope FROM victims)))
      SELECT count(*) AS collected FROM victims`;
    let scopesCollected = 0;
    const scopes = found.rows.map((r) => r.scope);
    for (let at = 0; at < scopes.length; at += GC_BATCH) {
      const { rows } = await this.query<{ collected: string }>(sql, [
        cutoffParam,
        scopes.slice(at, at + GC_BATCH),
        expiry.value,
      ]);
      scopesCollected += Number(rows[0].collected);
    }
    return { scopesCollected: scopesCollected + (await this.collectOrphans()) };
  }

  /**
   * Removes execution scopes that hold data but no lease (see FunctionStorage.collectGarbage).
   * One statement, one snapshot: data committed after it started is not touched, and an
   * execution takes its lease before writing, so a live execution is never a candidate.
   */
  private async collectOrphans(): Promise<number> {
    const { kv, log, counter, queue, lease } = this.t;
    const sql = `
      WITH orphans AS (
        SELECT scope FROM (SELECT scope FROM ${kv} UNION SELECT scope FROM ${log} UNION SELECT scope FROM ${counter} UNION SELECT scope FROM ${queue}) s
        WHERE get_byte(scope, 0) = ${EXECUTION_SCOPE_TAG} AND NOT EXISTS (SELECT 1 FROM ${lease} l WHERE l.scope = s.scope)),
      gone_kv AS (DELETE FROM ${kv} WHERE scope = ANY (ARRAY(SELECT scope FROM orphans))),
      gone_log AS (DELETE FROM ${log} WHERE scope = ANY (ARRAY(SELECT scope FROM orphans))),
      gone_counter AS (DELETE FROM ${counter} WHERE scope = ANY (ARRAY(SELECT scope FROM orphans))),
      gone_queue AS (DELETE FROM ${queue} WHERE scope = ANY (ARRAY(SELECT scope FROM orphans)))
      SELECT count(*) AS collected FROM orphans`;
    const { rows } = await this.query<{ collected: string }>(sql, []);
    return Number(rows[0].collected);
  }

  async listScopes(options: ListScopesOptions = {}): Promise<ScopeInfo[]> {
    const { kv, log, counter, queue, lease } = this.t;
    const { rows } = await this.query<{ scope: Buffer; expires_at: string | null; ended: number | null; data: number }>(
      `SELECT scope, max(expires_at) AS expires_at, max(ended) AS ended, max(data) AS data FROM (
         SELECT DISTINCT scope, NULL::bigint AS expires_at, NULL::smallint AS ended, 1 AS data FROM ${kv}
         UNION ALL SELECT DISTINCT scope, NULL::bigint, NULL::smallint, 1 FROM ${log}
         UNION ALL SELECT DISTINCT scope, NULL::bigint, NULL::smallint, 1 FROM ${counter}
         UNION ALL SELECT DISTINCT scope, NULL::bigint, NULL::smallint, 1 FROM ${queue}
         UNION ALL SELECT scope, expires_at, ended, 0 FROM ${lease}) s
       GROUP BY scope ORDER BY scope`,
      [],
    );
    const shown = options.tombstones ? rows : rows.filter((r) => r.data === 1 || r.ended === null || r.ended === 0);
    return shown.map((r) => {
      const ended = r.ended === 1 ? 'destroyed' : r.ended === 2 ? 'collected' : undefined;
      return {
        scope: decodeScope(own(r.scope)),
        leaseExpiresAt: r.expires_at === null ? undefined : Number(r.expires_at),
        ...(ended ? { ended } : {}),
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }

  /**
   * Runs `VACUUM (ANALYZE)` on Silo's tables, so the space of deleted rows is reused
   * (PostgreSQL's autovacuum does the same in time; this does it now, after a large
   * `silo storage gc`). Plain VACUUM takes no exclusive lock: workers keep running. The
   * space goes back to PostgreSQL for reuse, not to the file system (that needs VACUUM
   * FULL, which locks the tables). Returns the tables' total size before and after.
   *
   * @example
   * ```ts
   * const { bytesBefore, bytesAfter } = await storage.vacuum();
   * ```
   */
  async vacuum(): Promise<{ bytesBefore: number; bytesAfter: number }> {
    await this.ensureSchema();
    const tables = Object.values(this.t);
    const size = async (): Promise<number> => {
      const { rows } = await this.pool.query<{ bytes: string }>({
        text: `SELECT (${tables.map((_, i) => `pg_total_relation_size($${i + 1}::regclass)`).join(' + ')})::bigint AS bytes`,
        values: tables,
      });
      return Number(rows[0].bytes);
    };
    const bytesBefore = await size();
    // VACUUM cannot run inside a transaction block: one statement per table, outside any.
    for (const table of tables) await this.pool.query({ text: `VACUUM (ANALYZE) ${table}` });
    return { bytesBefore, bytesAfter: await size() };
  }
}
