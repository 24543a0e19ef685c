import { BufferingFunction } from 'vgi-silo';
import { BufferInputFunction } from './buffer-input.function';
import { LogDrainCursor } from './log-drain';
import { SingleTableArgs } from './single-table.args';

/**
 * `echo_buffering(data TABLE)`: the `buffer_input` passthrough with projection and
 * filter pushdown. It stores the full-width input; on emit the framework applies the
 * pushed filters, then narrows to the projected columns, so the function itself never
 * looks at either.
 *
 * @example
 * ```sql
 * SELECT a FROM example.main.echo_buffering((SELECT * FROM t)) WHERE b > 10;
 * ```
 */
@BufferingFunction({
  name: 'echo_buffering',
  description: 'Buffered passthrough with projection + filter pushdown',
  categories: ['test', 'buffer', 'pushdown'],
  args: SingleTableArgs,
  state: LogDrainCursor,
  projectionPushdown: true,
  filterPushdown: true,
  autoApplyFilters: true,
})
export class EchoBufferingFunction extends BufferInputFunction {}
