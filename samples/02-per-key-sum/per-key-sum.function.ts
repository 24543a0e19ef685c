import { Field, Float64, Int64, type RecordBatch, Schema, Utf8 } from 'apache-arrow';
import { Max, Min } from 'class-validator';
import {
  type BindContext, type BoundStorage, BufferingFunction, Combine, EXECUTION_STORAGE, Finalize, type FinalizeContext, Inject, LOGGER,
  type Logger, Named, OnBind, type Output, Process, type SinkContext, StateField, batchFromColumns, toBytes,
} from 'vgi-silo';

/** `per_key_sum((SELECT ...), key := 'k', value := 'v', partitions := 4)`. */
export class PerKeySumArgs {
  @Named('utf8', { doc: 'Column to group by (any type; compared as text)', default: 'key' }) key!: string;
  @Named('utf8', { doc: 'Numeric column to sum', default: 'value' }) value!: string;
  @Named('int64', { doc: 'Parallel finalize streams', default: 4n }) @Min(1) @Max(256) partitions!: bigint;
}

/** Whether this partition's single result batch has been emitted. */
export class PartitionCursor {
  @StateField('bool') emitted = false;
}

const OUTPUT = (key: string) =>
  new Schema([new Field(key, new Utf8(), true), new Field('sum', new Float64(), false), new Field('count', new Int64(), false)]);

/** FNV-1a: a stable hash, so every process sends a key to the same partition. */
function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % partitions;
}

interface Partial {
  sum: number;
  count: number;
}

/**
 * Sums a column per key. Each sink call pre-aggregates its batch and appends one partial
 * per partition (keys hashed to partitions); combine returns one finalize id per
 * partition, so DuckDB drains the partitions in parallel finalize streams, each merging
 * only its own partials.
 */
@BufferingFunction({
  name: 'per_key_sum',
  description: 'Sum and count of a numeric column per key, merged in parallel partitions',
  categories: ['aggregation'],
  args: PerKeySumArgs,
  state: PartitionCursor,
})
export class PerKeySum {
  constructor(
    @Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @OnBind() bind(ctx: BindContext<PerKeySumArgs>): Schema {
    for (const column of [ctx.args.key, ctx.args.value]) {
      if (!ctx.inputSchema.fields.some((f) => f.name === column)) {
        throw new Error(`per_key_sum: no column "${column}" in the input (columns: ${ctx.inputSchema.fields.map((f) => f.name).join(', ')}).`);
      }
    }
    return OUTPUT(ctx.args.key);
  }

  @Process() async process(batch: RecordBatch, ctx: SinkContext<PerKeySumArgs>): Promise<Uint8Array> {
    const partitions = Number(ctx.args.partitions);
    const keys = batch.getChild(ctx.args.key)!;
    const values = batch.getChild(ctx.args.value)!;
    const parts: Map<string, Partial>[] = Array.from({ length: partitions }, () => new Map());
    for (let i = 0; i < batch.numRows; i++) {
      const raw: unknown = keys.get(i);
      const v: unknown = values.get(i);
      if (raw === null || v === null) continue;
      const key = String(raw);
      const part = parts[partitionOf(key, partitions)];
      const acc = part.get(key) ?? { sum: 0, count: 0 };
      acc.sum += Number(v);
      acc.count += 1;
      part.set(key, acc);
    }
    await Promise.all(
      parts.map((part, p) => (part.size > 0 ? this.storage.append('partials', String(p), toBytes(JSON.stringify([...part]))) : undefined)),
    );
    return ctx.executionId;
  }

  @Combine() combine(stateIds: Uint8Array[], ctx: SinkContext<PerKeySumArgs>): Uint8Array[] {
    this.log.info(`combining ${stateIds.length} sink connections into ${ctx.args.partitions} partitions`);
    return Array.from({ length: Number(ctx.args.partitions) }, (_, p) => toBytes(String(p)));
  }

  @Finalize() async finalize(state: PartitionCursor, out: Output, ctx: FinalizeContext<PerKeySumArgs>): Promise<void> {
    if (state.emitted) return out.finish();
    const totals = new Map<string, Partial>();
    for await (const entry of this.storage.logEntries('partials', ctx.finalizeStateId)) {
      for (const [key, p] of JSON.parse(new TextDecoder().decode(entry.value)) as [string, Partial][]) {
        const acc = totals.get(key) ?? { sum: 0, count: 0 };
        acc.sum += p.sum;
        acc.count += p.count;
        totals.set(key, acc);
      }
    }
    const keys = [...totals.keys()].sort();
    out.emit(
      batchFromColumns(ctx.fullOutputSchema, {
        [ctx.args.key]: keys,
        sum: keys.map((k) => totals.get(k)!.sum),
        count: keys.map((k) => BigInt(totals.get(k)!.count)),
      }),
    );
    state.emitted = true;
  }
}
