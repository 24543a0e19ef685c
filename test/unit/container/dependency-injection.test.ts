import { type RecordBatch, tableFromArrays, Field, Int64, Schema, Utf8 } from 'apache-arrow';
import {
  ABORT_SIGNAL,
  ATTACH_STORAGE,
  type BoundStorage,
  BufferingFunction,
  CLOCK,
  type Clock,
  Combine,
  EXECUTION,
  EXECUTION_STORAGE,
  type ExecutionInfo,
  Finalize,
  FixedClock,
  Inject,
  Injectable,
  LOGGER,
  type Logger,
  MemoryStorage,
  type Output,
  Process,
  SECRETS,
  SETTINGS,
  STORAGE,
  type Secrets,
  type Settings,
  type SinkContext,
  createToken,
  defineModule,
  batchFromColumns,
  OnBind,
} from '../../../src';
import { createTestingWorker } from '../../../src/testing';

const SEEN = createToken<string[]>('Seen');

@Injectable()
class Greeter {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}
  greet(): string {
    return `hello at ${this.clock.now().toISOString()}`;
  }
}

const OUT = new Schema([new Field('line', new Utf8(), true)]);

/** Writes what it was injected with, so tests can see each provider. */
@BufferingFunction({ name: 'introspect', requiredSettings: ['threads'] })
class Introspect {
  constructor(
    @Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage,
    @Inject(ATTACH_STORAGE) private readonly attach: BoundStorage,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(ABORT_SIGNAL) private readonly signal: AbortSignal,
    @Inject(EXECUTION) private readonly info: ExecutionInfo,
    @Inject(SEEN) private readonly seen: string[],
    private readonly greeter: Greeter,
  ) {}

  @OnBind() bind() {
    return OUT;
  }

  @Process() async process(batch: RecordBatch, ctx: SinkContext) {
    this.log.info(`process ${batch.numRows}`, { rows: batch.numRows });
    await this.storage.counterAdd('rows', '', batch.numRows);
    await this.attach.counterAdd('queries', '', 0);
    this.seen.push(
      `secret=${String(this.secrets.byType('s3')?.values.key_id)}`,
      `threads=${String(this.settings.get('threads'))}`,
      `aborted=${this.signal.aborted}`,
      `fn=${this.info.functionName}`,
    );
    return ctx.executionId;
  }
  @Combine() async combine(_ids: Uint8Array[], ctx: SinkContext) {
    this.log.warn('combine');
    await this.attach.counterAdd('queries', '', 1);
    return [ctx.executionId];
  }
  @Finalize() async finalize(_s: unknown, out: Output) {
    const rows = await this.storage.counterGet('rows', '');
    out.emit(batchFromColumns(OUT, { line: [`${rows} rows; ${this.greeter.greet()}`] }));
    out.finish();
  }
}

const introspectModule = defineModule({
  functions: [Introspect],
  providers: [Greeter, { provide: SEEN, useFactory: () => [] }],
});
const input = tableFromArrays({ x: Int32Array.from([1, 2, 3]) });

describe('Dependency injection', () => {
  it('should inject root providers, module services and the execution-scoped views', async () => {
    const worker = await createTestingWorker({ modules: [introspectModule] })
      .overrideProvider(CLOCK)
      .useValue(new FixedClock(new Date('2026-01-02T03:04:05Z')))
      .compile();
    // This tests what the main container injects, so every phase runs in it (no chaos).
    const result = await worker.run('introspect', {
      input,
      chaos: false,
      settings: { threads: 4n },
      secrets: [{ name: 'my_s3', type: 's3', values: { key_id: 'AKIA' } }],
    });
    expect(result.output.getChild('line')!.get(0)).toBe('3 rows; hello at 2026-01-02T03:04:05.000Z');
    expect(worker.get(SEEN)).toEqual(['secret=AKIA', 'threads=4', 'aborted=false', 'fn=introspect']);
  });

  it("should send the execution logger's records to DuckDB as client logs of the running phase", async () => {
    const worker = await createTestingWorker({ modules: [introspectModule] }).compile();
    const { logs } = await worker.run('introspect', { input, chaos: false });
    expect(logs.map((l) => [l.phase, l.level, l.message, l.fields.rows])).toEqual([
      ['process', 'info', 'process 3', 3],
      ['combine', 'warn', 'combine', undefined],
    ]);
  });

  it('should swap storage in one line', async () => {
    const mine = new MemoryStorage();
    const worker = await createTestingWorker({ modules: [introspectModule] })
      .overrideProvider(STORAGE)
      .useValue(mine)
      .compile();
    await worker.run('introspect', { input, chaos: false });
    // The attach-scoped counter outlives the query, in the storage we passed.
    expect(
      await mine.counterGet(
        { kind: 'attach', id: new TextEncoder().encode('default') },
        new TextEncoder().encode('queries'),
        new Uint8Array(),
      ),
    ).toBe(1n);
  });

  it('should isolate every compile(): own storage, own singletons', async () => {
    const a = await createTestingWorker({ modules: [introspectModule] }).compile();
    const b = await createTestingWorker({ modules: [introspectModule] }).compile();
    await a.run('introspect', { input, chaos: false });
    expect(a.storage).not.toBe(b.storage);
    expect(a.get(SEEN)).toHaveLength(4);
    expect(b.get(SEEN)).toEqual([]);
    expect((await b.storage.listScopes()).length).toBe(0);
    expect(a.get(Greeter)).not.toBe(b.get(Greeter));
    expect(a.get(Greeter)).toBe(a.get(Greeter));
  });

  it('should refuse to override a token no module provides (SILO201)', async () => {
    const UNUSED = createToken<number>('Unused');
    await expect(
      createTestingWorker({ modules: [introspectModule] })
        .overrideProvider(UNUSED)
        .useValue(1)
        .compile(),
    ).rejects.toThrow(
      "[SILO201] overrideProvider(Unused) names a token no module provides, so the override would have no effect. Provided tokens: STORAGE, LOGGER, CLOCK, SEALER, Greeter, Seen. Override one of them, or add Unused to a module's providers.",
    );
  });

  it('should override a module provider with a class or a factory', async () => {
    @Injectable()
    class LoudGreeter extends Greeter {
      override greet(): string {
        return 'HELLO';
      }
    }
    const byClass = await createTestingWorker({ modules: [introspectModule] })
      .overrideProvider(Greeter)
      .useClass(LoudGreeter)
      .compile();
    expect((await byClass.run('introspect', { input })).output.getChild('line')!.get(0)).toBe('3 rows; HELLO');
    const byFactory = await createTestingWorker({ modules: [introspectModule] })
      .overrideProvider(Greeter)
      .useFactory(() => ({ greet: () => 'made' }) as Greeter)
      .compile();
    expect((await byFactory.run('introspect', { input })).output.getChild('line')!.get(0)).toBe('3 rows; made');
  });

  it("should resolve imported modules' providers and let the importer replace them", async () => {
    const base = defineModule({ providers: [{ provide: SEEN, useValue: ['from base'] }, Greeter] });
    const app = defineModule({
      imports: [base],
      functions: [Introspect],
      providers: [{ provide: SEEN, useValue: ['from app'] }],
    });
    const worker = await createTestingWorker({ modules: [app] }).compile();
    expect(worker.get(SEEN)).toEqual(['from app']);
    expect(Int64).toBeDefined();
  });
});
