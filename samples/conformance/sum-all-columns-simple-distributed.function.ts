import type { Schema } from 'apache-arrow';
import { BufferingFunction, OnBind, type BindContext } from 'vgi-silo';
import { sumSchema } from './column-sums';
import { LogDrainCursor } from './log-drain';
import { SingleTableArgs } from './single-table.args';
import { SumAllColumnsFunction } from './sum-all-columns.function';

/**
 * `sum_all_columns_simple_distributed(data TABLE)`: the same partial-sum, merge and
 * log-drain as sum_all_columns, kept under its own name as the reference's "global
 * reduction across workers" example. It has no `logging` argument, drops decimal
 * columns like every other non-integer, non-float column, and does not refuse an
 * input without numeric columns.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.sum_all_columns_simple_distributed((SELECT * FROM input_table));
 * ```
 */
@BufferingFunction({
  name: 'sum_all_columns_simple_distributed',
  description: 'Distributed sum using the buffered (Sink+Combine+Source) model',
  categories: ['aggregation', 'numeric', 'distributed'],
  examples: [
    {
      sql: 'SELECT * FROM sum_all_columns_simple_distributed((SELECT * FROM input_table))',
      description: 'Sum columns across buffered workers',
    },
  ],
  args: SingleTableArgs,
  state: LogDrainCursor,
  cardinality: { estimate: 1, max: 1 },
})
export class SumAllColumnsSimpleDistributedFunction extends SumAllColumnsFunction {
  @OnBind()
  override bind(ctx: BindContext): Schema {
    return sumSchema(ctx.inputSchema, { decimals: false });
  }
}
