import type { RecordBatch, Schema } from 'apache-arrow';
import { Min } from 'class-validator';
import {
  type BindContext, type BoundStorage, BufferingFunction, Combine, EXECUTION_STORAGE, Finalize, Inject, Named, OnBind, type Output,
  Positional, Process, type SinkContext, StateField, TableInput, concatBatches, deserializeBatch, deserializeBatches, serializeBatch, takeRows,
} from 'vgi-silo';

/** `top_k(k, (SELECT ...), by := 'column')`. */
export class TopKArgs {
  @Positional(0, 'int64', { doc: 'How many rows to keep' }) @Min(1) k!: bigint;
  @TableInput({ doc: 'The rows to rank' }) data!: unknown;
  @Named('utf8', { doc: 'Numeric column to rank by, largest first', default: 'score' }) by!: string;
}

/** Where the finalize stream is in the result log. */
export class ResultCursor {
  @StateField('int64') afterId = -1n;
}

/** Indices of the `k` largest non-null values of a column, largest first (ties keep input order). */
function topIndices(batch: RecordBatch, column: string, k: number): number[] {
  const values = batch.getChild(column)!;
  const rows: number[] = [];
  for (let i = 0; i < batch.numRows; i++) if (values.get(i) !== null) rows.push(i);
  rows.sort((a, b) => {
    const x = values.get(a) as number | bigint;
    const y = values.get(b) as number | bigint;
    return x > y ? -1 : x < y ? 1 : a - b;
  });
  return rows.slice(0, k);
}

/**
 * The `k` rows with the largest value of a column. Each sink call keeps only its batch's
 * own top `k` (so storage holds at most `k` rows per input batch), combine merges those
 * candidates into the global top `k`, and one finalize stream emits them.
 *
 * Like SQL's `ORDER BY ... LIMIT k`, rows tied at the k-th value are kept in the order
 * combine reads them, which depends on which sink process stored them first: with ties,
 * the set of rows returned may differ between runs; the values returned never do.
 */
@BufferingFunction({
  name: 'top_k',
  description: 'The k rows with the largest value of a column, largest first',
  categories: ['ranking'],
  examples: [{ sql: "SELECT * FROM top_k(10, (SELECT * FROM trips), by := 'fare')", description: 'The ten most expensive trips' }],
  args: TopKArgs,
  state: ResultCursor,
})
export class TopK {
  constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}

  @OnBind() bind(ctx: BindContext<TopKArgs>): Schema {
    const field = ctx.inputSchema.fields.find((f) => f.name === ctx.args.by);
    if (!field) throw new Error(`top_k: no column "${ctx.args.by}" in the input (columns: ${ctx.inputSchema.fields.map((f) => f.name).join(', ')}). Pass by := '<column>'.`);
    return ctx.inputSchema;
  }

  @Process() async process(batch: RecordBatch, ctx: SinkContext<TopKArgs>): Promise<Uint8Array> {
    await this.storage.append('candidates', '', serializeBatch(takeRows(batch, topIndices(batch, ctx.args.by, Number(ctx.args.k)))));
    return ctx.executionId;
  }

  @Combine() async combine(_stateIds: Uint8Array[], ctx: SinkContext<TopKArgs>): Promise<Uint8Array[]> {
    const batches: RecordBatch[] = [];
    for await (const entry of this.storage.logEntries('candidates', '')) batches.push(...deserializeBatches(entry.value));
    const all = concatBatches(ctx.inputSchema, batches);
    await this.storage.append('result', '', serializeBatch(takeRows(all, topIndices(all, ctx.args.by, Number(ctx.args.k)))));
    await this.storage.logDelete('candidates', '');
    return [ctx.executionId];
  }

  @Finalize() async finalize(state: ResultCursor, out: Output): Promise<void> {
    const [entry] = await this.storage.logScan('result', '', { afterId: state.afterId, limit: 1 });
    if (!entry) return out.finish();
    out.emit(deserializeBatch(entry.value));
    state.afterId = entry.id;
  }
}
