import { DataType, type Field, type RecordBatch } from 'apache-arrow';
import { BufferingFunction, Combine, Process, batchFromColumns, type SinkContext } from 'vgi-silo';
import { pyarrowTypeName } from './arrow-type-names';
import { LogDrainCursor, LogDrainFunction } from './log-drain';
import { ValueError } from './python-errors';
import { SingleTableArgs } from './single-table.args';

/** Bytes stored per input batch. */
export const LARGE_STATE_CHUNK_BYTES = 1024 * 1024;

/** The total in a column's own type: bigint for 64-bit integers, a number otherwise. */
function totalFor(field: Field, total: number): bigint | number {
  const type = field.type as DataType;
  if (DataType.isInt(type)) {
    if (type.bitWidth === 64) return BigInt(total);
    // Arrow would silently wrap; the reference (pyarrow) refuses a value that does not fit.
    const max = 2 ** (type.isSigned ? type.bitWidth - 1 : type.bitWidth) - 1;
    if (total > max)
      throw new ValueError(`large_state total ${total} does not fit column "${field.name}" (${pyarrowTypeName(type)})`);
    return total;
  }
  if (DataType.isFloat(type)) return total;
  throw new ValueError(
    `large_state writes the byte total into every column, so every input column must be integer or floating-point; "${field.name}" is ${pyarrowTypeName(type)}`,
  );
}

/**
 * `large_state(data TABLE)`: stores 1 MiB of zero bytes per input batch, to exercise
 * large values in storage and across processes. Combine adds up the stored bytes and
 * returns a single row with every output column set to that total (so the input must
 * be integer-typed); finalize drains it.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.large_state((SELECT * FROM range(5000) t(x))); -- 3145728
 * ```
 */
@BufferingFunction({
  name: 'large_state',
  description: 'Buffers ~1 MB per input batch into state (IPC test)',
  categories: ['test', 'memory'],
  args: SingleTableArgs,
  state: LogDrainCursor,
})
export class LargeStateFunction extends LogDrainFunction {
  @Process()
  async process(_batch: RecordBatch, ctx: SinkContext): Promise<Uint8Array | string> {
    await this.storage.append('large', '', new Uint8Array(LARGE_STATE_CHUNK_BYTES));
    return ctx.executionId;
  }

  @Combine()
  override async combine(_stateIds: Uint8Array[], ctx: SinkContext): Promise<(Uint8Array | string)[]> {
    let total = 0;
    for await (const entry of this.storage.logEntries('large', '', { pageSize: 16 })) total += entry.value.byteLength;
    const columns = Object.fromEntries(ctx.outputSchema.fields.map((f) => [f.name, [totalFor(f, total)]]));
    await this.stage(batchFromColumns(ctx.outputSchema, columns));
    return [ctx.executionId];
  }
}
