import { RecordBatch } from 'apache-arrow';
import { BufferingFunction, Finalize, type Output } from 'vgi-silo';
import { LogDrainCursor } from './log-drain';
import { SumAllColumnsArgs, SumAllColumnsFunction } from './sum-all-columns.function';

/**
 * The `vgi.cache.*` batch metadata of `CacheControl(ttl=300)`: DuckDB may keep the whole
 * result for 300 seconds and replay it for the same input, reusable across the catalog.
 */
export const CACHE_CONTROL_METADATA: ReadonlyMap<string, string> = new Map([
  ['vgi.cache.ttl', '300'],
  ['vgi.cache.scope', 'catalog'],
]);

/** Wraps a tick's output so every emitted batch carries `metadata` as its custom metadata. */
function withBatchMetadata(out: Output, metadata: ReadonlyMap<string, string>): Output {
  return {
    schema: out.schema,
    emit: (batch) => out.emit(new RecordBatch(batch.schema, batch.data, new Map([...batch.metadata, ...metadata]))),
    finish: () => out.finish(),
  };
}

/**
 * `cached_sum_all(data TABLE, logging := false)`: sum_all_columns whose finalize output
 * advertises a 300-second result-cache lifetime (`vgi.cache.ttl`), so DuckDB can answer a
 * repeat query over the same input without combine and finalize. The sums are exactly
 * sum_all_columns'; the function has no side effect, which caching requires.
 *
 * Silo's `Output` has no cache-control API yet: the metadata is attached to the emitted
 * batch itself, and reaches DuckDB only if the output path keeps batch metadata.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.cached_sum_all((SELECT x FROM range(10) t(x)));
 * ```
 */
@BufferingFunction({
  name: 'cached_sum_all',
  description: 'Cacheable column-wise sum across all input (advertises vgi.cache.ttl)',
  categories: ['aggregation', 'cache', 'test'],
  args: SumAllColumnsArgs,
  state: LogDrainCursor,
  cardinality: { estimate: 1, max: 1 },
})
export class CachedSumAllFunction extends SumAllColumnsFunction {
  @Finalize()
  override async finalize(state: LogDrainCursor, out: Output): Promise<void> {
    await super.finalize(state, withBatchMetadata(out, CACHE_CONTROL_METADATA));
  }
}
