import { Field, Float64, Int32, type RecordBatch, Schema, Table, Utf8 } from 'apache-arrow';
import {
  BufferingFunction,
  DefinitionError,
  EXECUTION_STORAGE,
  type BoundStorage,
  Finalize,
  type FinalizeContext,
  Inject,
  Named,
  OnBind,
  type Output,
  Positional,
  Process,
  SiloError,
  StateField,
  batchFromColumns,
  defineModule,
  deserializeBatch,
  selectColumns,
  serializeBatch,
} from '../../../src';
import { createTestingWorker } from '../../../src/testing';

const INPUT = new Schema([
  new Field('id', new Int32(), true),
  new Field('city', new Utf8(), true),
  new Field('fare', new Float64(), true),
]);
const input = new Table(batchFromColumns(INPUT, { id: [1, 2, 3], city: ['a', 'b', 'c'], fare: [1.5, 2.5, 3.5] }));
const CITY_FARE = new Schema([new Field('city', new Utf8(), true), new Field('fare', new Float64(), true)]);
const ONLY = new Schema([new Field('column', new Utf8(), false), new Field('stream', new Utf8(), false)]);
const ROWS = new Schema([new Field('rows', new Float64(), false)]);

class PickArgs {
  @Named('bool', { default: false }) viaArrowSelect!: boolean;
}

class Emitted {
  @StateField('bool') done = false;
}

/** Emits (city, fare) of the first stored batch: with selectColumns, or with apache-arrow's select(). */
@BufferingFunction({ name: 'pick_city_fare', args: PickArgs, state: Emitted })
class PickCityFare {
  constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}
  @OnBind() bind(): Schema {
    return CITY_FARE;
  }
  @Process() async process(batch: RecordBatch): Promise<void> {
    await this.storage.append('rows', '', serializeBatch(batch));
  }
  @Finalize() async finalize(state: Emitted, out: Output, ctx: FinalizeContext<PickArgs>): Promise<void> {
    if (state.done) return out.finish();
    const [entry] = await this.storage.logScan('rows', '', { limit: 1 });
    const batch = deserializeBatch(entry.value);
    out.emit(ctx.args.viaArrowSelect ? batch.select(['city', 'fare']) : selectColumns(batch, ['city', 'fare']));
    state.done = true;
  }
}

class ColumnArgs {
  @Named('utf8', { required: true, doc: 'The column to keep' }) column!: string;
  @Named('int64') limit!: bigint | null;
}

/** No @Process() and no @Combine(): one finalize stream, whose id is the execution id. */
@BufferingFunction({ name: 'only_finalize', args: ColumnArgs, state: Emitted })
class OnlyFinalize {
  @OnBind() bind(): Schema {
    return ONLY;
  }
  @Finalize() finalize(state: Emitted, out: Output, ctx: FinalizeContext<ColumnArgs>): void {
    if (state.done) return out.finish();
    const same = Buffer.from(ctx.finalizeStateId).equals(Buffer.from(ctx.executionId));
    out.emit(batchFromColumns(ONLY, { column: [ctx.args.column], stream: [same ? 'execution id' : 'other'] }));
    state.done = true;
  }
}

/** A process that returns nothing: its state id is the execution id. */
@BufferingFunction({ name: 'void_process', state: Emitted })
class VoidProcess {
  constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}
  @OnBind() bind(): Schema {
    return ROWS;
  }
  @Process() async process(batch: RecordBatch): Promise<void> {
    await this.storage.counterAdd('rows', '', batch.numRows);
  }
  @Finalize() async finalize(state: Emitted, out: Output): Promise<void> {
    if (state.done) return out.finish();
    out.emit(batchFromColumns(ROWS, { rows: [Number(await this.storage.counterGet('rows', ''))] }));
    state.done = true;
  }
}

const modules = [defineModule({ functions: [PickCityFare, OnlyFinalize, VoidProcess] })];

async function registrationError(...functions: unknown[]): Promise<string[]> {
  const compile = createTestingWorker({ modules: [defineModule({ functions: functions as never })] }).compile();
  const error = await compile.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DefinitionError);
  return (error as DefinitionError).message
    .split('\n')
    .slice(1)
    .map((l) => l.replace(/^ {2}- /, ''));
}

describe('Hooks: own inputs first, the context last', () => {
  it('should emit the columns selectColumns picks, and refuse the inconsistent batch apache-arrow select() builds (SILO530)', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    const { output } = await worker.run('pick_city_fare', { input });
    expect(output.toArray().map((r) => r?.toJSON())).toEqual([
      { city: 'a', fare: 1.5 },
      { city: 'b', fare: 2.5 },
      { city: 'c', fare: 3.5 },
    ]);
    await expect(worker.run('pick_city_fare', { input, args: { viaArrowSelect: true } })).rejects.toThrow(
      "PickCityFare#finalize emitted: the batch's columns disagree with its schema: the schema declares 2 column(s) [city, fare] but the batch holds 3. The batch was built inconsistently; apache-arrow's RecordBatch.select() does this when the selected columns are not the leading ones. Build it with selectColumns(batch, names), batchFromColumns() or batchFromData().",
    );
  });

  it('should refuse to serialize a batch whose columns disagree with its schema (SILO530)', () => {
    const batch = input.batches[0];
    expect(() => serializeBatch(batch.select(['city', 'fare']))).toThrow(SiloError);
    expect(() => serializeBatch(batch.select(['city', 'fare']))).toThrow('[SILO530] serializeBatch: ');
    expect(
      deserializeBatch(serializeBatch(selectColumns(batch, ['fare', 'city'])))
        .getChild('city')!
        .toArray(),
    ).toEqual(['a', 'b', 'c']);
    expect(() => selectColumns(batch, ['town'])).toThrow(
      '[SILO531] selectColumns: the batch has no column "town" (columns: id, city, fare). Pick columns the batch has.',
    );
  });

  it('should run a function without @Process() and @Combine() as one finalize stream on the execution id', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    const { output, finalizeStateIds, executionId } = await worker.run('only_finalize', {
      input,
      args: { column: 'fare' },
    });
    expect(output.toArray().map((r) => r?.toJSON())).toEqual([{ column: 'fare', stream: 'execution id' }]);
    expect(finalizeStateIds).toEqual([executionId]);
  });

  it('should use the execution id as the state id of a process that returns nothing', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    const { output } = await worker.run('void_process', { input, sinkConnections: 2, batchSize: 1 });
    expect(output.getChild('rows')!.toArray()).toEqual(Float64Array.from([3]));
  });

  it('should refuse a call that omits a required named argument, naming it (SILO502)', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    await expect(worker.run('only_finalize', { input })).rejects.toThrow(
      '[SILO502] Invalid arguments for only_finalize(): column is required: pass column := <utf8>',
    );
  });

  it('should report a required argument with a default, and an initializer on an arguments class (SILO121, SILO122)', async () => {
    class Contradictory {
      // @ts-expect-error -- required and a default is a compile error too
      @Named('utf8', { required: true, default: 'x' }) column!: string;
      @Named('int64', { default: 4n }) partitions: bigint = 8n;
    }
    @BufferingFunction({ name: 'contradictory', args: Contradictory })
    class ContradictoryFunction {
      @Finalize() finalize(_state: unknown, out: Output) {
        out.finish();
      }
    }
    expect(await registrationError(ContradictoryFunction)).toEqual([
      '[SILO121] Contradictory.column: has both { required: true } and a default; a required argument is never omitted, so the default would never apply. Keep one of them.',
      '[SILO122] Contradictory.partitions: has the property initializer 8, which is never applied: arguments are built from the call, and a default lives in the decorator. Remove the initializer and pass it as @Named(type, { default: ... }).',
    ]);
  });

  it('should report, for code the compiler did not check, a property type that cannot hold the declared type (SILO120)', async () => {
    class Untyped {
      @((Positional as (p: number, t: string) => PropertyDecorator)(0, 'int64')) k!: number;
    }
    class UntypedCursor {
      @((StateField as (t: string) => PropertyDecorator)('utf8')) at: number = 0;
    }
    @BufferingFunction({ name: 'untyped', args: Untyped as never, state: UntypedCursor as never })
    class UntypedFunction {
      @Finalize() finalize(_state: unknown, out: Output) {
        out.finish();
      }
    }
    expect(await registrationError(UntypedFunction)).toEqual([
      "[SILO120] Untyped.k: is declared @Positional('int64') but its property is typed number; int64 values arrive as bigint. Type the property as bigint (or bigint | null), or change the declared type.",
      "[SILO120] UntypedCursor.at: is declared @StateField('utf8') but its property is typed number; utf8 values arrive as string. Type the property as string (or string | null), or change the declared type.",
    ]);
  });

  it('should report a hook written in the earlier (ctx, fid, state, out) order (SILO123)', async () => {
    class Cursor {
      @StateField('int64') afterId = -1n;
    }
    // Neither compiles (the decorators are typed), so they are applied untyped, as plain JavaScript would.
    const untyped = BufferingFunction as (options: object) => (target: unknown) => void;
    class OldOrder {
      @((Finalize as () => MethodDecorator)())
      finalize(_ctx: FinalizeContext, _fid: Uint8Array, _state: Cursor, out: Output) {
        out.finish();
      }
    }
    untyped({ name: 'old_order', state: Cursor })(OldOrder);
    class OldStart {
      @((Finalize as () => MethodDecorator)())
      finalize(_state: Uint8Array, out: Output) {
        out.finish();
      }
    }
    untyped({ name: 'old_start', state: Cursor })(OldStart);
    expect(await registrationError(OldOrder, OldStart)).toEqual([
      '[SILO123] OldOrder#finalize: is decorated with @Finalize() but takes 4 parameters where the hook receives 3 (state, out, ctx). Declare it as finalize(state: State, out: Output, ctx: FinalizeContext<Args>); the context is always the last parameter (ctx.finalizeStateId holds the finalize state id).',
      '[SILO123] OldStart#finalize: is decorated with @Finalize() but its parameter 1 is typed Uint8Array, where the hook receives the state (Cursor). Declare it as finalize(state: State, out: Output, ctx: FinalizeContext<Args>); the context is always the last parameter (ctx.finalizeStateId holds the finalize state id).',
    ]);
  });
});
