import type { RecordBatch } from 'apache-arrow';
import { BatchLog } from '../../collections';
import { type BoundStorage, bytesToText, toBytes } from '../../providers/storage';
import type { ExecutionContext, FinalizeContext, Output, SinkContext } from '../../definition/contexts';
import { badOption } from '../recipe.error';
import { partitionBatch } from '../row-hash';
import type { SortKeys } from '../sort-keys';
import { readCoalesced } from './coalesced-read';
import { type FromArgs, resolveOption } from './options';
import type { RecipeCursor } from './recipe-cursor';

/** Options of a {@link PartitionedBuffer}. */
export interface PartitionedBufferOptions<A = never> {
  /** The column(s) rows are hashed by: every row of a key lands in one partition. */
  readonly keys: FromArgs<SortKeys, A>;
  /** How many partitions (parallel finalize streams at most). Default 4. */
  readonly partitions?: FromArgs<number | bigint, A>;
  /** Rows per emitted batch in {@link PartitionedBuffer.replay}; default: each stored batch. */
  readonly targetRows?: FromArgs<number | undefined, A>;
}

const PREFIX = 'partition:';

/**
 * Partitioned fan-out: the sink hashes each batch's rows by key into N partitions (one
 * batch log each), combine returns one finalize state id per partition that got rows,
 * and each finalize stream reads only its own partition — so DuckDB drains the
 * partitions in parallel, and all rows of one key meet in one stream.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'by_city', args: Args, state: RecipeCursor })
 * class ByCity {
 *   constructor(@InjectRecipe(PartitionedBuffer, 'rows', { keys: (a: Args) => a.key, partitions: 8 }) private readonly parts: PartitionedBuffer<Args>) {}
 *   @Process() process(batch: RecordBatch, ctx: SinkContext<Args>) { return this.parts.collect(batch, ctx); }
 *   @Combine() combine(ids: Uint8Array[], ctx: SinkContext<Args>) { return this.parts.combine(ids, ctx); }
 *   @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<Args>) { return this.parts.replay(state, out, ctx); }
 * }
 * ```
 */
export class PartitionedBuffer<A = never> {
  constructor(
    private readonly storage: BoundStorage,
    readonly name: string,
    private readonly options: PartitionedBufferOptions<A>,
  ) {}

  private count(ctx: ExecutionContext<A>): number {
    const n = Number(resolveOption(this.options.partitions ?? 4, ctx));
    if (!Number.isInteger(n) || n < 1 || n > 4096)
      throw badOption(`PartitionedBuffer "${this.name}"`, 'partitions', 'a whole number from 1 to 4096', n);
    return n;
  }

  private log(ctx: ExecutionContext<A>): BatchLog {
    return new BatchLog(this.storage, this.name, { schema: ctx.inputSchema });
  }

  /** Sink: appends each partition's rows of `batch` to that partition. Returns the execution id. */
  async collect(batch: RecordBatch, ctx: SinkContext<A>): Promise<Uint8Array> {
    const log = this.log(ctx);
    const parts = partitionBatch(batch, resolveOption(this.options.keys, ctx), this.count(ctx));
    await Promise.all(parts.map((part, p) => (part.numRows > 0 ? log.partition(p).append(part) : undefined)));
    return ctx.executionId;
  }

  /** Combine: one finalize state id per partition that holds rows (none for an empty input). */
  async combine(_stateIds: readonly Uint8Array[], ctx: SinkContext<A>): Promise<Uint8Array[]> {
    const log = this.log(ctx);
    const counts = await Promise.all(Array.from({ length: this.count(ctx) }, (_, p) => log.partition(p).entryCount()));
    return counts.flatMap((n, p) => (n > 0n ? [toBytes(`${PREFIX}${p}`)] : []));
  }

  /** The partition number a finalize stream drains. */
  partitionOf(ctx: FinalizeContext<A>): number {
    const id = bytesToText(ctx.finalizeStateId);
    const p = id.startsWith(PREFIX) ? Number(id.slice(PREFIX.length)) : NaN;
    if (!Number.isInteger(p) || p < 0)
      throw badOption(
        `PartitionedBuffer "${this.name}"`,
        'the finalize state id',
        `one that combine() returned ("${PREFIX}<n>")`,
        JSON.stringify(id),
      );
    return p;
  }

  /** The batch log of the partition a finalize stream drains. */
  partition(ctx: FinalizeContext<A>): BatchLog {
    return this.log(ctx).partition(this.partitionOf(ctx));
  }

  /** Finalize, one tick: emits the partition's next batch, or finishes the stream. */
  async replay(state: RecipeCursor, out: Output, ctx: FinalizeContext<A>): Promise<void> {
    const batch = await readCoalesced(this.partition(ctx), state, resolveOption(this.options.targetRows, ctx));
    if (batch === undefined) return out.finish();
    out.emit(batch);
  }

  /** Every batch of the stream's partition, page by page (for a finalize that aggregates its partition). */
  batches(ctx: FinalizeContext<A>): AsyncGenerator<RecordBatch> {
    return this.partition(ctx).batches({ pageSize: 1 });
  }
}
