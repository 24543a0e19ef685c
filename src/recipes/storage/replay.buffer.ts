import type { RecordBatch } from 'apache-arrow';
import { BatchLog } from '../../collections';
import type { BoundStorage } from '../../providers/storage';
import type { FinalizeContext, Output, SinkContext } from '../../definition/contexts';
import { readCoalesced } from './coalesced-read';
import { type FromArgs, resolveOption } from './options';
import type { RecipeCursor } from './recipe-cursor';

/** Options of a {@link ReplayBuffer}. */
export interface ReplayBufferOptions<A = never> {
  /** Turns each emitted batch into the batch to emit (compute, rename, project). */
  readonly map?: (batch: RecordBatch, ctx: FinalizeContext<A>) => RecordBatch | Promise<RecordBatch>;
  /** Rows per emitted batch (stored batches regrouped); default: each stored batch as it came. */
  readonly targetRows?: FromArgs<number | undefined, A>;
}

/**
 * Collect-and-replay: the sink stores every batch, the finalize stream emits them again
 * in the order they were stored — unchanged, transformed by `map`, or regrouped into
 * batches of `targetRows`. One finalize stream (no combine needed).
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'buffer_all', state: RecipeCursor })
 * class BufferAll {
 *   constructor(@InjectRecipe(ReplayBuffer, 'rows', { targetRows: 4096 }) private readonly rows: ReplayBuffer) {}
 *   @Process() process(batch: RecordBatch, ctx: SinkContext) { return this.rows.collect(batch, ctx); }
 *   @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext) { return this.rows.replay(state, out, ctx); }
 * }
 * ```
 */
export class ReplayBuffer<A = never> {
  constructor(
    private readonly storage: BoundStorage,
    readonly name: string,
    private readonly options: ReplayBufferOptions<A> = {},
  ) {}

  private log(ctx: { readonly inputSchema: SinkContext['inputSchema'] }): BatchLog {
    return new BatchLog(this.storage, this.name, { schema: ctx.inputSchema });
  }

  /** Sink: stores `batch`. Returns the execution id as the state id. */
  async collect(batch: RecordBatch, ctx: SinkContext<A>): Promise<Uint8Array> {
    if (batch.numRows > 0) await this.log(ctx).append(batch);
    return ctx.executionId;
  }

  /** Finalize, one tick: emits the next batch (or finishes the stream at the end). */
  async replay(state: RecipeCursor, out: Output, ctx: FinalizeContext<A>): Promise<void> {
    const batch = await readCoalesced(this.log(ctx), state, resolveOption(this.options.targetRows, ctx));
    if (batch === undefined) return out.finish();
    out.emit(this.options.map ? await this.options.map(batch, ctx) : batch);
  }

  /** Every stored batch in order, page by page (for a finalize that computes its own output). */
  batches(ctx: FinalizeContext<A> | SinkContext<A>): AsyncGenerator<RecordBatch> {
    return this.log(ctx).batches({ pageSize: 1 });
  }
}
