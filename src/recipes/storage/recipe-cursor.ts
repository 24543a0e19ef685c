// RecipeCursor is decorated when this module loads; load the polyfill before it.
import 'reflect-metadata';
import { StateField } from '../../decorators/state-field.decorator';

/**
 * The finalize state of every storage recipe: declare it as the function's `state` and
 * pass it to the recipe's finalize method. It travels between ticks (serialized, possibly
 * to another process), so a recipe keeps its whole read position here.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'external_sort', args: SortArgs, state: RecipeCursor })
 * class ExternalSortFunction {
 *   @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<SortArgs>) { return this.sort.merge(state, out, ctx); }
 * }
 * ```
 */
export class RecipeCursor {
  /** Id of the last stored batch fully emitted (`-1` before the first). */
  @StateField('int64', { doc: 'Id of the last stored batch fully emitted' }) afterId = -1n;
  /** Rows already emitted of the batch after `afterId`. */
  @StateField('int32', { doc: 'Rows already emitted of the next stored batch' }) row = 0;
  /** Set once a recipe's one-time finalize work (dedup of a partition) is stored. */
  @StateField('bool', { doc: 'One-time finalize work done' }) ready = false;
  /** The external sort's position in each run it merges. */
  @StateField('utf8', { doc: 'Merge position in every run' }) positions = '';
}
