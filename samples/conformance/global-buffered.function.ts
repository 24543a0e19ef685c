import type { RecordBatch } from 'apache-arrow';
import { BufferingFunction, Process, type SinkContext } from 'vgi-silo';
import { LogDrainCursor, LogDrainFunction } from './log-drain';
import { SingleTableArgs } from './single-table.args';

/**
 * `global_buffered(data TABLE)`: a log-drain passthrough over its own log,
 * `global_buf`. The reference also publishes it in DuckDB's global function namespace
 * as `vgi_example_global_buffered`, which Silo cannot express yet: here it is only
 * `example.main.global_buffered`.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.global_buffered((SELECT 1 AS x));
 * ```
 */
@BufferingFunction({
  name: 'global_buffered',
  description: 'Global-registration probe (table-buffering)',
  categories: ['test', 'global'],
  examples: [
    {
      sql: 'SELECT * FROM vgi_example_global_buffered((SELECT 1 AS x))',
      description: 'Buffering probe published into system.main',
    },
  ],
  args: SingleTableArgs,
  state: LogDrainCursor,
})
export class GlobalBufferedFunction extends LogDrainFunction {
  protected override readonly drainNamespace = 'global_buf';

  @Process()
  async process(batch: RecordBatch, ctx: SinkContext): Promise<Uint8Array | string> {
    await this.stage(batch);
    return ctx.executionId;
  }
}
