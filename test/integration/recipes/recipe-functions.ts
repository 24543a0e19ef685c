/** Buffering functions built on each storage recipe, as a function author writes them. */
import { Field, Int32, type RecordBatch, Schema } from 'apache-arrow';
import {
  type BindContext,
  BufferingFunction,
  Combine,
  DedupBuffer,
  ExternalSort,
  Finalize,
  type FinalizeContext,
  InjectRecipe,
  Named,
  OnBind,
  type Output,
  PartitionedBuffer,
  Process,
  RecipeCursor,
  ReplayBuffer,
  type SinkContext,
  TableInput,
  TopKBuffer,
  defineModule,
  parseSortKeys,
} from '../../../src';
import { batchFromData } from '../../../src/arrow/batch-utils';
import { buildColumn } from '../../../src/arrow';

export class KeyArgs {
  @TableInput() data!: unknown;
  @Named('utf8', { default: 'k' }) key!: string;
  @Named('int64', { default: 5n }) k!: bigint;
  @Named('int64', { name: 'fan_in', default: 3n }) fanIn!: bigint;
}

/** Every batch again, regrouped into batches of 1000. */
@BufferingFunction({ name: 'replay_rows', args: KeyArgs, state: RecipeCursor })
export class ReplayRows {
  constructor(@InjectRecipe(ReplayBuffer, 'rows', { targetRows: 1000 }) private readonly rows: ReplayBuffer<KeyArgs>) {}
  @Process() process(batch: RecordBatch, ctx: SinkContext<KeyArgs>) {
    return this.rows.collect(batch, ctx);
  }
  @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<KeyArgs>) {
    return this.rows.replay(state, out, ctx);
  }
}

/** Rows hashed by key into 5 partitions, each stream tagging its rows with its partition. */
@BufferingFunction({ name: 'partition_rows', args: KeyArgs, state: RecipeCursor })
export class PartitionRows {
  constructor(
    @InjectRecipe(PartitionedBuffer, 'parts', { keys: (a: KeyArgs) => a.key, partitions: 5, targetRows: 700 })
    private readonly parts: PartitionedBuffer<KeyArgs>,
  ) {}
  @OnBind() bind(ctx: BindContext<KeyArgs>): Schema {
    return new Schema([...ctx.inputSchema.fields, new Field('stream', new Int32(), false)]);
  }
  @Process() process(batch: RecordBatch, ctx: SinkContext<KeyArgs>) {
    return this.parts.collect(batch, ctx);
  }
  @Combine() combine(stateIds: Uint8Array[], ctx: SinkContext<KeyArgs>) {
    return this.parts.combine(stateIds, ctx);
  }
  @Finalize() async finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<KeyArgs>) {
    const tagged = {
      emit: (b: RecordBatch) => out.emit(withStream(b, ctx.fullOutputSchema, this.parts.partitionOf(ctx))),
      finish: () => out.finish(),
      schema: out.schema,
    };
    return this.parts.replay(state, tagged, ctx);
  }
}

function withStream(batch: RecordBatch, schema: Schema, stream: number): RecordBatch {
  const stamp = buildColumn(new Int32(), new Array<number>(batch.numRows).fill(stream));
  return batchFromData(schema, [...batch.data.children, stamp], batch.numRows);
}

/** The external sort with a small fan-in (multi-pass merges), with options on top of the key and fan-in arguments. */
function sortFunction(name: string, options: { readonly targetRows?: number; readonly cache?: boolean }) {
  @BufferingFunction({ name, args: KeyArgs, state: RecipeCursor })
  class SortFunction {
    constructor(
      @InjectRecipe(ExternalSort, 'sorted', {
        keys: (a: KeyArgs) => parseSortKeys(a.key),
        fanIn: (a: KeyArgs) => Number(a.fanIn),
        ...options,
      })
      readonly sort: ExternalSort<KeyArgs>,
    ) {}
    @Process() process(batch: RecordBatch, ctx: SinkContext<KeyArgs>) {
      return this.sort.spill(batch, ctx);
    }
    @Combine() combine(stateIds: Uint8Array[], ctx: SinkContext<KeyArgs>) {
      return this.sort.combine(stateIds, ctx);
    }
    @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<KeyArgs>) {
      return this.sort.merge(state, out, ctx);
    }
  }
  return SortFunction;
}

/** With the per-process run cache, output in batches of 777. */
export const SortRows = sortFunction('sort_rows', { targetRows: 777 });
/** Without the cache. */
export const SortRowsUncached = sortFunction('sort_rows_uncached', { cache: false });

/** The k rows first in `key` order. */
@BufferingFunction({ name: 'top_rows', args: KeyArgs, state: RecipeCursor })
export class TopRows {
  constructor(
    @InjectRecipe(TopKBuffer, 'top', {
      keys: (a: KeyArgs) => parseSortKeys(a.key),
      k: (a: KeyArgs) => a.k,
      targetRows: 10,
    })
    private readonly top: TopKBuffer<KeyArgs>,
  ) {}
  @Process() process(batch: RecordBatch, ctx: SinkContext<KeyArgs>) {
    return this.top.offer(batch, ctx);
  }
  @Combine() combine(stateIds: Uint8Array[], ctx: SinkContext<KeyArgs>) {
    return this.top.combine(stateIds, ctx);
  }
  @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<KeyArgs>) {
    return this.top.emit(state, out, ctx);
  }
}

/** The first row of every key, in 3 partitions, emitted in batches of 100. */
@BufferingFunction({ name: 'first_rows', args: KeyArgs, state: RecipeCursor })
export class FirstRows {
  constructor(
    @InjectRecipe(DedupBuffer, 'first', { keys: (a: KeyArgs) => a.key.split(','), partitions: 3, targetRows: 100 })
    private readonly rows: DedupBuffer<KeyArgs>,
  ) {}
  @Process() process(batch: RecordBatch, ctx: SinkContext<KeyArgs>) {
    return this.rows.collect(batch, ctx);
  }
  @Combine() combine(stateIds: Uint8Array[], ctx: SinkContext<KeyArgs>) {
    return this.rows.combine(stateIds, ctx);
  }
  @Finalize() finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext<KeyArgs>) {
    return this.rows.emit(state, out, ctx);
  }
}

export const RecipeFunctionsModule = defineModule({
  name: 'recipe-functions',
  functions: [ReplayRows, PartitionRows, SortRows, SortRowsUncached, TopRows, FirstRows],
});
