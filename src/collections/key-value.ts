import { type BoundStorage, bytesToText, concatBytes, toBytes } from '../providers/storage';
import { type Codec } from './codec';
import { invalidArgument } from './collection.error';
import { TypedCollection } from './typed-collection';

/** Options of a {@link KeyValue}. */
export interface KeyValueOptions<T> {
  /** How values are stored (default {@link jsonCodec}). */
  readonly codec?: Codec<T>;
}

/** Options of {@link KeyValue.entries}. */
export interface KeyValueEntriesOptions {
  /** Only keys starting with this text. */
  readonly prefix?: string;
  /** Entries fetched per storage round trip (default 256). */
  readonly pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 256;
const AFTER = new Uint8Array([0]);

/** The smallest key greater than every key starting with `prefix`, or undefined when none exists. */
function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] += 1;
      return end;
    }
  }
  return undefined;
}

/**
 * A map from text keys to typed values. Every call is one atomic storage operation, so
 * processes can read and write it at once; a `put` replaces the whole value (for sums
 * across processes use a {@link Counter}, or give each process its own key). Keys are
 * ordered by their UTF-8 bytes (code point order).
 *
 * @example
 * ```ts
 * const totals = new KeyValue<{ sum: number; count: bigint }>(storage, 'totals');
 * await totals.put('a', { sum: 1.5, count: 2n });
 * for await (const [key, total] of totals.entries()) console.log(key, total.sum);
 * ```
 */
export class KeyValue<T = unknown> extends TypedCollection<T> {
  constructor(storage: BoundStorage, name: string, options: KeyValueOptions<T> = {}) {
    super(storage, 'KeyValue', '@kv:', name, options.codec);
  }

  private key(method: string, key: unknown): string {
    if (typeof key !== 'string') throw invalidArgument(this.label, method, 'keys are strings', key);
    return key;
  }

  private decodeValue(bytes: Uint8Array, key: string): T {
    return this.decode(bytes, `the value of key ${JSON.stringify(key)}`);
  }

  private bytesOf(value: T, key: string): Uint8Array {
    return this.encode(value, `the value of key ${JSON.stringify(key)}`);
  }

  /** The value of `key`, or `undefined` when absent. */
  async get(key: string): Promise<T | undefined> {
    const bytes = await this.storage.get(this.ns, this.key('get', key));
    return bytes === undefined ? undefined : this.decodeValue(bytes, key);
  }

  /** Values in the order of `keys`, `undefined` where absent; one storage round trip. */
  async getMany(keys: readonly string[]): Promise<(T | undefined)[]> {
    const checked = keys.map((k) => this.key('getMany', k));
    const values = await this.storage.getMany(this.ns, checked);
    return values.map((bytes, i) => (bytes === undefined ? undefined : this.decodeValue(bytes, checked[i])));
  }

  /** True when `key` holds a value. */
  async has(key: string): Promise<boolean> {
    return (await this.storage.get(this.ns, this.key('has', key))) !== undefined;
  }

  /** Sets `key` to `value`, replacing any value. */
  async put(key: string, value: T): Promise<void> {
    const k = this.key('put', key);
    await this.storage.put(this.ns, k, this.bytesOf(value, k));
  }

  /**
   * Sets every entry in one atomic write (all or none). A key given twice keeps its last value.
   *
   * @example
   * ```ts
   * await totals.putMany(new Map([['a', a], ['b', b]]));
   * ```
   */
  async putMany(entries: Iterable<readonly [string, T]>): Promise<void> {
    const rows: { key: string; value: Uint8Array }[] = [];
    for (const [key, value] of entries) {
      const k = this.key('putMany', key);
      rows.push({ key: k, value: this.bytesOf(value, k) });
    }
    if (rows.length > 0) await this.storage.putMany(this.ns, rows);
  }

  /** Removes `key`; true when it held a value. */
  async delete(key: string): Promise<boolean> {
    return (await this.storage.delete(this.ns, [this.key('delete', key)])) > 0;
  }

  /** Removes the keys; returns how many held a value. */
  deleteMany(keys: readonly string[]): Promise<number> {
    return this.storage.delete(
      this.ns,
      keys.map((k) => this.key('deleteMany', k)),
    );
  }

  /**
   * Every entry in key order, fetched `pageSize` at a time. Entries written while the
   * iteration runs are seen when their key comes after the current page.
   *
   * @example
   * ```ts
   * for await (const [key, value] of totals.entries({ prefix: 'user:' })) emit(key, value);
   * ```
   */
  async *entries(options: KeyValueEntriesOptions = {}): AsyncGenerator<[string, T]> {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1)
      throw invalidArgument(this.label, 'entries', 'pageSize must be a positive integer', pageSize);
    const prefix = options.prefix === undefined ? undefined : toBytes(this.key('entries', options.prefix));
    const end = prefix ? prefixEnd(prefix) : undefined;
    let start: Uint8Array | undefined = prefix;
    for (;;) {
      const page = await this.storage.scan(this.ns, { start, end, limit: pageSize });
      for (const entry of page) {
        const key = bytesToText(entry.key);
        yield [key, this.decodeValue(entry.value, key)];
      }
      if (page.length < pageSize) return;
      // The smallest key after the last one: start is inclusive.
      start = concatBytes(page[page.length - 1].key, AFTER);
    }
  }

  /** Removes every entry; returns how many there were. */
  clear(): Promise<number> {
    return this.storage.deleteAll(this.ns);
  }

  override toString(): string {
    return this.label;
  }
}
