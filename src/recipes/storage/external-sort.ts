import type { RecordBatch } from 'apache-arrow';
import { BatchLog, Counter } from '../../collections';
import { type BoundStorage, bytesToText, toBytes, toHex } from '../../providers/storage';
import type { ExecutionContext, FinalizeContext, Output, SinkContext } from '../../definition/contexts';
import { RowComparator } from '../compare';
import { KWayMerge } from '../merge';
import { badOption } from '../recipe.error';
import { sortBatch } from '../sort';
import type { SortKeys } from '../sort-keys';
import { type FromArgs, resolveOption } from './options';
import type { RecipeCursor } from './recipe-cursor';

/** Options of an {@link ExternalSort}. */
export interface ExternalSortOptions<A = never> {
  /** The order: one column or several, each ascending or descending, nulls first or last. */
  readonly keys: FromArgs<SortKeys, A>;
  /**
   * Runs merged at once (default 128, at least 2). Memory of a merge is about `fanIn`
   * stored batches plus one output batch; combine merges groups of `fanIn` runs until at
   * most `fanIn` are left, which the finalize stream merges.
   */
  readonly fanIn?: FromArgs<number, A>;
  /** Rows per emitted batch and per stored page of a merged run. Default 2048. */
  readonly targetRows?: FromArgs<number, A>;
  /**
   * Keep an open merge in the process between ticks of its stream (default true). Only
   * an optimisation: each tick checks the cached merge is at the state's position, and
   * rebuilds it from the state otherwise (another process, a restart, a cache miss).
   */
  readonly cache?: boolean;
}

/** The runs the finalize stream merges, named by the finalize state id. */
interface Plan {
  readonly level: number;
  readonly count: number;
}

const PLAN_PREFIX = 'sorted:';
const EXHAUSTED = 'x';

/** A run being read, remembering the ids of the pages it handed out (positions are ids). */
class RunReader {
  private readonly ids: bigint[] = [];

  constructor(
    private readonly log: BatchLog,
    private readonly start: bigint,
  ) {}

  async *pages(): AsyncGenerator<RecordBatch> {
    for await (const { id, batch } of this.log.entries({ afterId: this.start, pageSize: 1 })) {
      this.ids.push(id);
      yield batch;
    }
  }

  /** The id of the last page of the first `pagesDone`. */
  afterIdAt(pagesDone: number): bigint {
    return pagesDone === 0 ? this.start : this.ids[pagesDone - 1];
  }
}

/** A merge of a finalize stream, open between ticks. */
interface OpenMerge {
  readonly merge: KWayMerge;
  /** Which stored run each merged run is (exhausted runs are left out). */
  readonly runOf: readonly number[];
  readonly readers: readonly RunReader[];
  readonly count: number;
  /** The state's `positions` the merge is at. */
  positions: string;
}

/** Open merges of this process, newest last; a few at most. */
const openMerges = new Map<string, OpenMerge>();
const MAX_OPEN_MERGES = 4;

/**
 * External sort with bounded memory. The sink sorts each batch and stores it as a run;
 * combine merges runs in groups of `fanIn` (page by page, each merged run stored again)
 * until at most `fanIn` runs are left; the finalize stream merges those, one output batch
 * per tick. No phase holds more than `fanIn` stored batches and one output batch, however
 * large the input. The merge position travels in the finalize state ({@link RecipeCursor}),
 * so every tick may run in another process. Equal keys keep the order their runs were
 * stored in.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'external_sort', args: SortArgs, state: RecipeCursor })
 * class ExternalSortFunction {
 *   constructor(@InjectRecipe(ExternalSort, 'sorted', { keys: (a: SortArgs) => a.by }) private readonly sort: ExternalSort<SortArgs>) {}
 *   @Process() process(batch: RecordBatch, ctx: SinkContext<SortArgs>) { return this.sort.spill(batch, ctx); }
 *   @Combine() combine(ids: Uint8Array[], ctx: SinkContext<SortArgs>) { return this.sort.combine(ids, ctx); }
 *   @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<SortArgs>) { return this.sort.merge(state, out, ctx); }
 * }
 * ```
 */
export class ExternalSort<A = never> {
  constructor(
    private readonly storage: BoundStorage,
    readonly name: string,
    private readonly options: ExternalSortOptions<A>,
  ) {}

  private comparator(ctx: ExecutionContext<A>): RowComparator {
    return new RowComparator(ctx.inputSchema, resolveOption(this.options.keys, ctx), `ExternalSort "${this.name}"`);
  }

  private fanIn(ctx: ExecutionContext<A>): number {
    const n = resolveOption(this.options.fanIn ?? 128, ctx);
    if (!Number.isSafeInteger(n) || n < 2 || n > 4096)
      throw badOption(`ExternalSort "${this.name}"`, 'fanIn', 'a whole number from 2 to 4096', n);
    return n;
  }

  private targetRows(ctx: ExecutionContext<A>): number {
    const n = resolveOption(this.options.targetRows ?? 2048, ctx);
    if (!Number.isSafeInteger(n) || n < 1)
      throw badOption(`ExternalSort "${this.name}"`, 'targetRows', 'a whole number of at least 1', n);
    return n;
  }

  private run(ctx: ExecutionContext<A>, level: number, index: number): BatchLog {
    return new BatchLog(this.storage, `${this.name}.runs`, { schema: ctx.inputSchema }).partition(`${level}:${index}`);
  }

  /** Sink: sorts `batch` and stores it as a new run. Returns the execution id. */
  async spill(batch: RecordBatch, ctx: SinkContext<A>): Promise<Uint8Array> {
    const sorted = sortBatch(batch, this.comparator(ctx));
    if (sorted.numRows === 0) return ctx.executionId;
    // Run numbers come from one atomic counter, so sink processes never pick the same one.
    const index = Number(await new Counter(this.storage, `${this.name}.runs`).add(1)) - 1;
    await this.run(ctx, 0, index).append(sorted);
    return ctx.executionId;
  }

  /** Combine: merges groups of `fanIn` runs until at most `fanIn` are left; one finalize stream. */
  async combine(_stateIds: readonly Uint8Array[], ctx: SinkContext<A>): Promise<Uint8Array[]> {
    const comparator = this.comparator(ctx);
    const fanIn = this.fanIn(ctx);
    const targetRows = this.targetRows(ctx);
    let level = 0;
    let count = Number(await new Counter(this.storage, `${this.name}.runs`).get());
    while (count > fanIn) {
      const groups = Math.ceil(count / fanIn);
      for (let g = 0; g < groups; g++) {
        const members = Array.from({ length: Math.min(fanIn, count - g * fanIn) }, (_, i) =>
          this.run(ctx, level, g * fanIn + i),
        );
        const merge = new KWayMerge(
          ctx.inputSchema,
          members.map((run) => run.batches({ pageSize: 1 })),
          comparator,
          { targetRows },
        );
        const merged = this.run(ctx, level + 1, g);
        await merged.clear();
        await merged.appendAll(merge);
        for (const run of members) await run.clear();
      }
      level++;
      count = groups;
    }
    return [toBytes(`${PLAN_PREFIX}${level}:${count}`)];
  }

  /** Finalize, one tick: the next `targetRows` rows in order, or the end of the stream. */
  async merge(state: RecipeCursor, out: Output, ctx: FinalizeContext<A>): Promise<void> {
    const plan = this.plan(ctx);
    const key = `${this.name}/${toHex(ctx.executionId)}/${toHex(ctx.finalizeStateId)}`;
    const cached = this.options.cache === false ? undefined : openMerges.get(key);
    const open = cached && cached.positions === state.positions ? cached : this.open(plan, state.positions, ctx);
    openMerges.delete(key);
    const batch = await open.merge.next();
    if (batch === undefined) {
      state.positions = Array.from({ length: plan.count }, () => EXHAUSTED).join(',');
      return out.finish();
    }
    state.positions = this.positionsOf(open);
    open.positions = state.positions;
    if (this.options.cache !== false) {
      openMerges.set(key, open);
      for (const old of openMerges.keys()) if (openMerges.size > MAX_OPEN_MERGES) openMerges.delete(old);
    }
    out.emit(batch);
  }

  /** Drops this stream's open merge, if this process holds one (call it from `@OnCancel()`). */
  cancel(ctx: FinalizeContext<A>): void {
    openMerges.delete(`${this.name}/${toHex(ctx.executionId)}/${toHex(ctx.finalizeStateId)}`);
  }

  private plan(ctx: FinalizeContext<A>): Plan {
    const id = bytesToText(ctx.finalizeStateId);
    const m = /^sorted:(\d+):(\d+)$/.exec(id);
    if (m === null)
      throw badOption(
        `ExternalSort "${this.name}"`,
        'the finalize state id',
        `the one combine() returned ("${PLAN_PREFIX}<level>:<runs>")`,
        JSON.stringify(id),
      );
    return { level: Number(m[1]), count: Number(m[2]) };
  }

  /** A merge at `positions` (rebuilt from storage: reads one page of every run left). */
  private open(plan: Plan, positions: string, ctx: FinalizeContext<A>): OpenMerge {
    const parsed = positions === '' ? Array.from({ length: plan.count }, () => '-1:0') : positions.split(',');
    if (parsed.length !== plan.count)
      throw badOption(
        `ExternalSort "${this.name}"`,
        'the finalize state',
        `positions of ${plan.count} runs`,
        `${parsed.length} positions`,
      );
    const runOf: number[] = [];
    const readers: RunReader[] = [];
    const skipRows: number[] = [];
    parsed.forEach((p, r) => {
      if (p === EXHAUSTED) return;
      const [afterId, row] = p.split(':');
      runOf.push(r);
      readers.push(new RunReader(this.run(ctx, plan.level, r), BigInt(afterId)));
      skipRows.push(Number(row));
    });
    const merge = new KWayMerge(
      ctx.inputSchema,
      readers.map((reader) => reader.pages()),
      this.comparator(ctx),
      { targetRows: this.targetRows(ctx), skipRows },
    );
    return { merge, runOf, readers, count: plan.count, positions };
  }

  private positionsOf(open: OpenMerge): string {
    const out = Array.from({ length: open.count }, () => EXHAUSTED);
    open.merge.positions().forEach((p, j) => {
      if (!p.exhausted) out[open.runOf[j]] = `${open.readers[j].afterIdAt(p.pagesDone)}:${p.row}`;
    });
    return out.join(',');
  }
}
