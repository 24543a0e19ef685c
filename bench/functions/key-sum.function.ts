import { type RecordBatch, type Schema } from 'apache-arrow';
import {
  type BindContext,
  type BoundStorage,
  BufferingFunction,
  Combine,
  EXECUTION_STORAGE,
  Finalize,
  type FinalizeContext,
  Inject,
  OnBind,
  type Output,
  Process,
  type SinkContext,
  StateField,
  bytesToText,
  deserializeBatch,
  serializeBatch,
} from 'vgi-silo';
import {
  KEY_COLUMN,
  SUMS_SCHEMA,
  VALUE_COLUMN,
  assertBenchInput,
  batchOfSums,
  keysAndValuesOf,
  sumsOf,
} from './arrow-columns';
import { CHUNK_ROWS, PARTITIONS, mergeSums, partialSums, sliceSums, sortedSums } from './kernels';
import { TableOnlyArgs } from './table-only.args';

/** Where a `key_sum` finalize stream is: whether its partition's result is staged, and the last result chunk emitted. */
export class KeySumCursor {
  @StateField('bool') staged = false;
  @StateField('int64') afterId = -1n;
}

/**
 * `key_sum(data TABLE)` → `(k BIGINT, sum DOUBLE)`: the sum of `v` per `k`.
 *
 * Process pre-aggregates its batch and appends one partial per partition (`k mod 4`) to
 * the log `partials/<p>`; combine fans out to one finalize stream per partition; each
 * stream's first tick merges its partition's partials and stages the result, ordered by
 * key, in chunks of 2048 rows under `result/<p>`, which the following ticks drain one
 * chunk per tick. The same algorithm runs in the vendor-SDK bench worker.
 *
 * @example
 * ```sql
 * SELECT * FROM bench.main.key_sum((SELECT k, v, s FROM t));
 * ```
 */
@BufferingFunction({
  name: 'key_sum',
  description: 'Sum of v per key k, merged in 4 parallel finalize streams (benchmark)',
  categories: ['benchmark', 'aggregation'],
  args: TableOnlyArgs,
  state: KeySumCursor,
})
export class KeySumFunction {
  constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}

  @OnBind()
  bind(ctx: BindContext): Schema {
    assertBenchInput(ctx.inputSchema, 'key_sum', [KEY_COLUMN, VALUE_COLUMN]);
    return SUMS_SCHEMA;
  }

  @Process()
  async process(batch: RecordBatch, ctx: SinkContext): Promise<Uint8Array> {
    const { keys, values } = keysAndValuesOf(batch);
    const parts = partialSums(keys, values, PARTITIONS);
    await Promise.all(
      parts.map((part, p) =>
        part.keys.length > 0
          ? this.storage.append('partials', String(p), serializeBatch(batchOfSums(part)))
          : undefined,
      ),
    );
    return ctx.executionId;
  }

  @Combine()
  combine(): string[] {
    // Each partition's partials are merged by its own finalize stream, in parallel.
    return Array.from({ length: PARTITIONS }, (_, p) => String(p));
  }

  @Finalize()
  async finalize(state: KeySumCursor, out: Output, ctx: FinalizeContext): Promise<void> {
    const partition = bytesToText(ctx.finalizeStateId);
    if (!state.staged) {
      const totals = new Map<number, number>();
      for await (const entry of this.storage.logEntries('partials', partition))
        mergeSums(totals, sumsOf(deserializeBatch(entry.value)));
      const result = sortedSums(totals);
      // Staged in storage, not kept in this process: the next tick may run elsewhere (HTTP).
      for (let at = 0; at < result.keys.length; at += CHUNK_ROWS) {
        await this.storage.append(
          'result',
          partition,
          serializeBatch(batchOfSums(sliceSums(result, at, Math.min(result.keys.length, at + CHUNK_ROWS)))),
        );
      }
      state.staged = true;
    }
    const [entry] = await this.storage.logScan('result', partition, { afterId: state.afterId, limit: 1 });
    if (!entry) return out.finish();
    out.emit(deserializeBatch(entry.value));
    state.afterId = entry.id;
  }
}
