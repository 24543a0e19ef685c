/**
 * K-way merge of sorted runs, page by page. Each run is an async sequence of sorted
 * batches (its pages); the merge holds one page per run and the rows of the output batch
 * it is filling, nothing more: memory is bounded by fan-in × one page + one output batch,
 * however long the runs are.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { describeSchemaDifference } from '../arrow/schema-compare';
import { type KeyedBatch, RowComparator } from './compare';
import { concatRows, gatherRows } from './gather';
import { badOption, schemaMismatch } from './recipe.error';
import type { SortKeys } from './sort-keys';

/** A sorted run: its pages, in order. */
export type SortedRun = AsyncIterable<RecordBatch> | Iterable<RecordBatch> | AsyncIterator<RecordBatch>;

/** Options of {@link KWayMerge} and {@link mergeSortedRuns}. */
export interface MergeOptions {
  /** Rows per output batch (the last one may be shorter). Default 2048. */
  readonly targetRows?: number;
  /**
   * Rows already consumed of each run's first page (when resuming a merge from
   * {@link KWayMerge.positions}): the merge starts at that row.
   */
  readonly skipRows?: readonly number[];
}

/** Where a merge is in one run: pages fully consumed since it started, and rows consumed of the current one. */
export interface RunPosition {
  readonly pagesDone: number;
  readonly row: number;
  /** True once the run has no more rows. */
  readonly exhausted: boolean;
}

function iteratorOf(run: SortedRun): AsyncIterator<RecordBatch> | Iterator<RecordBatch> {
  if (typeof (run as AsyncIterable<RecordBatch>)[Symbol.asyncIterator] === 'function')
    return (run as AsyncIterable<RecordBatch>)[Symbol.asyncIterator]();
  if (typeof (run as Iterable<RecordBatch>)[Symbol.iterator] === 'function')
    return (run as Iterable<RecordBatch>)[Symbol.iterator]();
  return run as AsyncIterator<RecordBatch>;
}

/**
 * Merges sorted runs into batches of `targetRows`, in key order; rows with equal keys
 * come in run order (run 0 first), so merging stable sorts of consecutive slices of an
 * input gives its stable sort. The runs must each be sorted by the same keys.
 *
 * @example
 * ```ts
 * const merge = new KWayMerge(schema, runs, ['k'], { targetRows: 4096 });
 * for (let out = await merge.next(); out; out = await merge.next()) emit(out);
 * ```
 */
export class KWayMerge {
  private readonly comparator: RowComparator;
  private readonly iterators: (AsyncIterator<RecordBatch> | Iterator<RecordBatch>)[];
  private readonly pages: (KeyedBatch | undefined)[];
  private readonly rows: Int32Array;
  private readonly pagesDone: Float64Array;
  private readonly heap: Int32Array;
  private heapSize = 0;
  private started = false;
  private readonly targetRows: number;

  constructor(
    readonly schema: Schema,
    runs: readonly SortedRun[],
    keys: SortKeys | RowComparator,
    private readonly options: MergeOptions = {},
  ) {
    this.targetRows = options.targetRows ?? 2048;
    if (!Number.isInteger(this.targetRows) || this.targetRows < 1)
      throw badOption('mergeSortedRuns', 'targetRows', 'a whole number of at least 1', options.targetRows);
    this.comparator = keys instanceof RowComparator ? keys : new RowComparator(schema, keys, 'mergeSortedRuns');
    this.iterators = runs.map(iteratorOf);
    this.pages = new Array<KeyedBatch | undefined>(runs.length);
    this.rows = new Int32Array(runs.length);
    this.pagesDone = new Float64Array(runs.length);
    this.heap = new Int32Array(runs.length);
  }

  /** Where the merge is in each run, after the last batch {@link next} returned. */
  positions(): RunPosition[] {
    return Array.from(this.pages, (page, r) => ({
      pagesDone: this.pagesDone[r],
      row: page ? this.rows[r] : 0,
      exhausted: this.started && page === undefined,
    }));
  }

  /** The next output batch, or `undefined` when every run is exhausted. */
  async next(): Promise<RecordBatch | undefined> {
    if (!this.started) await this.start();
    if (this.heapSize === 0) return undefined;
    const target = this.targetRows;
    const chunks: RecordBatch[] = [];
    let sources: RecordBatch[] = [];
    const slotOf = new Int32Array(this.pages.length).fill(-1);
    const sourceOf = new Uint32Array(target);
    const rowOf = new Uint32Array(target);
    let n = 0;
    let produced = 0;
    while (produced + n < target && this.heapSize > 0) {
      const r = this.heap[0];
      const page = this.pages[r]!;
      let slot = slotOf[r];
      if (slot < 0) {
        slot = sources.length;
        sources.push(page.batch);
        slotOf[r] = slot;
      }
      sourceOf[n] = slot;
      rowOf[n] = this.rows[r];
      n++;
      if (++this.rows[r] < page.batch.numRows) {
        this.siftDown(0);
        continue;
      }
      // The page is used up: copy out the rows taken so far before letting it go.
      chunks.push(gatherRows(this.schema, sources, sourceOf, rowOf, n));
      produced += n;
      n = 0;
      sources = [];
      slotOf.fill(-1);
      if (await this.advance(r)) this.siftDown(0);
      else this.pop();
    }
    if (n > 0) chunks.push(gatherRows(this.schema, sources, sourceOf, rowOf, n));
    return chunks.length === 1 ? chunks[0] : concatRows(this.schema, chunks);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RecordBatch> {
    for (let out = await this.next(); out; out = await this.next()) yield out;
  }

  private async start(): Promise<void> {
    this.started = true;
    for (let r = 0; r < this.iterators.length; r++) {
      if (!(await this.load(r))) continue;
      const skip = this.options.skipRows?.[r] ?? 0;
      this.rows[r] = skip;
      if (skip >= this.pages[r]!.batch.numRows && !(await this.advance(r))) continue;
      this.heap[this.heapSize++] = r;
    }
    for (let i = (this.heapSize >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Loads run `r`'s next non-empty page; false when the run is exhausted. */
  private async load(r: number): Promise<boolean> {
    for (;;) {
      const step = await this.iterators[r].next();
      if (step.done) {
        this.pages[r] = undefined;
        return false;
      }
      const batch = step.value;
      if (batch.schema !== this.schema) {
        const drift = describeSchemaDifference(this.schema, batch.schema);
        if (drift !== null) throw schemaMismatch(`mergeSortedRuns (run ${r})`, drift);
      }
      if (batch.numRows === 0) {
        this.pagesDone[r]++;
        continue;
      }
      this.pages[r] = this.comparator.prepare(batch);
      this.rows[r] = 0;
      return true;
    }
  }

  private advance(r: number): Promise<boolean> {
    this.pagesDone[r]++;
    return this.load(r);
  }

  private less(a: number, b: number): boolean {
    const d = this.comparator.compare(this.pages[a]!, this.rows[a], this.pages[b]!, this.rows[b]);
    return d < 0 || (d === 0 && a < b);
  }

  private pop(): void {
    this.heap[0] = this.heap[--this.heapSize];
    if (this.heapSize > 0) this.siftDown(0);
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    const size = this.heapSize;
    const item = heap[at];
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && this.less(heap[child + 1], heap[child])) child++;
      if (!this.less(heap[child], item)) break;
      heap[at] = heap[child];
      at = child;
    }
    heap[at] = item;
  }
}

/**
 * Merges sorted runs into sorted batches of `targetRows` (see {@link KWayMerge}).
 *
 * @example
 * ```ts
 * for await (const batch of mergeSortedRuns(schema, [runA, runB, runC], [{ column: 'k' }])) out.push(batch);
 * ```
 */
export function mergeSortedRuns(
  schema: Schema,
  runs: readonly SortedRun[],
  keys: SortKeys | RowComparator,
  options: MergeOptions = {},
): AsyncGenerator<RecordBatch> {
  return new KWayMerge(schema, runs, keys, options)[Symbol.asyncIterator]();
}
