import type { RecordBatch, Schema } from 'apache-arrow';
import { Min } from 'class-validator';
import {
  type BindContext,
  BufferingFunction,
  Combine,
  Finalize,
  type FinalizeContext,
  InjectRecipe,
  Named,
  OnBind,
  type Output,
  Positional,
  Process,
  RecipeCursor,
  type SinkContext,
  TableInput,
  TopKBuffer,
  checkKeyColumns,
} from 'vgi-silo';

/** `top_k(k, (SELECT ...), by := 'column')`. */
export class TopKArgs {
  @Positional(0, 'int64', { doc: 'How many rows to keep' }) @Min(1) k!: bigint;
  @TableInput({ doc: 'The rows to rank' }) data!: unknown;
  @Named('utf8', { doc: 'Column to rank by, largest first', default: 'score' }) by!: string;
}

/**
 * The `k` rows with the largest value of a column, on the top-k recipe: each sink call
 * keeps its batch's own top `k`, combine merges the candidates into the global top `k`,
 * one finalize stream emits them. Like `ORDER BY ... DESC LIMIT k`, rows tied at the k-th
 * value may differ between runs; the values returned never do.
 */
@BufferingFunction({
  name: 'top_k',
  description: 'The k rows with the largest value of a column, largest first',
  categories: ['ranking'],
  examples: [
    {
      sql: "SELECT * FROM top_k(10, (SELECT * FROM trips), by := 'fare')",
      description: 'The ten most expensive trips',
    },
  ],
  args: TopKArgs,
  state: RecipeCursor,
})
export class TopK {
  constructor(
    @InjectRecipe(TopKBuffer, 'top', {
      keys: (a: TopKArgs) => ({ column: a.by, order: 'desc' }),
      k: (a: TopKArgs) => a.k,
    })
    private readonly top: TopKBuffer<TopKArgs>,
  ) {}

  @OnBind() bind(ctx: BindContext<TopKArgs>): Schema {
    checkKeyColumns(ctx.inputSchema, ctx.args.by, 'top_k');
    return ctx.inputSchema;
  }

  @Process() process(batch: RecordBatch, ctx: SinkContext<TopKArgs>) {
    return this.top.offer(batch, ctx);
  }

  @Combine() combine(stateIds: Uint8Array[], ctx: SinkContext<TopKArgs>) {
    return this.top.combine(stateIds, ctx);
  }

  @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<TopKArgs>) {
    return this.top.emit(state, out, ctx);
  }
}
