import type { RecordBatch } from 'apache-arrow';
import { BufferingFunction, Finalize, Process, type Output, type SinkContext } from 'vgi-silo';
import { LogDrainCursor } from './log-drain';
import { ValueError } from './python-errors';
import { SumAllColumnsArgs, SumAllColumnsFunction } from './sum-all-columns.function';

const EXAMPLES = [
  { sql: 'SELECT * FROM sum_all_columns((SELECT * FROM input_table))', description: 'Sum all numeric columns' },
];

/**
 * `exception_process(data TABLE, logging := false)`: sum_all_columns whose process
 * counts its calls across the whole execution and raises
 * `ValueError: Intentional exception on batch <n>` on every even call. The count lives
 * in an execution log (`count`), so it is right however many processes share the sink.
 * It stores no partial sums: a run that never raises returns one all-zero row.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.exception_process((SELECT * FROM range(5000) t(x))); -- fails on batch 2
 * ```
 */
@BufferingFunction({
  name: 'exception_process',
  description: 'Test function that raises exception during process',
  categories: ['test', 'error'],
  examples: EXAMPLES,
  args: SumAllColumnsArgs,
  state: LogDrainCursor,
  cardinality: { estimate: 1, max: 1 },
})
export class ExceptionProcessFunction extends SumAllColumnsFunction {
  @Process()
  override async process(_batch: RecordBatch, ctx: SinkContext<SumAllColumnsArgs>): Promise<Uint8Array | string> {
    // An append is atomic, so the entries seen right after ours number the calls so far.
    await this.storage.append('count', '', new Uint8Array(0));
    const count = (await this.storage.logScan('count', '')).length;
    if (count % 2 === 0) throw new ValueError(`Intentional exception on batch ${count}`);
    return ctx.executionId;
  }
}

/**
 * `exception_finalize(data TABLE, logging := false)`: sum_all_columns whose first
 * finalize tick raises `ValueError: Intentional exception during finalize()`.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.exception_finalize((SELECT 1 AS x)); -- fails in finalize
 * ```
 */
@BufferingFunction({
  name: 'exception_finalize',
  description: 'Test function that raises exception during finalize',
  categories: ['test', 'error'],
  examples: EXAMPLES,
  args: SumAllColumnsArgs,
  state: LogDrainCursor,
  cardinality: { estimate: 1, max: 1 },
})
export class ExceptionFinalizeFunction extends SumAllColumnsFunction {
  @Finalize()
  override async finalize(_state: LogDrainCursor, _out: Output): Promise<void> {
    throw new ValueError('Intentional exception during finalize()');
  }
}
