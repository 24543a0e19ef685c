import type { BoundStorage } from '../providers/storage';
import { type Codec } from './codec';
import { invalidArgument } from './collection.error';
import { TypedCollection } from './typed-collection';

/** Options of a {@link Queue}. */
export interface QueueOptions<T> {
  /** How values are stored (default {@link jsonCodec}). */
  readonly codec?: Codec<T>;
}

/**
 * A FIFO queue of typed values. `pop` is atomic across processes: each value goes to
 * exactly one caller, so parallel finalize streams can share a queue of work items.
 *
 * @example
 * ```ts
 * const work = new Queue<{ file: string }>(storage, 'work');
 * await work.pushAll(files.map((file) => ({ file })));   // in combine
 * const [item] = await work.pop();                        // in each finalize tick
 * if (!item) return out.finish();
 * ```
 */
export class Queue<T = unknown> extends TypedCollection<T> {
  constructor(storage: BoundStorage, name: string, options: QueueOptions<T> = {}) {
    super(storage, 'Queue', '@queue:', name, options.codec);
  }

  /** Pushes one value to the tail. */
  push(value: T): Promise<void> {
    return this.storage.queuePush(this.ns, [this.encode(value, 'the pushed value')]);
  }

  /** Pushes values to the tail in order, in one atomic push (all are encoded first, so a bad value pushes none). */
  async pushAll(values: Iterable<T>): Promise<void> {
    const bytes: Uint8Array[] = [];
    for (const value of values) bytes.push(this.encode(value, `value ${bytes.length} of pushAll()`));
    if (bytes.length > 0) await this.storage.queuePush(this.ns, bytes);
  }

  /**
   * Atomically removes up to `max` values (default 1) from the head, oldest first; an
   * empty array when the queue is empty. A value that cannot be decoded throws `SILO520`
   * (it is already removed).
   */
  async pop(max = 1): Promise<T[]> {
    if (!Number.isSafeInteger(max) || max < 1)
      throw invalidArgument(this.label, 'pop', 'max must be a positive integer', max);
    const values = await this.storage.queuePop(this.ns, max);
    return values.map((bytes, i) => this.decode(bytes, `value ${i} of ${values.length} popped`));
  }

  /** How many values are queued. */
  length(): Promise<number> {
    return this.storage.queueLength(this.ns);
  }

  override toString(): string {
    return this.label;
  }
}
