/**
 * Top-k selection: the first `k` rows in key order. Ties keep input order, so the result
 * is exactly the first `k` rows of a stable sort.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { describeSchemaDifference } from '../arrow/schema-compare';
import { emptyBatch } from '../arrow/batch-utils';
import { RowComparator } from './compare';
import { concatRows, takeIndices } from './gather';
import { badOption, schemaMismatch } from './recipe.error';
import { sortOrder } from './sort';
import type { SortKeys } from './sort-keys';

function checkK(k: number): void {
  if (!Number.isSafeInteger(k) || k < 0) throw badOption('topK', 'k', 'a whole number of at least 0', k);
}

/**
 * The first `k` rows of `batch` in `keys` order (all of them, sorted, when it has fewer).
 * For the largest values, sort descending.
 *
 * @example
 * ```ts
 * const best = topK(batch, [{ column: 'fare', order: 'desc' }], 10);
 * ```
 */
export function topK(batch: RecordBatch, keys: SortKeys | RowComparator, k: number): RecordBatch {
  checkK(k);
  const order = sortOrder(batch, keys);
  return takeIndices(batch, order, Math.min(k, order.length));
}

/**
 * Keeps the top `k` rows of everything added, in `keys` order; on ties the row added
 * first wins. Memory: `k` rows plus the batch being added.
 *
 * @example
 * ```ts
 * const best = new TopKSelector(schema, [{ column: 'fare', order: 'desc' }], 10);
 * for (const candidates of batches) best.add(candidates);
 * out.emit(best.result());
 * ```
 */
export class TopKSelector {
  private readonly comparator: RowComparator;
  private current: RecordBatch;

  constructor(
    readonly schema: Schema,
    keys: SortKeys | RowComparator,
    readonly k: number,
  ) {
    checkK(k);
    this.comparator = keys instanceof RowComparator ? keys : new RowComparator(schema, keys, 'topK');
    this.current = emptyBatch(schema);
  }

  /** Offers the rows of `batch` (a batch of this selector's schema). */
  add(batch: RecordBatch): void {
    if (batch.numRows === 0 || this.k === 0) return;
    if (batch.schema !== this.schema) {
      const drift = describeSchemaDifference(this.schema, batch.schema);
      if (drift !== null) throw schemaMismatch('TopKSelector.add', drift);
    }
    const best = topK(batch, this.comparator, this.k);
    // Current rows first: on equal keys the stable sort keeps them ahead of the new ones.
    this.current =
      this.current.numRows === 0 ? best : topK(concatRows(this.schema, [this.current, best]), this.comparator, this.k);
  }

  /** The top rows so far, in key order. */
  result(): RecordBatch {
    return this.current;
  }
}

/**
 * The top `k` rows across candidate batches (earlier batches win ties).
 *
 * @example
 * ```ts
 * const global = topKOf(schema, perBatchCandidates, [{ column: 'fare', order: 'desc' }], 5);
 * ```
 */
export function topKOf(
  schema: Schema,
  batches: Iterable<RecordBatch>,
  keys: SortKeys | RowComparator,
  k: number,
): RecordBatch {
  const selector = new TopKSelector(schema, keys, k);
  for (const batch of batches) selector.add(batch);
  return selector.result();
}
