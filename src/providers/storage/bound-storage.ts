import { SiloError, messages } from '../../errors';
import { concatBytes, toBytes, type KeyLike } from '../../common/bytes';
import type { FunctionStorage, StorageEntry, LogEntry, LogScanOptions, StorageScope } from './function-storage';

/** The first byte of every framework namespace. User namespaces may not start with it. */
const RESERVED_FIRST_BYTE = 0x00;
const FRAMEWORK_PREFIX = toBytes('\u0000silo:');

/** A key range with keys given as text or bytes (start inclusive, end exclusive). */
export interface BoundKeyRange {
  readonly start?: KeyLike;
  readonly end?: KeyLike;
}

/** Options of {@link BoundStorage.scan} and {@link BoundStorage.drain}. */
export interface BoundScanOptions extends BoundKeyRange {
  readonly reverse?: boolean;
  readonly limit?: number;
}

/** Options of {@link BoundStorage.logEntries}. */
export interface LogIterateOptions {
  /** Only entries with `id > afterId`. */
  readonly afterId?: bigint;
  /** Entries fetched per round trip (default 256). */
  readonly pageSize?: number;
}

function range(options: BoundScanOptions | undefined) {
  if (!options) return undefined;
  return {
    start: options.start === undefined ? undefined : toBytes(options.start),
    end: options.end === undefined ? undefined : toBytes(options.end),
    reverse: options.reverse,
    limit: options.limit,
  };
}

/**
 * Storage bound to one scope (an execution, an attach or a transaction): what a
 * function's methods receive by injecting `EXECUTION_STORAGE` (or `ATTACH_STORAGE`,
 * `TRANSACTION_STORAGE`). Namespaces and keys may be text (UTF-8) or bytes.
 *
 * Four families of data live side by side, each in its own space (a key-value entry, a
 * log, a counter and a queue of the same namespace never meet): ordered key-value
 * entries, append-only logs, 64-bit counters and FIFO queues. Every method is one atomic
 * storage operation, also across processes on SQLite and PostgreSQL; two calls together
 * are not, so never read, change and write back what another process may change at
 * the same time: use a counter, a log append, a queue pop or a drain instead.
 *
 * Most functions want the typed collections of `vgi-silo` instead: `BatchLog` (batches
 * with a row count and a finalize cursor), `KeyValue<T>`, `Counter` and `Queue<T>`, which
 * encode and validate values and keep their data under namespaces starting with `@`.
 * Use this raw API for layouts the collections do not cover (range scans and drains
 * over byte keys, several logs under one namespace), and keep its namespaces clear of
 * `@`. Namespaces starting with a NUL byte are reserved for the framework; using one throws.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'buffer_rows' })
 * class BufferRows {
 *   constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}
 *   @Process() async process(batch: RecordBatch, ctx: SinkContext) {
 *     await this.storage.append('buf', '', serializeBatch(batch));
 *     return ctx.executionId;
 *   }
 * }
 * ```
 */
export class BoundStorage {
  private constructor(
    /** The backend this view writes to. */
    readonly backend: FunctionStorage,
    /** The scope every call is bound to. */
    readonly scope: StorageScope,
    private readonly framework: boolean,
  ) {}

  /**
   * A user view of `scope`: reserved namespaces are refused. The framework builds these
   * for the injected tokens; build one yourself in tests or tools.
   *
   * @example
   * ```ts
   * const storage = BoundStorage.forUser(new MemoryStorage(), { kind: 'execution', id: toBytes('test') });
   * ```
   */
  static forUser(backend: FunctionStorage, scope: StorageScope): BoundStorage {
    return new BoundStorage(backend, scope, false);
  }

  /** The framework's own view of `scope`: every namespace is mapped into the reserved space. */
  static forFramework(backend: FunctionStorage, scope: StorageScope): BoundStorage {
    return new BoundStorage(backend, scope, true);
  }

  private ns(ns: KeyLike): Uint8Array {
    const bytes = toBytes(ns);
    if (this.framework) return concatBytes(FRAMEWORK_PREFIX, bytes);
    if (bytes.length > 0 && bytes[0] === RESERVED_FIRST_BYTE) {
      throw new SiloError('SILO515', messages.reservedNamespace());
    }
    return bytes;
  }

  /**
   * The value of `key` in namespace `ns`, or `undefined` when absent.
   *
   * @example
   * ```ts
   * const bytes = await this.storage.get('totals', 'a');
   * ```
   */
  get(ns: KeyLike, key: KeyLike): Promise<Uint8Array | undefined> {
    return this.backend.get(this.scope, this.ns(ns), toBytes(key));
  }

  /**
   * The values of several keys in one round trip, in the order of `keys`; `undefined`
   * where a key is absent. Read in one atomic step (a consistent snapshot).
   */
  getMany(ns: KeyLike, keys: readonly KeyLike[]): Promise<(Uint8Array | undefined)[]> {
    return this.backend.getMany(this.scope, this.ns(ns), keys.map(toBytes));
  }

  /** Sets `key` to `value`, replacing any value (last writer wins across processes). */
  put(ns: KeyLike, key: KeyLike, value: Uint8Array): Promise<void> {
    return this.backend.put(this.scope, this.ns(ns), toBytes(key), value);
  }

  /**
   * Writes every entry atomically: all or none, and no reader sees half of them. A key
   * given twice keeps its last value.
   */
  putMany(ns: KeyLike, entries: ReadonlyArray<{ key: KeyLike; value: Uint8Array }>): Promise<void> {
    const bytes: StorageEntry[] = entries.map((e) => ({ key: toBytes(e.key), value: e.value }));
    return this.backend.putMany(this.scope, this.ns(ns), bytes);
  }

  /**
   * Entries of `ns` in bytewise key order (descending with `reverse`), from `start`
   * (inclusive) to `end` (exclusive), at most `limit` of them; the whole namespace when no
   * option is given. One call returns one array: page through a large namespace by
   * passing the last key plus a `\0` byte as the next `start`.
   *
   * @example
   * ```ts
   * const page = await this.storage.scan('runs', { start: 'run:', end: 'run;', limit: 100 });
   * ```
   */
  scan(ns: KeyLike, options?: BoundScanOptions): Promise<StorageEntry[]> {
    return this.backend.scan(this.scope, this.ns(ns), range(options));
  }

  /**
   * Atomically reads and deletes what {@link scan} with the same options would return:
   * each entry goes to exactly one of several processes draining at once.
   */
  drain(ns: KeyLike, options?: BoundScanOptions): Promise<StorageEntry[]> {
    return this.backend.drain(this.scope, this.ns(ns), range(options));
  }

  /** Deletes the given keys atomically; returns how many of them existed. */
  delete(ns: KeyLike, keys: readonly KeyLike[]): Promise<number> {
    return this.backend.delete(this.scope, this.ns(ns), keys.map(toBytes));
  }

  /** Deletes the keys from `start` (inclusive) to `end` (exclusive) atomically; returns how many were deleted. */
  deleteRange(ns: KeyLike, keyRange: BoundKeyRange): Promise<number> {
    return this.backend.deleteRange(this.scope, this.ns(ns), range(keyRange) ?? {});
  }

  /** Deletes every key-value entry of `ns` (not its logs, counters or queue); returns how many. */
  deleteAll(ns: KeyLike): Promise<number> {
    return this.backend.deleteAll(this.scope, this.ns(ns));
  }

  /**
   * Appends `value` to the log `(ns, key)` atomically and returns the new entry's id.
   * Ids are unique and strictly increasing across the whole backend (not dense, not per
   * log): concurrent appends from several processes are all kept, ordered as they commit.
   *
   * @example
   * ```ts
   * await this.storage.append('buf', '', serializeBatch(batch));
   * ```
   */
  append(ns: KeyLike, key: KeyLike, value: Uint8Array): Promise<bigint> {
    return this.backend.append(this.scope, this.ns(ns), toBytes(key), value);
  }

  /**
   * Entries of the log `(ns, key)` in ascending id order: those with `id > afterId`
   * (default: from the start), at most `limit` (default: all). One page per call; resume
   * after the last id returned.
   *
   * @example
   * ```ts
   * const [entry] = await this.storage.logScan('buf', '', { afterId: state.afterId, limit: 1 });
   * ```
   */
  logScan(ns: KeyLike, key: KeyLike, options?: LogScanOptions): Promise<LogEntry[]> {
    return this.backend.logScan(this.scope, this.ns(ns), toBytes(key), options);
  }

  /**
   * Iterates the log `(ns, key)` in ascending id order, one {@link logScan} of
   * `pageSize` entries (default 256) at a time, never holding more than one page.
   * Entries appended during the iteration are seen when their id is past the current page.
   *
   * @example
   * ```ts
   * for await (const entry of this.storage.logEntries('buf', '')) out.push(deserializeBatch(entry.value));
   * ```
   */
  async *logEntries(ns: KeyLike, key: KeyLike, options: LogIterateOptions = {}): AsyncGenerator<LogEntry> {
    const pageSize = options.pageSize ?? 256;
    let afterId = options.afterId;
    const nsBytes = this.ns(ns);
    const keyBytes = toBytes(key);
    for (;;) {
      const page = await this.backend.logScan(this.scope, nsBytes, keyBytes, { afterId, limit: pageSize });
      for (const entry of page) yield entry;
      if (page.length < pageSize) return;
      afterId = page[page.length - 1].id;
    }
  }

  /** Deletes the whole log `(ns, key)` atomically; returns how many entries it held. */
  logDelete(ns: KeyLike, key: KeyLike): Promise<number> {
    return this.backend.logDelete(this.scope, this.ns(ns), toBytes(key));
  }

  /** The value of the signed 64-bit counter `(ns, key)`; `0n` when it was never added to. */
  counterGet(ns: KeyLike, key: KeyLike): Promise<bigint> {
    return this.backend.counterGet(this.scope, this.ns(ns), toBytes(key));
  }

  /**
   * Atomically adds `delta` (may be negative) to the counter `(ns, key)` and returns the
   * new value: safe from any number of processes at once. Wraps around at the int64 bounds.
   *
   * @example
   * ```ts
   * await this.storage.counterAdd('stats', 'rows', batch.numRows);
   * ```
   */
  counterAdd(ns: KeyLike, key: KeyLike, delta: bigint | number): Promise<bigint> {
    return this.backend.counterAdd(this.scope, this.ns(ns), toBytes(key), BigInt(delta));
  }

  /** Removes the counter `(ns, key)`: it reads `0n` again. */
  counterDelete(ns: KeyLike, key: KeyLike): Promise<void> {
    return this.backend.counterDelete(this.scope, this.ns(ns), toBytes(key));
  }

  /** Pushes `values` to the tail of the FIFO queue `ns`, in order, in one atomic step. */
  queuePush(ns: KeyLike, values: readonly Uint8Array[]): Promise<void> {
    return this.backend.queuePush(this.scope, this.ns(ns), values);
  }

  /**
   * Atomically removes up to `max` values (default 1) from the head of the queue `ns`,
   * oldest first; an empty array when it is empty. Each value goes to exactly one caller,
   * whichever process pops.
   */
  queuePop(ns: KeyLike, max?: number): Promise<Uint8Array[]> {
    return this.backend.queuePop(this.scope, this.ns(ns), max);
  }

  /** How many values the queue `ns` holds now (others may push or pop right after). */
  queueLength(ns: KeyLike): Promise<number> {
    return this.backend.queueLength(this.scope, this.ns(ns));
  }

  /**
   * Removes everything in this scope, atomically: every namespace, log, counter and
   * queue, the collections' data, the framework's records and the scope's lease included.
   */
  clear(): Promise<void> {
    return this.backend.clearScope(this.scope);
  }
}
