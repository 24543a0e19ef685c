import { concatBytes, toBytes, type KeyLike } from './bytes';
import type {
  FunctionStorage,
  StorageEntry,
  LogEntry,
  LogScanOptions,
  StorageScope,
} from './function-storage';

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
 * Storage bound to one scope (an execution or an attach): what a function's methods
 * receive by injecting `EXECUTION_STORAGE`. Namespaces and keys may be text or bytes.
 *
 * Namespaces starting with a NUL byte are reserved for the framework; using one throws.
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

  /** A user view: reserved namespaces are refused. */
  static forUser(backend: FunctionStorage, scope: StorageScope): BoundStorage {
    return new BoundStorage(backend, scope, false);
  }

  /** The framework's own view: every namespace is mapped into the reserved space. */
  static forFramework(backend: FunctionStorage, scope: StorageScope): BoundStorage {
    return new BoundStorage(backend, scope, true);
  }

  private ns(ns: KeyLike): Uint8Array {
    const bytes = toBytes(ns);
    if (this.framework) return concatBytes(FRAMEWORK_PREFIX, bytes);
    if (bytes.length > 0 && bytes[0] === RESERVED_FIRST_BYTE) {
      throw new RangeError(
        'Storage namespaces starting with a NUL byte are reserved for the framework. Choose a namespace that does not start with "\\0".',
      );
    }
    return bytes;
  }

  get(ns: KeyLike, key: KeyLike): Promise<Uint8Array | undefined> {
    return this.backend.get(this.scope, this.ns(ns), toBytes(key));
  }

  getMany(ns: KeyLike, keys: readonly KeyLike[]): Promise<(Uint8Array | undefined)[]> {
    return this.backend.getMany(this.scope, this.ns(ns), keys.map(toBytes));
  }

  put(ns: KeyLike, key: KeyLike, value: Uint8Array): Promise<void> {
    return this.backend.put(this.scope, this.ns(ns), toBytes(key), value);
  }

  putMany(ns: KeyLike, entries: ReadonlyArray<{ key: KeyLike; value: Uint8Array }>): Promise<void> {
    const bytes: StorageEntry[] = entries.map((e) => ({ key: toBytes(e.key), value: e.value }));
    return this.backend.putMany(this.scope, this.ns(ns), bytes);
  }

  scan(ns: KeyLike, options?: BoundScanOptions): Promise<StorageEntry[]> {
    return this.backend.scan(this.scope, this.ns(ns), range(options));
  }

  drain(ns: KeyLike, options?: BoundScanOptions): Promise<StorageEntry[]> {
    return this.backend.drain(this.scope, this.ns(ns), range(options));
  }

  delete(ns: KeyLike, keys: readonly KeyLike[]): Promise<number> {
    return this.backend.delete(this.scope, this.ns(ns), keys.map(toBytes));
  }

  deleteRange(ns: KeyLike, keyRange: BoundKeyRange): Promise<number> {
    return this.backend.deleteRange(this.scope, this.ns(ns), range(keyRange) ?? {});
  }

  deleteAll(ns: KeyLike): Promise<number> {
    return this.backend.deleteAll(this.scope, this.ns(ns));
  }

  append(ns: KeyLike, key: KeyLike, value: Uint8Array): Promise<bigint> {
    return this.backend.append(this.scope, this.ns(ns), toBytes(key), value);
  }

  logScan(ns: KeyLike, key: KeyLike, options?: LogScanOptions): Promise<LogEntry[]> {
    return this.backend.logScan(this.scope, this.ns(ns), toBytes(key), options);
  }

  /** Iterates a log page by page, never loading more than `pageSize` entries at once. */
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

  logDelete(ns: KeyLike, key: KeyLike): Promise<number> {
    return this.backend.logDelete(this.scope, this.ns(ns), toBytes(key));
  }

  counterGet(ns: KeyLike, key: KeyLike): Promise<bigint> {
    return this.backend.counterGet(this.scope, this.ns(ns), toBytes(key));
  }

  counterAdd(ns: KeyLike, key: KeyLike, delta: bigint | number): Promise<bigint> {
    return this.backend.counterAdd(this.scope, this.ns(ns), toBytes(key), BigInt(delta));
  }

  counterDelete(ns: KeyLike, key: KeyLike): Promise<void> {
    return this.backend.counterDelete(this.scope, this.ns(ns), toBytes(key));
  }

  queuePush(ns: KeyLike, values: readonly Uint8Array[]): Promise<void> {
    return this.backend.queuePush(this.scope, this.ns(ns), values);
  }

  queuePop(ns: KeyLike, max?: number): Promise<Uint8Array[]> {
    return this.backend.queuePop(this.scope, this.ns(ns), max);
  }

  queueLength(ns: KeyLike): Promise<number> {
    return this.backend.queueLength(this.scope, this.ns(ns));
  }

  /** Removes everything in this scope, the framework's records included. */
  clear(): Promise<void> {
    return this.backend.clearScope(this.scope);
  }
}
