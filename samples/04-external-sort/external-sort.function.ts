import type { RecordBatch, Schema } from 'apache-arrow';
import { Max, Min } from 'class-validator';
import {
  type BindContext,
  BufferingFunction,
  Combine,
  ExternalSort,
  Finalize,
  type FinalizeContext,
  InjectRecipe,
  Named,
  OnBind,
  OnCancel,
  type Output,
  Process,
  RecipeCursor,
  type SinkContext,
  TableInput,
  checkKeyColumns,
  parseSortKeys,
} from 'vgi-silo';

/** `external_sort((SELECT ...), by := 'col')`; `by` reads like ORDER BY: `'city, fare DESC NULLS FIRST'`. */
export class ExternalSortArgs {
  @TableInput({ doc: 'The rows to sort' }) data!: unknown;
  @Named('utf8', { doc: 'Sort keys, as in ORDER BY', default: 'key' }) by!: string;
  @Named('int64', {
    name: 'fan_in',
    doc: 'Sorted runs merged at once (memory: about this many batches)',
    default: 128n,
  })
  @Min(2)
  @Max(4096)
  fanIn!: bigint;
}

const keys = (args: ExternalSortArgs) => parseSortKeys(args.by, 'external_sort');

/**
 * The input in ORDER BY order, in bounded memory, on the external-sort recipe: each sink
 * call stores its batch sorted as a run; combine merges runs `fan_in` at a time until at
 * most `fan_in` are left; one finalize stream merges those, a batch per tick. No process
 * holds more than about `fan_in` batches, however many rows there are. Rows with equal
 * keys come in the order their runs were stored.
 */
@BufferingFunction({
  name: 'external_sort',
  description: 'The input sorted by the given keys, in bounded memory',
  categories: ['sort'],
  examples: [
    {
      sql: "SELECT * FROM external_sort((SELECT * FROM trips), by := 'fare DESC, trip_id')",
      description: 'Trips by fare, largest first',
    },
  ],
  args: ExternalSortArgs,
  state: RecipeCursor,
})
export class ExternalSortFunction {
  constructor(
    @InjectRecipe(ExternalSort, 'sorted', { keys, fanIn: (a: ExternalSortArgs) => Number(a.fanIn) })
    private readonly sort: ExternalSort<ExternalSortArgs>,
  ) {}

  @OnBind() bind(ctx: BindContext<ExternalSortArgs>): Schema {
    checkKeyColumns(ctx.inputSchema, keys(ctx.args), 'external_sort');
    return ctx.inputSchema;
  }

  @Process() process(batch: RecordBatch, ctx: SinkContext<ExternalSortArgs>) {
    return this.sort.spill(batch, ctx);
  }

  @Combine() combine(stateIds: Uint8Array[], ctx: SinkContext<ExternalSortArgs>) {
    return this.sort.combine(stateIds, ctx);
  }

  @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<ExternalSortArgs>) {
    return this.sort.merge(state, out, ctx);
  }

  @OnCancel() cancel(_state: RecipeCursor | undefined, ctx: FinalizeContext<ExternalSortArgs>) {
    this.sort.cancel(ctx);
  }
}
