import { type RecordBatch, type Schema } from 'apache-arrow';
import {
  type BindContext,
  type BoundStorage,
  BufferingFunction,
  Combine,
  EXECUTION_STORAGE,
  Finalize,
  Inject,
  OnBind,
  type Output,
  Process,
  type SinkContext,
  StateField,
  deserializeBatch,
  serializeBatch,
} from 'vgi-silo';
import { KEY_COLUMN, TEXT_COLUMN, VALUE_COLUMN, assertBenchInput, batchOfColumns, columnsOf } from './arrow-columns';
import { type BenchColumns, CHUNK_ROWS, gatherRows, partedColumns, sortOrder } from './kernels';
import { TableOnlyArgs } from './table-only.args';

/** The last sorted chunk a `sort_by_key` finalize stream emitted. */
export class SortedCursor {
  @StateField('int64') afterId = -1n;
}

/**
 * `sort_by_key(data TABLE)`: the whole input, ordered by `k` (ties in arrival order).
 *
 * Process appends each batch to the log `input`; combine reads it all, sorts it and
 * stages the result in chunks of 2048 rows under `sorted`; one finalize stream drains
 * them in order (a total order cannot be split across parallel streams). The same
 * algorithm runs in the vendor-SDK bench worker.
 *
 * @example
 * ```sql
 * SELECT * FROM bench.main.sort_by_key((SELECT k, v, s FROM t));
 * ```
 */
@BufferingFunction({
  name: 'sort_by_key',
  description: 'Global sort of the input by k (benchmark)',
  categories: ['benchmark', 'sort'],
  args: TableOnlyArgs,
  state: SortedCursor,
})
export class SortByKeyFunction {
  constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}

  @OnBind()
  bind(ctx: BindContext): Schema {
    assertBenchInput(ctx.inputSchema, 'sort_by_key', [KEY_COLUMN, VALUE_COLUMN, TEXT_COLUMN]);
    return ctx.inputSchema;
  }

  @Process()
  async process(batch: RecordBatch, ctx: SinkContext): Promise<Uint8Array> {
    await this.storage.append('input', '', serializeBatch(batch));
    return ctx.executionId;
  }

  @Combine()
  async combine(_stateIds: Uint8Array[], ctx: SinkContext): Promise<Uint8Array[]> {
    const parts: BenchColumns[] = [];
    for await (const entry of this.storage.logEntries('input', ''))
      parts.push(columnsOf(deserializeBatch(entry.value)));
    const all = partedColumns(parts);
    const order = sortOrder(all.keys);
    for (let at = 0; at < all.length; at += CHUNK_ROWS) {
      const chunk = gatherRows(all, order, at, Math.min(all.length, at + CHUNK_ROWS));
      await this.storage.append('sorted', '', serializeBatch(batchOfColumns(ctx.outputSchema, chunk)));
    }
    return [ctx.executionId];
  }

  @Finalize()
  async finalize(state: SortedCursor, out: Output): Promise<void> {
    const [entry] = await this.storage.logScan('sorted', '', { afterId: state.afterId, limit: 1 });
    if (!entry) return out.finish();
    out.emit(deserializeBatch(entry.value));
    state.afterId = entry.id;
  }
}
