import type { RecordBatch } from 'apache-arrow';
import { BufferingFunction, Process, type SinkContext } from 'vgi-silo';
import { LogDrainCursor, LogDrainFunction } from './log-drain';
import { SingleTableArgs } from './single-table.args';

/**
 * `buffer_input(data TABLE)`: collects every input batch, then emits them unchanged
 * during finalize. The plainest log-drain passthrough: output schema = input schema.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.buffer_input((SELECT * FROM input_table));
 * ```
 */
@BufferingFunction({
  name: 'buffer_input',
  description: 'Collects all input batches and emits during finalization',
  categories: ['utility', 'buffer'],
  examples: [
    {
      sql: 'SELECT * FROM buffer_input((SELECT * FROM input_table))',
      description: 'Buffer all input and emit on finalize',
    },
  ],
  args: SingleTableArgs,
  state: LogDrainCursor,
})
export class BufferInputFunction extends LogDrainFunction {
  @Process()
  async process(batch: RecordBatch, ctx: SinkContext): Promise<Uint8Array | string> {
    await this.stage(batch);
    return ctx.executionId;
  }
}
