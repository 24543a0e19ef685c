import { Field, Float64, Int32, Int64, RecordBatch, Schema, Utf8, tableFromArrays } from 'apache-arrow';
import { OutputCollector } from '../../../src/worker/output-collector';
import { IsIn, Min } from 'class-validator';
import {
  type BindContext,
  type BoundStorage,
  BufferingFunction,
  Combine,
  EXECUTION_STORAGE,
  Finalize,
  type FinalizeContext,
  Inject,
  InitialFinalizeState,
  InvalidArgumentsError,
  MemoryStorage,
  Named,
  SqliteStorage,
  OnBind,
  OnCancel,
  type Output,
  Positional,
  Process,
  STORAGE,
  type SinkContext,
  SiloError,
  StateField,
  UserCodeError,
  batchFromColumns,
  defineModule,
  deserializeBatch,
  serializeBatch,
} from '../../../src';
import { createTestingWorker } from '../../../src/testing';

class ValueError extends Error {
  override name = 'ValueError';
}

class EmitArgs {
  @Positional(0, 'int64', { doc: 'rows to emit' }) @Min(0) rows!: bigint;
  @Named('utf8', { default: 'n' }) @IsIn(['n', 'm']) column!: string;
  @Named('bool') verbose!: boolean | null;
}

class Counter {
  @StateField('int64') next = 0n;
  @StateField('int64') end = 0n;
}

/** Emits `rows` numbers two per tick; records the ids combine saw and cancels it was told of. */
@BufferingFunction({
  name: 'emit_n',
  args: EmitArgs,
  state: Counter,
  projectionPushdown: true,
  filterPushdown: true,
  autoApplyFilters: true,
})
class EmitN {
  constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}
  @OnBind() bind(ctx: BindContext<EmitArgs>) {
    return new Schema([new Field(ctx.args.column, new Int64(), false), new Field('label', new Utf8(), true)]);
  }
  @Process() async process(batch: RecordBatch, ctx: SinkContext<EmitArgs>) {
    await this.storage.append('batch_index', '', new TextEncoder().encode(String(ctx.batchIndex)));
    return `conn-${batch.numRows}`;
  }
  @Combine() async combine(stateIds: Uint8Array[]) {
    await this.storage.put(
      'seen',
      'ids',
      new TextEncoder().encode(stateIds.map((s) => new TextDecoder().decode(s)).join(',')),
    );
    return ['a', 'b'];
  }
  @InitialFinalizeState() start(ctx: FinalizeContext<EmitArgs>) {
    const half = ctx.args.rows / 2n;
    const first = new TextDecoder().decode(ctx.finalizeStateId) === 'a';
    return Object.assign(new Counter(), { next: first ? 0n : half, end: first ? half : ctx.args.rows });
  }
  @Finalize() finalize(state: Counter, out: Output, ctx: FinalizeContext<EmitArgs>) {
    if (state.next >= state.end) return out.finish();
    const values: bigint[] = [];
    for (let i = 0; i < 2 && state.next < state.end; i++) values.push(state.next++);
    out.emit(batchFromColumns(ctx.fullOutputSchema, { [ctx.args.column]: values, label: values.map((v) => `#${v}`) }));
  }
  @OnCancel() async cancel(state: Counter, ctx: FinalizeContext) {
    await this.storage.append(
      'cancelled',
      '',
      new TextEncoder().encode(`${new TextDecoder().decode(ctx.finalizeStateId)}@${state.next}`),
    );
  }
}

/** Throws from a chosen phase. */
@BufferingFunction({ name: 'thrower', requiresInputBatchIndex: true })
class Thrower {
  @Process() process(_b: RecordBatch, ctx: SinkContext) {
    if (ctx.batchIndex === 1n) throw new ValueError('Intentional exception on batch 1');
    return new Uint8Array([1]);
  }
  @Combine() combine() {
    return [new Uint8Array([1])];
  }
  @Finalize() finalize() {
    // Neither emits nor finishes: the framework must refuse the tick.
  }
}

const modules = [defineModule({ functions: [EmitN, Thrower] })];
const input = tableFromArrays({ x: Int32Array.from({ length: 10 }, (_, i) => i) });

describe('Dispatcher lifecycle', () => {
  it('should bind arguments with defaults, run @OnBind and drain every finalize id to the end', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    const r = await worker.run('emit_n', { input, args: { rows: 5n }, chaos: true });
    expect(r.outputSchema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual([
      'n:Int64:false',
      'label:Utf8:true',
    ]);
    expect([...r.output.getChild('n')!.toArray()]).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(r.finalizeStateIds.map((f) => new TextDecoder().decode(f))).toEqual(['a', 'b']);
    expect(r.ticks).toEqual([2, 3]);
    expect(r.leaks).toEqual([]);
  });

  it('should hand combine the last state id of each sink connection, duplicates kept', async () => {
    const storage = new MemoryStorage();
    const worker = await createTestingWorker({ modules }).overrideProvider(STORAGE).useValue(storage).compile();
    // 10 rows in batches of 3 over 3 connections: connection 0 gets batches 0 and 3 (3 and 1 rows).
    const { executionId } = await worker.run('emit_n', { input, args: { rows: 0n }, sinkConnections: 3, batchSize: 3 });
    expect(executionId.length).toBe(16);
    // The destructor cleared the execution, so run the sink by hand to look at what combine saw.
    const d = worker.dispatcher;
    const bind = { functionName: 'emit_n', arguments: { positional: [1n], named: {} }, inputSchema: input.schema };
    const { outputSchema } = await d.bind(bind);
    const exec = (await d.initSink({ bind, outputSchema })).executionId;
    const ids = [
      await d.process({ functionName: 'emit_n', executionId: exec, batch: input.batches[0].slice(0, 3) }),
      await d.process({ functionName: 'emit_n', executionId: exec, batch: input.batches[0].slice(3, 6) }),
    ];
    await d.combine({ functionName: 'emit_n', executionId: exec, stateIds: ids });
    const seen = await storage.get(
      { kind: 'execution', id: exec },
      new TextEncoder().encode('seen'),
      new TextEncoder().encode('ids'),
    );
    expect(new TextDecoder().decode(seen)).toBe('conn-3,conn-3');
  });

  it('should report every argument problem, naming the argument (SILO502)', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    const run = worker.run('emit_n', { input, args: { rows: -1n, column: 'z', extra: 1 } });
    await expect(run).rejects.toBeInstanceOf(InvalidArgumentsError);
    await expect(worker.run('emit_n', { input, args: { rows: -1n, column: 'z', extra: 1 } })).rejects.toThrow(
      '[SILO502] Invalid arguments for emit_n(): unknown named argument "extra" (known: column, verbose)',
    );
    await expect(worker.run('emit_n', { input, args: { rows: -1n, column: 'z' } })).rejects.toThrow(
      '[SILO502] Invalid arguments for emit_n(): rows must not be less than 0 (got -1); column must be one of the following values: n, m (got "z")',
    );
    await expect(worker.run('emit_n', { input, args: { rows: 'five' } })).rejects.toThrow(
      '[SILO502] Invalid arguments for emit_n(): rows must be int64, got "five"',
    );
  });

  it('should narrow output to the projection and apply pushed filters before narrowing', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    const r = await worker.run('emit_n', {
      input,
      args: { rows: 6n },
      projection: ['label'],
      filters: [{ column: 'n', op: 'ge', value: 3n }],
    });
    expect(r.output.schema.fields.map((f) => f.name)).toEqual(['label']);
    expect(r.output.toArray().map((row) => row!.label)).toEqual(['#3', '#4', '#5']);
  });

  it("should keep an emitted batch's custom metadata through projection and filtering", async () => {
    const worker = await createTestingWorker({ modules }).compile();
    const d = worker.dispatcher;
    const bind = { functionName: 'emit_n', arguments: { positional: [4n], named: {} }, inputSchema: input.schema };
    const { outputSchema } = await d.bind(bind);
    const { executionId } = await d.initSink({ bind, outputSchema });
    const stream = await d.openFinalize({
      executionId,
      finalizeStateId: new TextEncoder().encode('a'),
      projectionIds: [1],
    });
    const collector = new OutputCollector('test', outputSchema, stream.outputSchema, [
      { column: 'n', op: 'ge', value: 1n },
    ]);
    const batch = batchFromColumns(outputSchema, { n: [0n, 1n], label: ['#0', '#1'] });
    collector.emit(new RecordBatch(batch.schema, batch.data, new Map([['vgi.cache.ttl', '300']])));
    const { batch: shaped } = collector.collect();
    expect(shaped!.schema.fields.map((f) => f.name)).toEqual(['label']);
    expect(shaped!.numRows).toBe(1);
    expect(shaped!.metadata.get('vgi.cache.ttl')).toBe('300');
  });

  it('should cast emitted columns to the declared type only when no value can change', () => {
    const declared = new Schema([new Field('n', new Int64(), true), new Field('x', new Float64(), true)]);
    const collect = (emitted: Schema, columns: Record<string, unknown[]>) => {
      const collector = new OutputCollector('F#finalize', declared, declared, []);
      collector.emit(batchFromColumns(emitted, columns));
      return collector.collect().batch!;
    };
    const narrow = new Schema([new Field('n', new Int32(), true), new Field('x', new Int32(), true)]);
    const cast = collect(narrow, { n: [1, null, -3], x: [7, 8, null] });
    expect(cast.schema.fields.map((f) => String(f.type))).toEqual(['Int64', 'Float64']);
    expect([...cast.getChild('n')!].map((v) => v)).toEqual([1n, null, -3n]);
    expect([...cast.getChild('x')!]).toEqual([7, 8, null]);
    const lossy = new Schema([new Field('n', new Float64(), true), new Field('x', new Int64(), true)]);
    expect(() => collect(lossy, { n: [1.5], x: [1n] })).toThrow(
      '[SILO504] F#finalize: column "n" was emitted as Float64 but the output schema declares Int64, and no lossless cast exists. Build the batch with the output schema\'s types.',
    );
  });

  it('should cancel a finalize stream early and run @OnCancel with its state', async () => {
    const storage = new MemoryStorage();
    const worker = await createTestingWorker({ modules }).overrideProvider(STORAGE).useValue(storage).compile();
    const d = worker.dispatcher;
    const bind = { functionName: 'emit_n', arguments: { positional: [10n], named: {} }, inputSchema: input.schema };
    const { outputSchema } = await d.bind(bind);
    const { executionId } = await d.initSink({ bind, outputSchema });
    const stream = await d.openFinalize({ executionId, finalizeStateId: new TextEncoder().encode('a') });
    expect((await stream.tick()).batch!.numRows).toBe(2);
    await stream.cancel();
    expect(stream.isFinished).toBe(true);
    expect(stream.context.signal.aborted).toBe(true);
    const [entry] = await storage.logScan(
      { kind: 'execution', id: executionId },
      new TextEncoder().encode('cancelled'),
      new Uint8Array(),
    );
    expect(new TextDecoder().decode(entry.value)).toBe('a@2');
    expect(await stream.tick()).toEqual({ finished: true });
  });

  it("should pass DuckDB's batch index to process and carry user exceptions with type, message and stack", async () => {
    const worker = await createTestingWorker({ modules }).compile();
    const error = await worker.run('thrower', { input, batchSize: 5, batchesPerMorsel: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserCodeError);
    const u = error as UserCodeError;
    expect([u.code, u.hook, u.exceptionType, u.exceptionMessage]).toEqual([
      'SILO501',
      'Thrower#process',
      'ValueError',
      'Intentional exception on batch 1',
    ]);
    expect(u.traceback).toContain('ValueError: Intentional exception on batch 1');
    expect(u.message).toBe('[SILO501] Thrower#process threw ValueError: Intentional exception on batch 1');
  });

  it('should refuse a tick that neither emits nor finishes (SILO504)', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    await expect(worker.run('thrower', { input, batchSize: 100 })).rejects.toThrow(
      '[SILO504] Thrower#finalize: returned without calling out.emit(batch) or out.finish(); every tick must do one of them, or DuckDB would wait forever.',
    );
  });

  it('should find the init context in shared storage when another process serves a later phase', async () => {
    const storage = new MemoryStorage();
    const a = await createTestingWorker({ modules }).overrideProvider(STORAGE).useValue(storage).compile();
    const b = await createTestingWorker({ modules }).overrideProvider(STORAGE).useValue(storage).compile();
    const bind = {
      functionName: 'emit_n',
      arguments: { positional: [4n], named: { column: 'm' } },
      inputSchema: input.schema,
    };
    const { outputSchema } = await a.dispatcher.bind(bind);
    const { executionId } = await a.dispatcher.initSink({ bind, outputSchema });
    const stream = await b.dispatcher.openFinalize({ executionId, finalizeStateId: new TextEncoder().encode('b') });
    expect(stream.context.args).toMatchObject({ rows: 4n, column: 'm', verbose: null });
    expect((await stream.tick()).batch!.getChild('m')!.toArray()).toEqual(BigInt64Array.from([2n, 3n]));
  });

  describe('executions storage does not hold', () => {
    const bind = { functionName: 'emit_n', arguments: { positional: [4n], named: {} }, inputSchema: input.schema };
    const fid = new TextEncoder().encode('a');

    async function twoWorkers(storage: MemoryStorage) {
      const a = await createTestingWorker({ modules }).overrideProvider(STORAGE).useValue(storage).compile();
      const b = await createTestingWorker({ modules }).overrideProvider(STORAGE).useValue(storage).compile();
      const { outputSchema } = await a.dispatcher.bind(bind);
      const { executionId } = await a.dispatcher.initSink({ bind, outputSchema });
      return {
        a: a.dispatcher,
        b: b.dispatcher,
        executionId,
        outputSchema,
        hex: Buffer.from(executionId).toString('hex'),
      };
    }

    it('should refuse every call on a worker that still caches an execution after another ran the destructor (SILO511), leaving no data behind', async () => {
      const storage = new MemoryStorage();
      const { a, b, executionId, hex } = await twoWorkers(storage);
      // b joins the execution (and caches it), then a runs the destructor.
      await b.process({ functionName: 'emit_n', executionId, batch: input.batches[0], batchIndex: 0n });
      await a.destroy({ executionId });
      const tombstone = await storage.scopeStatus({ kind: 'execution', id: executionId });
      expect(tombstone.state).toBe('destroyed');
      const ended = `[SILO511] Execution ${hex} has ended, so its process call was refused: its destructor ran (or it was cleaned by hand) and its data was removed; storage remembers it until ${new Date(tombstone.expiresAt!).toISOString()}. A call after the destructor belongs to a query that is over: run the query again for a new execution.`;
      await expect(
        b.process({ functionName: 'emit_n', executionId, batch: input.batches[0], batchIndex: 1n }),
      ).rejects.toThrow(ended);
      await expect(b.combine({ functionName: 'emit_n', executionId, stateIds: [] })).rejects.toThrow(
        ended.replace('process call', 'combine call'),
      );
      await expect(b.openFinalize({ executionId, finalizeStateId: fid })).rejects.toThrow(
        ended.replace('process call', 'finalize call'),
      );
      // Nothing was written and no lease was renewed: only the tombstone, unchanged.
      expect(await storage.listScopes()).toEqual([]);
      expect(await storage.scopeStatus({ kind: 'execution', id: executionId })).toEqual(tombstone);
    });

    it('should refuse a finalize for an execution that never existed (SILO510), without leasing it', async () => {
      const storage = new MemoryStorage();
      const worker = await createTestingWorker({ modules }).overrideProvider(STORAGE).useValue(storage).compile();
      const { outputSchema } = await worker.dispatcher.bind(bind);
      const unknown = new Uint8Array(16).fill(7);
      // The finalize init repeats the bind; it must not be taken for the execution.
      await expect(
        worker.dispatcher.openFinalize({ executionId: unknown, finalizeStateId: fid, bind, outputSchema }),
      ).rejects.toThrow(
        '[SILO510] Execution 07070707070707070707070707070707 is unknown to the memory storage, so its finalize call was refused: no primary sink init created it there, or it ended or was collected so long ago that its tombstone expired too. This worker uses MemoryStorage, which no other process sees: when the query runs on more than one worker process, use SqliteStorage or PostgresStorage (SILO_STORAGE) on all of them.',
      );
      await expect(worker.dispatcher.initSink({ bind, outputSchema, executionId: unknown })).rejects.toThrow(
        /^\[SILO510\] Execution 0707\w+ is unknown to the memory storage, so its sink init call was refused/,
      );
      expect(await storage.listScopes({ tombstones: true })).toEqual([]);
      await expect(worker.dispatcher.destroy({ executionId: unknown })).resolves.toBeUndefined();
    });

    it('should refuse a finalize for a destroyed execution (SILO511) and one GC collected after its lease (SILO512), renewing neither', async () => {
      let now = Date.now();
      const storage = new MemoryStorage(() => now);
      const destroyed = await twoWorkers(storage);
      await destroyed.a.destroy({ executionId: destroyed.executionId });
      await expect(
        destroyed.b.openFinalize({ executionId: destroyed.executionId, finalizeStateId: fid }),
      ).rejects.toThrow(`[SILO511] Execution ${destroyed.hex} has ended, so its finalize call was refused`);

      const idle = await twoWorkers(storage);
      await idle.b.process({
        functionName: 'emit_n',
        executionId: idle.executionId,
        batch: input.batches[0],
        batchIndex: 0n,
      });
      // Idle past its 6-hour lease: GC collects it.
      now += 7 * 60 * 60 * 1000;
      expect((await storage.collectGarbage()).scopesCollected).toBeGreaterThanOrEqual(1);
      const collected = await storage.scopeStatus({ kind: 'execution', id: idle.executionId });
      expect(collected.state).toBe('collected');
      for (const d of [idle.a, idle.b]) {
        await expect(
          d.openFinalize({
            executionId: idle.executionId,
            finalizeStateId: fid,
            bind,
            outputSchema: idle.outputSchema,
          }),
        ).rejects.toThrow(
          `[SILO512] Execution ${idle.hex} was collected by storage garbage collection, so its finalize call was refused: it was idle longer than its lease (SILO_LEASE_TTL_MS, 21600000 ms on this worker) and its data was removed. Raise SILO_LEASE_TTL_MS on every worker above the longest pause between a query's calls, then run the query again.`,
        );
      }
      expect(await storage.scopeStatus({ kind: 'execution', id: idle.executionId })).toEqual(collected);
      expect(await storage.listScopes()).toEqual([]);
    });

    it('should point at storage settings, not at MemoryStorage, when a shared backend does not know the execution (SILO510)', async () => {
      const storage = new SqliteStorage({ path: ':memory:' });
      const worker = await createTestingWorker({ modules }).overrideProvider(STORAGE).useValue(storage).compile();
      await expect(
        worker.dispatcher.combine({ functionName: 'emit_n', executionId: Uint8Array.of(0xab, 0xcd), stateIds: [] }),
      ).rejects.toThrow(
        '[SILO510] Execution abcd is unknown to the sqlite storage, so its combine call was refused: no primary sink init created it there, or it ended or was collected so long ago that its tombstone expired too. Check that every worker of the query uses the same storage (SILO_STORAGE, SILO_SQLITE_PATH, DATABASE_URL), then run the query again.',
      );
      await storage.close();
    });

    it('should refuse a call with an empty execution id, saying which id to pass (SILO510)', async () => {
      const worker = await createTestingWorker({ modules }).compile();
      await expect(
        worker.dispatcher.process({ functionName: 'emit_n', executionId: new Uint8Array(0), batch: input.batches[0] }),
      ).rejects.toThrow(
        "[SILO510] The process call names no execution: its execution id is empty, but every call after the primary sink init must carry the id that init returned. Pass the execution id of the query's primary sink init.",
      );
    });

    it('should say which function an execution belongs to when a call names another (SILO503)', async () => {
      const { b, executionId, hex } = await twoWorkers(new MemoryStorage());
      await expect(b.combine({ functionName: 'thrower', executionId, stateIds: [] })).rejects.toThrow(
        `[SILO503] Execution ${hex} belongs to emit_n, but the call names thrower. Send each call of a query to the function its primary sink init named.`,
      );
    });
  });

  it('should refuse a process batch whose schema differs from the bound input schema before user code runs (SILO513)', async () => {
    const storage = new MemoryStorage();
    const worker = await createTestingWorker({ modules }).overrideProvider(STORAGE).useValue(storage).compile();
    const bound = {
      functionName: 'emit_n',
      arguments: { positional: [4n], named: {} },
      inputSchema: new Schema([new Field('x', new Int64(), true)]),
    };
    const { outputSchema } = await worker.dispatcher.bind(bound);
    const { executionId } = await worker.dispatcher.initSink({ bind: bound, outputSchema });
    const hex = Buffer.from(executionId).toString('hex');
    const wrong = tableFromArrays({ y: ['a', 'b'] }).batches[0];
    await expect(worker.dispatcher.process({ functionName: 'emit_n', executionId, batch: wrong })).rejects.toThrow(
      `[SILO513] The process batch for emit_n (execution ${hex}) does not match the input schema bound for the query: field 0 "x": name differs (got "y"). Send batches with the bound input schema ({x Int64}), or bind the query again with the schema the batches have.`,
    );
    const narrower = tableFromArrays({ x: Int32Array.of(1) }).batches[0];
    await expect(worker.dispatcher.process({ functionName: 'emit_n', executionId, batch: narrower })).rejects.toThrow(
      'does not match the input schema bound for the query: field 0 "x": type differs (expected Int64, got Int32).',
    );
    const wider = tableFromArrays({ x: BigInt64Array.of(1n), z: Int32Array.of(2) }).batches[0];
    await expect(worker.dispatcher.process({ functionName: 'emit_n', executionId, batch: wider })).rejects.toThrow(
      'does not match the input schema bound for the query: schema: expected 1 field(s) [x], got 2 [x, z].',
    );
    // User code never ran: EmitN#process appends a batch index for every batch it sees.
    expect(
      await storage.logScan(
        { kind: 'execution', id: executionId },
        new TextEncoder().encode('batch_index'),
        new Uint8Array(0),
      ),
    ).toEqual([]);
    const right = tableFromArrays({ x: BigInt64Array.of(1n) }).batches[0];
    await expect(worker.dispatcher.process({ functionName: 'emit_n', executionId, batch: right })).resolves.toEqual(
      new TextEncoder().encode('conn-1'),
    );
  });

  it('should name registered functions when asked for an unknown one (SILO202)', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    await expect(worker.run('emit', { input })).rejects.toThrow(
      new SiloError(
        'SILO202',
        'No buffering function named "emit" is registered. Registered: main.emit_n, main.thrower. Check the name, or add the module that declares it to the worker.',
      ),
    );
  });

  it('should run nothing for empty input, as DuckDB does', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    const r = await worker.run('emit_n', { input: input.slice(0, 0), args: { rows: 3n } });
    expect([r.output.numRows, r.finalizeStateIds.length, (await worker.storage.listScopes()).length]).toEqual([
      0, 0, 0,
    ]);
  });

  it('should keep secrets sealed in storage', async () => {
    const storage = new MemoryStorage();
    const worker = await createTestingWorker({ modules }).overrideProvider(STORAGE).useValue(storage).compile();
    const bind = {
      functionName: 'emit_n',
      arguments: { positional: [1n], named: {} },
      inputSchema: input.schema,
      secrets: [{ name: 'prod', type: 's3', values: { secret: 'hunter2-very-secret' } }],
    };
    const { outputSchema } = await worker.dispatcher.bind(bind);
    const { executionId } = await worker.dispatcher.initSink({ bind, outputSchema });
    const stored = await storage.scan(
      { kind: 'execution', id: executionId },
      new TextEncoder().encode('\u0000silo:init'),
    );
    expect(stored).toHaveLength(1);
    expect(Buffer.from(stored[0].value).includes('hunter2')).toBe(false);
    // ...and readable again by a worker with the same key.
    const stream = await worker.dispatcher.openFinalize({
      executionId,
      finalizeStateId: new TextEncoder().encode('b'),
    });
    expect(stream.context.secrets.require('prod').values.secret).toBe('hunter2-very-secret');
    expect(
      deserializeBatch(serializeBatch((await stream.tick()).batch!))
        .getChild('label')!
        .get(0),
    ).toBe('#0');
  });
});
