import { compareBytes, toHex } from '../../common/bytes';
import {
  DEFAULT_COLLECTED_TOMBSTONE_TTL_MS,
  type FunctionStorage,
  type GarbageCollectionOptions,
  type GarbageCollectionReport,
  type ScopeEnding,
  type ScopeStatus,
  type KeyRange,
  type StorageEntry,
  type ListScopesOptions,
  type LogEntry,
  type LogScanOptions,
  type ScanOptions,
  type ScopeInfo,
  type StorageScope,
} from './function-storage';

/** A stable string for a scope: the key of its map entry. */
function scopeKey(scope: { kind: string; id: Uint8Array }): string {
  return `${scope.kind}:${toHex(scope.id)}`;
}

/**
 * A FIFO with a moving head: popping from the front of a plain array (`splice`) copies
 * the rest of it every time, which made draining a large queue quadratic.
 */
class Queue {
  private items: Uint8Array[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(value: Uint8Array): void {
    this.items.push(value);
  }

  take(max: number): Uint8Array[] {
    const out = this.items.slice(this.head, this.head + max);
    this.head += out.length;
    // Drop the consumed prefix once it dominates, so memory follows the live length.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}

interface ScopeData {
  readonly scope: StorageScope;
  /** ns hex → key hex → entry */
  readonly kv: Map<string, Map<string, StorageEntry>>;
  /** ns hex + '/' + key hex → entries */
  readonly logs: Map<string, LogEntry[]>;
  readonly counters: Map<string, bigint>;
  readonly queues: Map<string, Queue>;
  leaseExpiresAt?: number;
  /** Set while the lease is a tombstone. */
  ended?: ScopeEnding;
}

function inRange(key: Uint8Array, range: KeyRange): boolean {
  if (range.start && compareBytes(key, range.start) < 0) return false;
  if (range.end && compareBytes(key, range.end) >= 0) return false;
  return true;
}

function holdsSomething(d: ScopeData): boolean {
  return d.leaseExpiresAt !== undefined || holdsData(d);
}

function holdsData(d: ScopeData): boolean {
  if (d.counters.size > 0) return true;
  for (const m of d.kv.values()) if (m.size > 0) return true;
  for (const log of d.logs.values()) if (log.length > 0) return true;
  for (const q of d.queues.values()) if (q.length > 0) return true;
  return false;
}

function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * Storage in this process's memory. Fast and isolated: the default in tests and in
 * the TestBed. It is not shared across processes, so a real multi-process worker
 * needs `SqliteStorage` or `PostgresStorage`.
 *
 * Values are copied on the way in and out, so callers can never alias stored bytes.
 *
 * @example
 * ```ts
 * const worker = await createTestingWorker({ modules: [AppModule] })
 *   .overrideProvider(STORAGE).useValue(new MemoryStorage())
 *   .compile();
 * ```
 */
export class MemoryStorage implements FunctionStorage {
  readonly backend = 'memory';
  private readonly scopes = new Map<string, ScopeData>();
  private nextLogId = 1n;

  constructor(private readonly clock: () => number = Date.now) {}

  private data(scope: StorageScope, create: true): ScopeData;
  private data(scope: StorageScope, create: false): ScopeData | undefined;
  private data(scope: StorageScope, create: boolean): ScopeData | undefined {
    const k = scopeKey(scope);
    let d = this.scopes.get(k);
    if (!d && create) {
      d = {
        scope: { kind: scope.kind, id: copy(scope.id) },
        kv: new Map(),
        logs: new Map(),
        counters: new Map(),
        queues: new Map(),
      };
      this.scopes.set(k, d);
    }
    return d;
  }

  private namespace(scope: StorageScope, ns: Uint8Array, create: boolean): Map<string, StorageEntry> | undefined {
    const d = create ? this.data(scope, true) : this.data(scope, false);
    if (!d) return undefined;
    const k = toHex(ns);
    let m = d.kv.get(k);
    if (!m && create) {
      m = new Map();
      d.kv.set(k, m);
    }
    return m;
  }

  async get(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<Uint8Array | undefined> {
    const v = this.namespace(scope, ns, false)?.get(toHex(key));
    return v ? copy(v.value) : undefined;
  }

  async getMany(scope: StorageScope, ns: Uint8Array, keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    const m = this.namespace(scope, ns, false);
    return keys.map((key) => {
      const v = m?.get(toHex(key));
      return v ? copy(v.value) : undefined;
    });
  }

  async put(scope: StorageScope, ns: Uint8Array, key: Uint8Array, value: Uint8Array): Promise<void> {
    this.namespace(scope, ns, true)!.set(toHex(key), { key: copy(key), value: copy(value) });
  }

  async putMany(scope: StorageScope, ns: Uint8Array, entries: readonly StorageEntry[]): Promise<void> {
    const m = this.namespace(scope, ns, true)!;
    for (const e of entries) m.set(toHex(e.key), { key: copy(e.key), value: copy(e.value) });
  }

  private select(scope: StorageScope, ns: Uint8Array, options: ScanOptions = {}): StorageEntry[] {
    const m = this.namespace(scope, ns, false);
    if (!m) return [];
    const rows = [...m.values()].filter((e) => inRange(e.key, options)).sort((a, b) => compareBytes(a.key, b.key));
    if (options.reverse) rows.reverse();
    return options.limit === undefined ? rows : rows.slice(0, Math.max(0, options.limit));
  }

  async scan(scope: StorageScope, ns: Uint8Array, options?: ScanOptions): Promise<StorageEntry[]> {
    return this.select(scope, ns, options).map((e) => ({ key: copy(e.key), value: copy(e.value) }));
  }

  async drain(scope: StorageScope, ns: Uint8Array, options?: ScanOptions): Promise<StorageEntry[]> {
    const rows = this.select(scope, ns, options);
    const m = this.namespace(scope, ns, false);
    for (const e of rows) m?.delete(toHex(e.key));
    return rows;
  }

  async delete(scope: StorageScope, ns: Uint8Array, keys: readonly Uint8Array[]): Promise<number> {
    const m = this.namespace(scope, ns, false);
    if (!m) return 0;
    let n = 0;
    for (const key of keys) if (m.delete(toHex(key))) n++;
    return n;
  }

  async deleteRange(scope: StorageScope, ns: Uint8Array, range: KeyRange): Promise<number> {
    const rows = this.select(scope, ns, range);
    const m = this.namespace(scope, ns, false);
    for (const e of rows) m?.delete(toHex(e.key));
    return rows.length;
  }

  async deleteAll(scope: StorageScope, ns: Uint8Array): Promise<number> {
    const m = this.namespace(scope, ns, false);
    const n = m?.size ?? 0;
    m?.clear();
    return n;
  }

  async append(scope: StorageScope, ns: Uint8Array, key: Uint8Array, value: Uint8Array): Promise<bigint> {
    const d = this.data(scope, true);
    const k = `${toHex(ns)}/${toHex(key)}`;
    let log = d.logs.get(k);
    if (!log) {
      log = [];
      d.logs.set(k, log);
    }
    const id = this.nextLogId++;
    log.push({ id, value: copy(value) });
    return id;
  }

  async logScan(
    scope: StorageScope,
    ns: Uint8Array,
    key: Uint8Array,
    options: LogScanOptions = {},
  ): Promise<LogEntry[]> {
    const log = this.data(scope, false)?.logs.get(`${toHex(ns)}/${toHex(key)}`) ?? [];
    const afterId = options.afterId ?? -1n;
    const out: LogEntry[] = [];
    // Ids are appended in increasing order, so a binary search finds the start.
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (log[mid].id <= afterId) lo = mid + 1;
      else hi = mid;
    }
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    for (let i = lo; i < log.length && out.length < limit; i++) out.push({ id: log[i].id, value: copy(log[i].value) });
    return out;
  }

  async logDelete(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<number> {
    const d = this.data(scope, false);
    const k = `${toHex(ns)}/${toHex(key)}`;
    const n = d?.logs.get(k)?.length ?? 0;
    d?.logs.delete(k);
    return n;
  }

  async counterGet(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<bigint> {
    return this.data(scope, false)?.counters.get(`${toHex(ns)}/${toHex(key)}`) ?? 0n;
  }

  async counterAdd(scope: StorageScope, ns: Uint8Array, key: Uint8Array, delta: bigint): Promise<bigint> {
    const d = this.data(scope, true);
    const k = `${toHex(ns)}/${toHex(key)}`;
    const next = BigInt.asIntN(64, (d.counters.get(k) ?? 0n) + delta);
    d.counters.set(k, next);
    return next;
  }

  async counterDelete(scope: StorageScope, ns: Uint8Array, key: Uint8Array): Promise<void> {
    this.data(scope, false)?.counters.delete(`${toHex(ns)}/${toHex(key)}`);
  }

  async queuePush(scope: StorageScope, ns: Uint8Array, values: readonly Uint8Array[]): Promise<void> {
    const d = this.data(scope, true);
    const k = toHex(ns);
    let q = d.queues.get(k);
    if (!q) {
      q = new Queue();
      d.queues.set(k, q);
    }
    for (const v of values) q.push(copy(v));
  }

  async queuePop(scope: StorageScope, ns: Uint8Array, max = 1): Promise<Uint8Array[]> {
    const q = this.data(scope, false)?.queues.get(toHex(ns));
    return q ? q.take(Math.max(0, max)) : [];
  }

  async queueLength(scope: StorageScope, ns: Uint8Array): Promise<number> {
    return this.data(scope, false)?.queues.get(toHex(ns))?.length ?? 0;
  }

  async clearScope(scope: StorageScope): Promise<void> {
    this.scopes.delete(scopeKey(scope));
  }

  async renewLease(scope: StorageScope, ttlMs: number): Promise<void> {
    const d = this.data(scope, true);
    if (d.ended === undefined) d.leaseExpiresAt = this.clock() + ttlMs;
  }

  private status(d: ScopeData | undefined): ScopeStatus {
    if (d?.leaseExpiresAt === undefined) return { state: 'absent' };
    return { state: d.ended ?? 'live', expiresAt: d.leaseExpiresAt };
  }

  async extendLease(scope: StorageScope, ttlMs: number): Promise<ScopeStatus> {
    const d = this.data(scope, false);
    if (d?.leaseExpiresAt !== undefined && d.ended === undefined) d.leaseExpiresAt = this.clock() + ttlMs;
    return this.status(d);
  }

  async scopeStatus(scope: StorageScope): Promise<ScopeStatus> {
    return this.status(this.data(scope, false));
  }

  async endScope(scope: StorageScope, tombstoneTtlMs: number): Promise<void> {
    this.scopes.delete(scopeKey(scope));
    const d = this.data(scope, true);
    d.ended = 'destroyed';
    d.leaseExpiresAt = this.clock() + tombstoneTtlMs;
  }

  async collectGarbage(
    now: number = this.clock(),
    options: GarbageCollectionOptions = {},
  ): Promise<GarbageCollectionReport> {
    const tombstoneTtlMs = options.tombstoneTtlMs ?? DEFAULT_COLLECTED_TOMBSTONE_TTL_MS;
    let scopesCollected = 0;
    // A snapshot: tombstones this collection leaves are not visited again.
    for (const [k, d] of [...this.scopes]) {
      const expired = d.leaseExpiresAt !== undefined && d.leaseExpiresAt < now;
      const orphaned = d.leaseExpiresAt === undefined && d.scope.kind === 'execution' && holdsSomething(d);
      if (!expired && !orphaned) continue;
      this.scopes.delete(k);
      scopesCollected++;
      if (expired && d.ended === undefined && d.scope.kind === 'execution') {
        const tombstone = this.data(d.scope, true);
        tombstone.ended = 'collected';
        tombstone.leaseExpiresAt = this.clock() + tombstoneTtlMs;
      }
    }
    return { scopesCollected };
  }

  async listScopes(options: ListScopesOptions = {}): Promise<ScopeInfo[]> {
    // A scope whose every entry was deleted one by one holds nothing: report it as the
    // SQL backends do, which only see rows that exist.
    return [...this.scopes.values()]
      .filter(
        (d) =>
          holdsData(d) || (d.leaseExpiresAt !== undefined && (d.ended === undefined || options.tombstones === true)),
      )
      .map((d) => ({
        scope: { kind: d.scope.kind, id: copy(d.scope.id) },
        leaseExpiresAt: d.leaseExpiresAt,
        ...(d.ended ? { ended: d.ended } : {}),
      }));
  }

  async close(): Promise<void> {
    // Nothing to release; data stays readable so a test can inspect it after close.
  }

  /**
   * Nothing to reclaim: deleted data is already garbage for the JavaScript heap. Present
   * so every backend answers `silo storage gc --vacuum`; reports 0 bytes both times.
   *
   * @example
   * ```ts
   * await new MemoryStorage().vacuum(); // { bytesBefore: 0, bytesAfter: 0 }
   * ```
   */
  async vacuum(): Promise<{ bytesBefore: number; bytesAfter: number }> {
    return { bytesBefore: 0, bytesAfter: 0 };
  }
}
