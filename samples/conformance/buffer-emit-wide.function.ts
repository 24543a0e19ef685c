import { Field, Int64, type RecordBatch, Schema } from 'apache-arrow';
import { Min } from 'class-validator';
import {
  BufferingFunction,
  Combine,
  Finalize,
  OnBind,
  Positional,
  Process,
  StateField,
  TableInput,
  batchFromColumns,
  type FinalizeContext,
  type Output,
  type SinkContext,
} from 'vgi-silo';

/** Arguments of `buffer_emit_wide(rows, data)`: the row count comes first, then the table. */
export class BufferEmitWideArgs {
  @Positional(0, 'int64', { doc: 'Number of rows to emit in one finalize batch' }) @Min(0) rows!: bigint;
  @TableInput({ position: 1, doc: 'Input table (content ignored)' }) data!: unknown;
}

/** Whether the single batch was emitted. */
export class EmitOnceCursor {
  @StateField('bool') emitted = false;
}

/** The output of `buffer_emit_wide`: one BIGINT column `n`. */
export const EMIT_WIDE_SCHEMA = new Schema([new Field('n', new Int64(), true)]);

/**
 * `buffer_emit_wide(rows BIGINT, data TABLE)`: ignores its input and emits ONE finalize
 * batch of `rows` rows, `n = 0..rows-1`, then finishes. A repro for finalize batches
 * larger than DuckDB's 2048-row vector size.
 *
 * @example
 * ```sql
 * SELECT count(*) FROM example.main.buffer_emit_wide(10000, (SELECT 1)); -- 10000
 * ```
 */
@BufferingFunction({
  name: 'buffer_emit_wide',
  description: 'Emit a single finalize batch of N rows (vector-size repro)',
  categories: ['test', 'buffer'],
  examples: [
    {
      sql: 'SELECT count(*) FROM buffer_emit_wide(10000, (SELECT 1))',
      description: 'Emit a single 10000-row batch from the Source phase',
    },
  ],
  args: BufferEmitWideArgs,
  state: EmitOnceCursor,
})
export class BufferEmitWideFunction {
  @OnBind()
  bind(): Schema {
    return EMIT_WIDE_SCHEMA;
  }

  @Process()
  process(_batch: RecordBatch, ctx: SinkContext<BufferEmitWideArgs>): Uint8Array {
    return ctx.executionId;
  }

  @Combine()
  combine(_stateIds: Uint8Array[], ctx: SinkContext<BufferEmitWideArgs>): Uint8Array[] {
    return [ctx.executionId];
  }

  @Finalize()
  finalize(state: EmitOnceCursor, out: Output, ctx: FinalizeContext<BufferEmitWideArgs>): void {
    if (state.emitted) return out.finish();
    const n = Array.from({ length: Number(ctx.args.rows) }, (_, i) => BigInt(i));
    out.emit(batchFromColumns(EMIT_WIDE_SCHEMA, { n }));
    state.emitted = true;
  }
}
