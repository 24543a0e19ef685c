import { Field, Float64, Int64, type RecordBatch, Schema, Utf8 } from 'apache-arrow';
import { Max, Min } from 'class-validator';
import {
  type BindContext,
  BufferingFunction,
  Combine,
  Finalize,
  type FinalizeContext,
  InjectRecipe,
  LOGGER,
  Inject,
  type Logger,
  Named,
  OnBind,
  type Output,
  PartitionedBuffer,
  Process,
  RecipeCursor,
  type SinkContext,
  batchFromColumns,
  checkKeyColumns,
} from 'vgi-silo';

/** `per_key_sum((SELECT ...), key := 'k', value := 'v', partitions := 4)`. */
export class PerKeySumArgs {
  @Named('utf8', { doc: 'Column to group by (any type; compared as text)', default: 'key' }) key!: string;
  @Named('utf8', { doc: 'Numeric column to sum', default: 'value' }) value!: string;
  @Named('int64', { doc: 'Parallel finalize streams', default: 4n }) @Min(1) @Max(256) partitions!: bigint;
}

const OUTPUT = (key: string) =>
  new Schema([
    new Field(key, new Utf8(), true),
    new Field('sum', new Float64(), false),
    new Field('count', new Int64(), false),
  ]);

/** Sums `value` per `key` over batches (nulls skipped), keys compared as text. */
function sumByKey(totals: Map<string, { sum: number; count: bigint }>, batch: RecordBatch, args: PerKeySumArgs): void {
  const keys = batch.getChild(args.key)!;
  const values = batch.getChild(args.value)!;
  for (let i = 0; i < batch.numRows; i++) {
    const key: unknown = keys.get(i);
    const v: unknown = values.get(i);
    if (key === null || v === null) continue;
    const acc = totals.get(String(key)) ?? { sum: 0, count: 0n };
    totals.set(String(key), { sum: acc.sum + Number(v), count: acc.count + 1n });
  }
}

/**
 * Sums a column per key, on the partitioned fan-out recipe: the sink hashes rows by key
 * into `partitions` partitions, combine returns one finalize id per non-empty partition,
 * and DuckDB drains them in parallel finalize streams, each summing only its own keys.
 */
@BufferingFunction({
  name: 'per_key_sum',
  description: 'Sum and count of a numeric column per key, merged in parallel partitions',
  categories: ['aggregation'],
  args: PerKeySumArgs,
  state: RecipeCursor,
})
export class PerKeySum {
  constructor(
    @InjectRecipe(PartitionedBuffer, 'rows', {
      keys: (a: PerKeySumArgs) => a.key,
      partitions: (a: PerKeySumArgs) => a.partitions,
    })
    private readonly rows: PartitionedBuffer<PerKeySumArgs>,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @OnBind() bind(ctx: BindContext<PerKeySumArgs>): Schema {
    checkKeyColumns(ctx.inputSchema, [ctx.args.key, ctx.args.value], 'per_key_sum');
    return OUTPUT(ctx.args.key);
  }

  @Process() process(batch: RecordBatch, ctx: SinkContext<PerKeySumArgs>) {
    return this.rows.collect(batch, ctx);
  }

  @Combine() async combine(stateIds: Uint8Array[], ctx: SinkContext<PerKeySumArgs>) {
    const partitions = await this.rows.combine(stateIds, ctx);
    this.log.info(`combining ${stateIds.length} sink connections into ${partitions.length} partitions`);
    return partitions;
  }

  @Finalize() async finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<PerKeySumArgs>) {
    if (state.ready) return out.finish();
    const totals = new Map<string, { sum: number; count: bigint }>();
    for await (const batch of this.rows.batches(ctx)) sumByKey(totals, batch, ctx.args);
    const keys = [...totals.keys()].sort();
    out.emit(
      batchFromColumns(ctx.fullOutputSchema, {
        [ctx.args.key]: keys,
        sum: keys.map((k) => totals.get(k)!.sum),
        count: keys.map((k) => totals.get(k)!.count),
      }),
    );
    state.ready = true;
  }
}
