/**
 * Sorting one batch by key columns. Stable: rows with equal keys keep their input order.
 */
import type { RecordBatch } from 'apache-arrow';
import { RowComparator } from './compare';
import { takeIndices } from './gather';
import type { SortKeys } from './sort-keys';

/**
 * The row order that sorts `batch` by `keys` (stable): `order[r]` is the input row that
 * goes to position `r`.
 *
 * @example
 * ```ts
 * const order = sortOrder(batch, [{ column: 'fare', order: 'desc' }]);
 * ```
 */
export function sortOrder(batch: RecordBatch, keys: SortKeys | RowComparator): Uint32Array {
  const comparator = keys instanceof RowComparator ? keys : new RowComparator(batch.schema, keys);
  const keyed = comparator.prepare(batch);
  const n = batch.numRows;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const prefix = keyed.prefix;
  if (prefix !== null) {
    // Most pairs differ in the first key's prefix: one subtraction, no call.
    return order.sort((a, b) => {
      const d = prefix[a] - prefix[b];
      return d < 0 ? -1 : d > 0 ? 1 : comparator.compare(keyed, a, keyed, b) || a - b;
    });
  }
  return order.sort((a, b) => comparator.compare(keyed, a, keyed, b) || a - b);
}

/**
 * `batch` sorted by `keys` (stable), as a new batch of the same schema.
 *
 * @example
 * ```ts
 * const sorted = sortBatch(batch, ['city', { column: 'fare', order: 'desc', nulls: 'first' }]);
 * ```
 */
export function sortBatch(batch: RecordBatch, keys: SortKeys | RowComparator): RecordBatch {
  return takeIndices(batch, sortOrder(batch, keys));
}

/**
 * The first position where `batch` is out of order by `keys` (row `r` sorts before row
 * `r - 1`), or -1 when it is sorted.
 *
 * @example
 * ```ts
 * if (firstUnsorted(out, 'k') >= 0) throw new Error('not sorted');
 * ```
 */
export function firstUnsorted(batch: RecordBatch, keys: SortKeys | RowComparator): number {
  const comparator = keys instanceof RowComparator ? keys : new RowComparator(batch.schema, keys);
  const keyed = comparator.prepare(batch);
  for (let r = 1; r < batch.numRows; r++) if (comparator.compare(keyed, r - 1, keyed, r) > 0) return r;
  return -1;
}
