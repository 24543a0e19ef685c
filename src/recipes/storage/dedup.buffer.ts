import type { RecordBatch } from 'apache-arrow';
import { BatchLog } from '../../collections';
import type { BoundStorage } from '../../providers/storage';
import type { FinalizeContext, Output, SinkContext } from '../../definition/contexts';
import { coalesceBatches } from '../coalesce';
import { FirstByKey } from '../dedup';
import type { SortKeys } from '../sort-keys';
import { readCoalesced } from './coalesced-read';
import { type FromArgs, resolveOption } from './options';
import { PartitionedBuffer } from './partitioned.buffer';
import type { RecipeCursor } from './recipe-cursor';

/** Options of a {@link DedupBuffer}. */
export interface DedupBufferOptions<A = never> {
  /** The column(s) that make a row's key. */
  readonly keys: FromArgs<SortKeys, A>;
  /** Partitions, i.e. parallel finalize streams. Default 4. */
  readonly partitions?: FromArgs<number | bigint, A>;
  /** Rows per emitted batch. Default 2048. */
  readonly targetRows?: FromArgs<number, A>;
}

/**
 * Dedup by key: the first row of every key is kept, the rest dropped. The sink drops
 * repeats within each batch and hashes the rest by key into partitions; each partition's
 * finalize stream keeps the first row per key in the order the partition was stored (for
 * one sink connection, the input order) — memory: the distinct keys of one partition.
 * Its first tick writes the partition's unique rows; every tick then emits `targetRows`.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'dedup', args: DedupArgs, state: RecipeCursor })
 * class Dedup {
 *   constructor(@InjectRecipe(DedupBuffer, 'rows', { keys: (a: DedupArgs) => a.key }) private readonly rows: DedupBuffer<DedupArgs>) {}
 *   @Process() process(batch: RecordBatch, ctx: SinkContext<DedupArgs>) { return this.rows.collect(batch, ctx); }
 *   @Combine() combine(ids: Uint8Array[], ctx: SinkContext<DedupArgs>) { return this.rows.combine(ids, ctx); }
 *   @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<DedupArgs>) { return this.rows.emit(state, out, ctx); }
 * }
 * ```
 */
export class DedupBuffer<A = never> {
  private readonly input: PartitionedBuffer<A>;

  constructor(
    private readonly storage: BoundStorage,
    readonly name: string,
    private readonly options: DedupBufferOptions<A>,
  ) {
    this.input = new PartitionedBuffer<A>(storage, `${name}.input`, {
      keys: options.keys,
      partitions: options.partitions,
    });
  }

  /** Sink: the batch's first row per key, into its key's partition. Returns the execution id. */
  collect(batch: RecordBatch, ctx: SinkContext<A>): Promise<Uint8Array> {
    return this.input.collect(new FirstByKey(batch.schema, resolveOption(this.options.keys, ctx)).filter(batch), ctx);
  }

  /** Combine: one finalize state id per partition that holds rows. */
  combine(stateIds: readonly Uint8Array[], ctx: SinkContext<A>): Promise<Uint8Array[]> {
    return this.input.combine(stateIds, ctx);
  }

  /** Finalize, one tick: the partition's next `targetRows` unique rows, or the end of the stream. */
  async emit(state: RecipeCursor, out: Output, ctx: FinalizeContext<A>): Promise<void> {
    const unique = new BatchLog(this.storage, `${this.name}.unique`, { schema: ctx.inputSchema }).partition(
      this.input.partitionOf(ctx),
    );
    const target = resolveOption(this.options.targetRows ?? 2048, ctx);
    if (!state.ready) {
      // Once per stream: the partition's first row per key, stored so later ticks (in any process) only read.
      await unique.clear();
      const seen = new FirstByKey(ctx.inputSchema, resolveOption(this.options.keys, ctx));
      const filtered = (async function* (batches: AsyncGenerator<RecordBatch>) {
        for await (const batch of batches) yield seen.filter(batch);
      })(this.input.batches(ctx));
      await unique.appendAll(coalesceBatches(ctx.inputSchema, filtered, target));
      state.ready = true;
    }
    const batch = await readCoalesced(unique, state, target);
    if (batch === undefined) return out.finish();
    out.emit(batch);
  }
}
