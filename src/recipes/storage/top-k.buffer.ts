import type { RecordBatch } from 'apache-arrow';
import { BatchLog } from '../../collections';
import type { BoundStorage } from '../../providers/storage';
import type { ExecutionContext, FinalizeContext, Output, SinkContext } from '../../definition/contexts';
import { RowComparator } from '../compare';
import { badOption } from '../recipe.error';
import type { SortKeys } from '../sort-keys';
import { TopKSelector, topK } from '../top-k';
import { readCoalesced } from './coalesced-read';
import { type FromArgs, resolveOption } from './options';
import type { RecipeCursor } from './recipe-cursor';

/** Options of a {@link TopKBuffer}. */
export interface TopKBufferOptions<A = never> {
  /** The ranking: the first `k` rows in this order are kept (`{ column, order: 'desc' }` for the largest). */
  readonly keys: FromArgs<SortKeys, A>;
  /** How many rows to keep. */
  readonly k: FromArgs<number | bigint, A>;
  /** Rows per emitted batch. Default 2048. */
  readonly targetRows?: FromArgs<number, A>;
}

/**
 * Top-k: each sink call keeps only its batch's own top `k` rows (storage holds at most
 * `k` rows per input batch), combine merges the candidates page by page into the global
 * top `k` (memory: `k` rows plus one page), and one finalize stream emits them in order.
 * Ties keep the order the candidates were stored in.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'top_k', args: TopKArgs, state: RecipeCursor })
 * class TopK {
 *   constructor(
 *     @InjectRecipe(TopKBuffer, 'top', { keys: (a: TopKArgs) => ({ column: a.by, order: 'desc' }), k: (a: TopKArgs) => a.k })
 *     private readonly top: TopKBuffer<TopKArgs>,
 *   ) {}
 *   @Process() process(batch: RecordBatch, ctx: SinkContext<TopKArgs>) { return this.top.offer(batch, ctx); }
 *   @Combine() combine(ids: Uint8Array[], ctx: SinkContext<TopKArgs>) { return this.top.combine(ids, ctx); }
 *   @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<TopKArgs>) { return this.top.emit(state, out, ctx); }
 * }
 * ```
 */
export class TopKBuffer<A = never> {
  constructor(
    private readonly storage: BoundStorage,
    readonly name: string,
    private readonly options: TopKBufferOptions<A>,
  ) {}

  private k(ctx: ExecutionContext<A>): number {
    const k = Number(resolveOption(this.options.k, ctx));
    if (!Number.isSafeInteger(k) || k < 0)
      throw badOption(`TopKBuffer "${this.name}"`, 'k', 'a whole number of at least 0', k);
    return k;
  }

  private comparator(ctx: ExecutionContext<A>): RowComparator {
    return new RowComparator(ctx.inputSchema, resolveOption(this.options.keys, ctx), `TopKBuffer "${this.name}"`);
  }

  private log(ctx: ExecutionContext<A>, part: 'candidates' | 'result'): BatchLog {
    return new BatchLog(this.storage, `${this.name}.${part}`, { schema: ctx.inputSchema });
  }

  /** Sink: stores the top `k` rows of `batch` as candidates. Returns the execution id. */
  async offer(batch: RecordBatch, ctx: SinkContext<A>): Promise<Uint8Array> {
    const best = topK(batch, this.comparator(ctx), this.k(ctx));
    if (best.numRows > 0) await this.log(ctx, 'candidates').append(best);
    return ctx.executionId;
  }

  /** Combine: the global top `k` of the candidates, stored for one finalize stream. */
  async combine(_stateIds: readonly Uint8Array[], ctx: SinkContext<A>): Promise<Uint8Array[]> {
    const candidates = this.log(ctx, 'candidates');
    const selector = new TopKSelector(ctx.inputSchema, this.comparator(ctx), this.k(ctx));
    for await (const batch of candidates.batches({ pageSize: 1 })) selector.add(batch);
    const result = this.log(ctx, 'result');
    // Idempotent: a combine that runs again replaces the result instead of adding to it.
    await result.clear();
    const best = selector.result();
    if (best.numRows > 0) await result.append(best);
    await candidates.clear();
    return [ctx.executionId];
  }

  /** Finalize, one tick: the next `targetRows` of the top rows, or the end of the stream. */
  async emit(state: RecipeCursor, out: Output, ctx: FinalizeContext<A>): Promise<void> {
    const target = resolveOption(this.options.targetRows ?? 2048, ctx);
    const batch = await readCoalesced(this.log(ctx, 'result'), state, target);
    if (batch === undefined) return out.finish();
    out.emit(batch);
  }
}
