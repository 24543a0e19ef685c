/**
 * The storage contract every backend implements.
 *
 * DuckDB runs bind, each sink connection, combine, each finalize stream and the
 * destructor in possibly different worker processes, so anything a later phase needs
 * lives here, scoped by execution (or by ATTACH). Backends are plain byte stores:
 * namespaces, keys and values are `Uint8Array`; the typed, scope-bound view users
 * receive is {@link BoundStorage}.
 *
 * Every method is atomic on its own. Backends that are shared across processes
 * (SQLite, PostgreSQL) must keep that promise across processes too.
 */

/** Which family of data a scope holds: one query execution, or one ATTACH. */
export type StorageScopeKind = 'execution' | 'attach' | 'transaction';

/** A storage scope: all data of one execution (or one attach) lives under it. */
export interface StorageScope {
  readonly kind: StorageScopeKind;
  /** Opaque id: the execution id or the attach opaque data. */
  readonly id: Uint8Array;
}

/** One key and its value, as returned by scans and drains. */
export interface StorageEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** One entry of an append-only log. Ids are unique and strictly increasing per backend. */
export interface LogEntry {
  readonly id: bigint;
  readonly value: Uint8Array;
}

/**
 * A key range, compared bytewise (memcmp order). `start` is inclusive, `end` exclusive;
 * either may be omitted for an open end.
 */
export interface KeyRange {
  readonly start?: Uint8Array;
  readonly end?: Uint8Array;
}

/** Options of an ordered scan. */
export interface ScanOptions extends KeyRange {
  /** Newest-key-first instead of ascending. */
  readonly reverse?: boolean;
  /** At most this many entries. */
  readonly limit?: number;
}

/** Options of a log scan. */
export interface LogScanOptions {
  /** Only entries with `id > afterId`. Default: from the beginning. */
  readonly afterId?: bigint;
  /** At most this many entries. */
  readonly limit?: number;
}

/** What a garbage collection removed. */
export interface GarbageCollectionReport {
  /** Scopes whose lease had expired, or execution scopes without a lease, whose data was removed. */
  readonly scopesCollected: number;
}

/** Options of {@link FunctionStorage.collectGarbage}. */
export interface GarbageCollectionOptions {
  /**
   * How long the tombstone of an execution collected for an expired lease is kept, so a
   * late call learns that its execution was collected (default {@link DEFAULT_COLLECTED_TOMBSTONE_TTL_MS}).
   */
  readonly tombstoneTtlMs?: number;
}

/**
 * How an execution ended, as its tombstone records it: `destroyed` by its destructor (or
 * a manual clean), `collected` by garbage collection after its lease expired.
 */
export type ScopeEnding = 'destroyed' | 'collected';

/**
 * What storage knows of a scope's life: `live` while it holds a lease, `destroyed` /
 * `collected` while its tombstone lasts, `absent` when it holds neither (never created,
 * or its tombstone expired too).
 */
export type ScopeState = 'live' | ScopeEnding | 'absent';

/** A scope's state and when its lease or tombstone expires (epoch ms). */
export interface ScopeStatus {
  readonly state: ScopeState;
  readonly expiresAt?: number;
}

/** Default lifetime of a destructor's tombstone: long enough for every late call of a finished query. */
export const DEFAULT_DESTROYED_TOMBSTONE_TTL_MS = 10 * 60 * 1000;
/** Default lifetime of a collected execution's tombstone: an idle query may come back hours later. */
export const DEFAULT_COLLECTED_TOMBSTONE_TTL_MS = 24 * 60 * 60 * 1000;

/** Options of {@link FunctionStorage.listScopes}. */
export interface ListScopesOptions {
  /** Also list tombstones that hold no data (default false). */
  readonly tombstones?: boolean;
}

/** Summary of one scope, for inspection tools. */
export interface ScopeInfo {
  readonly scope: StorageScope;
  /** Lease expiry in epoch milliseconds, or undefined when the scope has no lease. */
  readonly leaseExpiresAt?: number;
  /** Set when the lease is an ended execution's tombstone (then `leaseExpiresAt` is when it goes). */
  readonly ended?: ScopeEnding;
}

/**
 * The backend contract. Implemented by `MemoryStorage`, `SqliteStorage` and
 * `PostgresStorage`; a custom backend proves itself with `describeStorageConformance`
 * from `vgi-silo/testing`.
 *
 * @example
 * ```ts
 * const storage: FunctionStorage = new MemoryStorage();
 * const scope = { kind: 'execution', id: executionId } as const;
 * await storage.put(scope, bytes('buf'), bytes('k'), payload);
 * ```
 */
export interface FunctionStorage {
  /** A short backend name for diagnostics (`memory`, `sqlite`, `postgres`, ...). */
  readonly backend: string;

  get(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Values in the order of `keys`; `undefined` where absent. */
  getMany(scope: StorageScope, ns: Uint8Array, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]>;
  put(scope: StorageScope, ns: Uint8Array, key: Uint8Array, value: Uint8Array): Promise<void>;
  /** Writes all entries atomically (all or none). */
  putMany(scope: StorageScope, ns: Uint8Array, entries: readonly StorageEntry[]): Promise<void>;
  /** Ordered range scan over keys of one namespace. */
  scan(scope: StorageScope, ns: Uint8Array, options?: ScanOptions): Promise<StorageEntry[]>;
  /** Atomically reads and deletes the entries a scan with the same options would return. */
  drain(scope: StorageScope, ns: Uint8Array, options?: ScanOptions): Promise<StorageEntry[]>;
  /** Deletes the given keys; returns how many existed. */
  delete(scope: StorageScope, ns: Uint8Array, keys: readonly Uint8Array[]): Promise<number>;
  /** Deletes the keys in a range; returns how many were deleted. */
  deleteRange(scope: StorageScope, ns: Uint8Array, range: KeyRange): Promise<number>;
  /** Deletes every key of a namespace (key/value entries only, not logs, counters or queues). */
  deleteAll(scope: StorageScope, ns: Uint8Array): Promise<number>;

  /** Appends to the log `(ns, key)`; returns the new entry's id (strictly increasing per backend). */
  append(scope: StorageScope, ns: Uint8Array, key: Uint8Array, value: Uint8Array): Promise<bigint>;
  /** Log entries in ascending id order. */
  logScan(scope: StorageScope, ns: Uint8Array, key: Uint8Array, options?: LogScanOptions): Promise<LogEntry[]>;
  /** Deletes a whole log; returns how many entries it held. */
  logDelete(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<number>;

  /** Current value of a 64-bit counter (0n when absent). */
  counterGet(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<bigint>;
  /** Atomically adds `delta` and returns the new value. */
  counterAdd(scope: StorageScope, ns: Uint8Array, key: Uint8Array, delta: bigint): Promise<bigint>;
  counterDelete(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<void>;

  /** Pushes values to the tail of the FIFO queue `ns`, in order. */
  queuePush(scope: StorageScope, ns: Uint8Array, values: readonly Uint8Array[]): Promise<void>;
  /** Atomically pops up to `max` (default 1) values from the head. Empty array when empty. */
  queuePop(scope: StorageScope, ns: Uint8Array, max?: number): Promise<Uint8Array[]>;
  queueLength(scope: StorageScope, ns: Uint8Array): Promise<number>;

  /** Removes everything stored under a scope (all namespaces, logs, counters, queues, lease, tombstone). */
  clearScope(scope: StorageScope): Promise<void>;
  /**
   * Sets or extends the scope's lease to `now + ttlMs`, creating it when absent. A
   * tombstone is left as it is: an ended execution is never revived.
   */
  renewLease(scope: StorageScope, ttlMs: number): Promise<void>;
  /**
   * Extends the lease to `now + ttlMs` only when the scope is live, atomically, and
   * returns the state found: a late call can never lease an ended, collected or
   * unknown execution back into existence.
   */
  extendLease(scope: StorageScope, ttlMs: number): Promise<ScopeStatus>;
  /** The scope's state, without changing it. */
  scopeStatus(scope: StorageScope): Promise<ScopeStatus>;
  /**
   * Ends the scope in one atomic step: removes all of its data and its lease, and leaves
   * a `destroyed` tombstone that expires `now + tombstoneTtlMs`. Data a late call writes
   * afterwards lives under the tombstone and is collected with it.
   */
  endScope(scope: StorageScope, tombstoneTtlMs: number): Promise<void>;
  /**
   * Removes the data of every scope whose lease expired before `now` (epoch ms), and of
   * every execution scope that holds data but has no lease at all: an execution takes its
   * lease before it writes anything, so such data was written after its lease was removed
   * (a late call on another worker) and nothing would ever collect it otherwise. Attach
   * scopes without a lease are kept.
   *
   * An expired execution lease becomes a `collected` tombstone (expiring
   * `tombstoneTtlMs` from the clock, not from `now`), so the query's next call is told
   * what happened; an expired tombstone goes with any data written under it. A tombstone
   * left by this collection is never removed by the same collection, whatever `now` is.
   */
  collectGarbage(now?: number, options?: GarbageCollectionOptions): Promise<GarbageCollectionReport>;
  /**
   * Scopes that currently hold data or a live lease, and tombstones that hold data (a
   * late call's). With `tombstones: true` also the tombstones of ended executions that
   * hold nothing: they are no leak, only a record that the execution ended.
   */
  listScopes(options?: ListScopesOptions): Promise<ScopeInfo[]>;

  /** Releases connections and timers. Safe to call twice. */
  close(): Promise<void>;
}
