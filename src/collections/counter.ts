import type { BoundStorage } from '../providers/storage';
import { checkCollectionName, invalidArgument } from './collection.error';

/**
 * A 64-bit integer on a storage counter: `add` is atomic across processes, so every
 * sink process can count into the same counter.
 *
 * @example
 * ```ts
 * const seen = new Counter(storage, 'rows-seen');
 * await seen.add(batch.numRows); // in each process call
 * const total = await seen.get(); // in combine or finalize
 * ```
 */
export class Counter {
  readonly name: string;
  private readonly ns: string;
  private readonly label: string;

  constructor(
    private readonly storage: BoundStorage,
    name: string,
  ) {
    this.name = checkCollectionName('Counter', name);
    this.ns = `@counter:${name}`;
    this.label = `Counter "${name}"`;
  }

  /** The current value (0n when never added to). */
  get(): Promise<bigint> {
    return this.storage.counterGet(this.ns, '');
  }

  /** Atomically adds `delta` (default 1, may be negative) and returns the new value. */
  add(delta: bigint | number = 1n): Promise<bigint> {
    if (typeof delta === 'number' ? !Number.isSafeInteger(delta) : typeof delta !== 'bigint') {
      throw invalidArgument(this.label, 'add', 'delta must be a bigint or a safe integer', delta);
    }
    return this.storage.counterAdd(this.ns, '', delta);
  }

  /** Removes the counter: it reads 0n again. */
  reset(): Promise<void> {
    return this.storage.counterDelete(this.ns, '');
  }

  toString(): string {
    return this.label;
  }
}
