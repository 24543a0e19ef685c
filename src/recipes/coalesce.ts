/**
 * Output coalescing: batches of any size in, batches of exactly `targetRows` out.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { describeSchemaDifference } from '../arrow/schema-compare';
import { concatRows } from './gather';
import { badOption, schemaMismatch } from './recipe.error';

/**
 * Regroups batches into batches of exactly `targetRows` rows (the last one, from
 * {@link flush}, may be shorter). Every batch must have the coalescer's schema (SILO562).
 * Holds at most `targetRows - 1` rows between calls.
 *
 * @example
 * ```ts
 * const coalescer = new BatchCoalescer(schema, 2048);
 * for (const batch of input) for (const full of coalescer.push(batch)) out.push(full);
 * const rest = coalescer.flush(); if (rest) out.push(rest);
 * ```
 */
export class BatchCoalescer {
  private pending: RecordBatch[] = [];
  private pendingRows = 0;

  constructor(
    readonly schema: Schema,
    readonly targetRows: number,
  ) {
    if (!Number.isSafeInteger(targetRows) || targetRows < 1)
      throw badOption('BatchCoalescer', 'targetRows', 'a whole number of at least 1', targetRows);
  }

  /** Rows held for the next batch. */
  get buffered(): number {
    return this.pendingRows;
  }

  /** Adds `batch`; returns the full batches it completed (possibly none). */
  push(batch: RecordBatch): RecordBatch[] {
    if (batch.schema !== this.schema) {
      const drift = describeSchemaDifference(this.schema, batch.schema);
      if (drift !== null) throw schemaMismatch('BatchCoalescer.push', drift);
    }
    const out: RecordBatch[] = [];
    let at = 0;
    while (at < batch.numRows) {
      const take = Math.min(this.targetRows - this.pendingRows, batch.numRows - at);
      this.pending.push(at === 0 && take === batch.numRows ? batch : batch.slice(at, at + take));
      this.pendingRows += take;
      at += take;
      if (this.pendingRows === this.targetRows) out.push(this.take());
    }
    return out;
  }

  /** The rows still held, as one batch, or `undefined` when none are. */
  flush(): RecordBatch | undefined {
    return this.pendingRows === 0 ? undefined : this.take();
  }

  private take(): RecordBatch {
    const batch = this.pending.length === 1 ? this.pending[0] : concatRows(this.schema, this.pending);
    this.pending = [];
    this.pendingRows = 0;
    return batch;
  }
}

/**
 * Regroups a stream of batches into batches of exactly `targetRows` (the last shorter).
 *
 * @example
 * ```ts
 * for await (const batch of coalesceBatches(schema, merged, 8192)) await log.append(batch);
 * ```
 */
export async function* coalesceBatches(
  schema: Schema,
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  targetRows: number,
): AsyncGenerator<RecordBatch> {
  const coalescer = new BatchCoalescer(schema, targetRows);
  for await (const batch of batches) yield* coalescer.push(batch);
  const rest = coalescer.flush();
  if (rest) yield rest;
}
