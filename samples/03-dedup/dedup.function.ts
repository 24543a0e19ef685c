import type { RecordBatch, Schema } from 'apache-arrow';
import {
  type BindContext,
  BufferingFunction,
  Combine,
  DedupBuffer,
  Finalize,
  type FinalizeContext,
  InjectRecipe,
  Named,
  OnBind,
  type Output,
  Process,
  RecipeCursor,
  type SinkContext,
  TableInput,
  checkKeyColumns,
} from 'vgi-silo';

/** `dedup((SELECT ...), key := 'col')`: one key column, or several separated by commas. */
export class DedupArgs {
  @TableInput({ doc: 'The rows to deduplicate' }) data!: unknown;
  @Named('utf8', { doc: 'Key column(s): the first row of each key is kept', default: 'key' }) key!: string;
}

const keyColumns = (args: DedupArgs) => args.key.split(',').map((c) => c.trim());

/**
 * The first row of every key, on the dedup recipe: each sink call drops repeats within
 * its batch and hashes the rest into 4 partitions, and 4 finalize streams keep the first
 * row per key of their partition (in the order the partition was stored: for a single
 * sink connection, the input order; across DuckDB's parallel sink threads, whichever
 * thread stored its row first).
 */
@BufferingFunction({
  name: 'dedup',
  description: 'The first row of every key, in parallel partitions',
  categories: ['deduplication'],
  examples: [
    { sql: "SELECT * FROM dedup((SELECT * FROM events), key := 'user_id')", description: 'One event per user' },
  ],
  args: DedupArgs,
  state: RecipeCursor,
})
export class Dedup {
  constructor(@InjectRecipe(DedupBuffer, 'rows', { keys: keyColumns }) private readonly rows: DedupBuffer<DedupArgs>) {}

  @OnBind() bind(ctx: BindContext<DedupArgs>): Schema {
    checkKeyColumns(ctx.inputSchema, keyColumns(ctx.args), 'dedup');
    return ctx.inputSchema;
  }

  @Process() process(batch: RecordBatch, ctx: SinkContext<DedupArgs>) {
    return this.rows.collect(batch, ctx);
  }

  @Combine() combine(stateIds: Uint8Array[], ctx: SinkContext<DedupArgs>) {
    return this.rows.combine(stateIds, ctx);
  }

  @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<DedupArgs>) {
    return this.rows.emit(state, out, ctx);
  }
}
