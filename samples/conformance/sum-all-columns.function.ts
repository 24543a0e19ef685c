import type { RecordBatch, Schema } from 'apache-arrow';
import {
  BufferingFunction,
  Combine,
  EXECUTION_STORAGE,
  Inject,
  LOGGER,
  Named,
  OnBind,
  Process,
  TableInput,
  deserializeBatch,
  serializeBatch,
  type BindContext,
  type BoundStorage,
  type Logger,
  type SinkContext,
} from 'vgi-silo';
import { pyarrowTypeName } from './arrow-type-names';
import { ColumnSums, sumSchema } from './column-sums';
import { LogDrainCursor, LogDrainFunction } from './log-drain';
import { ValueError } from './python-errors';

/** The execution log of per-batch partial sums (one row each). */
export const PARTIAL_NAMESPACE = 'partial';

/** Arguments of `sum_all_columns` and its subclasses. */
export class SumAllColumnsArgs {
  @TableInput({ doc: 'Input table' }) data!: unknown;
  @Named('bool', { default: false, doc: 'Whether to log during processing' }) logging!: boolean;
}

/**
 * `sum_all_columns(data TABLE, logging := false)`: one row holding the sum of every
 * numeric input column. Integer columns come out as BIGINT, floating-point and decimal
 * ones as DOUBLE; other columns are dropped, and an input without any numeric column
 * is refused at bind.
 *
 * Each process call appends its batch's partial sums to the execution log `partial`;
 * combine adds them all (starting from zeros) into one row and stages it in `buf`;
 * finalize drains `buf`. With `logging := true`, process and combine write INFO client
 * logs that DuckDB shows in `duckdb_logs()`.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.sum_all_columns((SELECT * FROM input_table), logging := true);
 * ```
 */
@BufferingFunction({
  name: 'sum_all_columns',
  description: 'Computes column-wise sums across all batches',
  categories: ['aggregation', 'numeric'],
  examples: [
    { sql: 'SELECT * FROM sum_all_columns((SELECT * FROM input_table))', description: 'Sum all numeric columns' },
  ],
  args: SumAllColumnsArgs,
  state: LogDrainCursor,
  cardinality: { estimate: 1, max: 1 },
})
export class SumAllColumnsFunction extends LogDrainFunction {
  constructor(
    @Inject(EXECUTION_STORAGE) storage: BoundStorage,
    @Inject(LOGGER) protected readonly log: Logger,
  ) {
    super(storage);
  }

  @OnBind()
  bind(ctx: BindContext<SumAllColumnsArgs>): Schema {
    const output = sumSchema(ctx.inputSchema, { decimals: true });
    if (output.fields.length === 0) {
      const summary = ctx.inputSchema.fields.map((f) => `${f.name}: ${pyarrowTypeName(f.type)}`).join(', ');
      throw new ValueError(
        `sum_all_columns requires at least one numeric (integer, floating-point, or decimal) input column, got [${summary}]`,
      );
    }
    return output;
  }

  @Process()
  async process(batch: RecordBatch, ctx: SinkContext<Partial<SumAllColumnsArgs>>): Promise<Uint8Array | string> {
    if (ctx.args.logging === true) this.log.info(`Processing batch with ${batch.numRows} rows`);
    const partial = new ColumnSums(ctx.outputSchema).addInput(batch).toBatch();
    await this.storage.append(PARTIAL_NAMESPACE, '', serializeBatch(partial));
    return ctx.executionId;
  }

  @Combine()
  override async combine(
    stateIds: Uint8Array[],
    ctx: SinkContext<Partial<SumAllColumnsArgs>>,
  ): Promise<(Uint8Array | string)[]> {
    if (ctx.args.logging === true) this.log.info(`Combining ${stateIds.length} state_ids`);
    const merged = new ColumnSums(ctx.outputSchema);
    for await (const entry of this.storage.logEntries(PARTIAL_NAMESPACE, ''))
      merged.addPartial(deserializeBatch(entry.value));
    await this.stage(merged.toBatch());
    return [ctx.executionId];
  }
}
