/**
 * The request handler in-process, over in-memory streams: the paths a real DuckDB rarely
 * takes but a worker must survive — client logs around results and data, the two-pass
 * secret bind, a client that vanishes mid-stream, a sink input carrying data.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Field, Int64, type RecordBatch, Schema, Struct, Utf8 } from 'apache-arrow';
import {
  BufferingFunction,
  Combine,
  Finalize,
  Inject,
  LOGGER,
  MemoryLogger,
  MemoryStorage,
  Named,
  OnBind,
  OnCancel,
  Process,
  SEALER,
  STORAGE,
  SecretSealer,
  StateField,
  TableInput,
  bootstrapWorker,
  defineModule,
  type BindContext,
  type BindResult,
  type FinalizeContext,
  type Logger,
  type Output,
  type SiloWorker,
  type SinkContext,
} from '../../../src';
import { field, IpcStreamWriter, schemaOf, wire } from '../../../src/arrow';
import { classifyBatch, decodeInitHeader, encodeBindRequest, encodeRequest } from '../../../src/protocol';
import { RequestHandler } from '../../../src/server';
import { batchFromColumns, serializeBatch } from '../../../src/arrow/batch-utils';
import { connectInMemory, type InMemoryConnection } from '../../fixtures/wire/in-memory-connection';
import { readTickAnswer } from '../../fixtures/wire/wire-driver';

const OUT = new Schema([new Field('n', new Int64(), true)]);
const INPUT = schemaOf([field('x', wire.int64(), true)]);
const cancelled: string[] = [];

class ReaderArgs {
  @TableInput() data!: unknown;
  @Named('utf8', { default: 's3://bucket/key' }) path!: string;
}

class TickCursor {
  @StateField('int64') ticks = 0n;
}

/** Asks for an s3 secret at bind, logs in every phase, emits two rows, records cancels. */
@BufferingFunction({ name: 'scoped_reader', args: ReaderArgs, state: TickCursor })
class ScopedReaderFunction {
  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  @OnBind() bind(ctx: BindContext<ReaderArgs>): BindResult {
    const s3 = ctx.secrets.byType('s3');
    return {
      outputSchema: OUT,
      opaqueData: s3 ? new TextEncoder().encode(String(s3.values.key_id)) : undefined,
      secretLookups: s3 ? [] : [{ type: 's3', scope: ctx.args.path }],
    };
  }

  @Process() process(batch: RecordBatch, ctx: SinkContext): Uint8Array {
    this.log.info(`sunk ${batch.numRows} rows`, { rows: batch.numRows, big: 5n });
    return ctx.executionId;
  }

  @Combine() combine(_ids: Uint8Array[], ctx: SinkContext): Uint8Array[] {
    return [ctx.executionId];
  }

  @Finalize() finalize(state: TickCursor, out: Output, ctx: FinalizeContext): void {
    if (state.ticks >= 2n) return out.finish();
    this.log.warn(`tick ${state.ticks}`);
    out.emit(batchFromColumns(ctx.fullOutputSchema, { n: [state.ticks] }));
    state.ticks += 1n;
  }

  @OnCancel() cancel(state: TickCursor): void {
    cancelled.push(`after ${state.ticks}`);
  }
}

describe('RequestHandler', () => {
  let worker: SiloWorker;
  let handler: RequestHandler;

  beforeAll(async () => {
    worker = await bootstrapWorker({
      catalog: 'test',
      modules: [defineModule({ name: 'handler-test', functions: [ScopedReaderFunction] })],
      providers: [
        { provide: STORAGE, useValue: new MemoryStorage() },
        { provide: SEALER, useValue: new SecretSealer(new Uint8Array(randomBytes(32)), 'test key') },
        { provide: LOGGER, useValue: new MemoryLogger('warn') },
      ],
    });
    handler = new RequestHandler(worker);
  });

  afterAll(() => worker.close());

  const bindInput = { functionName: 'scoped_reader', inputSchema: INPUT, schemaPath: ['main'] };

  /** Binds, opens the primary sink, processes one batch, combines: returns the finalize init. */
  async function sunk(c: InMemoryConnection) {
    c.write(
      encodeRequest('init', { bindCall: encodeBindRequest(bindInput), outputSchema: OUT, phase: 'TABLE_BUFFERING' }),
    );
    const { executionId } = decodeInitHeader(await c.read()).result;
    c.write(new IpcStreamWriter(INPUT, 'sink input').end());
    await c.read();
    const processed = await c.call('table_buffering_process', {
      functionName: 'scoped_reader',
      executionId,
      inputBatch: serializeBatch(batchFromColumns(INPUT, { x: [1n, 2n] })),
    });
    const [fid] = (
      await c.call('table_buffering_combine', {
        functionName: 'scoped_reader',
        executionId,
        stateIds: [processed.result],
      })
    ).result;
    return {
      processed,
      init: {
        bindCall: encodeBindRequest(bindInput),
        outputSchema: OUT,
        phase: 'TABLE_BUFFERING_FINALIZE' as const,
        executionId,
        finalizeStateId: fid,
      },
    };
  }

  it("should ask for secrets on the first bind pass and bind on the second, as DuckDB's two-pass lookup expects", async () => {
    const c = connectInMemory(handler);
    const first = (await c.call('bind', bindInput)).result;
    expect([first.lookupSecretTypes, first.lookupScopes, first.lookupNames, first.opaqueData]).toEqual([
      ['s3'],
      ['s3://bucket/key'],
      [''],
      null,
    ]);
    const secretType = new Struct([new Field('type', new Utf8(), true), new Field('key_id', new Utf8(), true)]);
    const secrets = batchFromColumns(new Schema([new Field('my_s3', secretType, true)]), {
      my_s3: [{ type: 's3', key_id: 'AKIA' }],
    });
    const second = (await c.call('bind', { ...bindInput, secrets, resolvedSecretsProvided: true })).result;
    expect([second.lookupSecretTypes, new TextDecoder().decode(second.opaqueData!)]).toEqual([[], 'AKIA']);
    c.end();
    expect(await c.served).toBe('eof');
  });

  it('should send client logs as log batches before the result and before each data batch', async () => {
    const c = connectInMemory(handler);
    const { processed, init } = await sunk(c);
    expect(processed.logs).toEqual([{ level: 'INFO', message: 'sunk 2 rows', extra: { rows: '2', big: '5' } }]);
    c.write(encodeRequest('init', init));
    decodeInitHeader(await c.read());
    const ticks = new IpcStreamWriter(new Schema([]), 'ticks');
    c.write(ticks.write(batchFromColumns(new Schema([]), {})));
    const output = await c.framer.openStream();
    const first = await readTickAnswer(output!);
    expect([first.logs, first.batch?.numRows]).toEqual([[{ level: 'WARN', message: 'tick 0', extra: null }], 1]);
    c.end();
    expect(await c.served).toBe('eof');
  });

  it('should cancel the finalize stream when the client vanishes in the middle of it', async () => {
    cancelled.length = 0;
    const c = connectInMemory(handler);
    const { init } = await sunk(c);
    c.write(encodeRequest('init', init));
    decodeInitHeader(await c.read());
    const ticks = new IpcStreamWriter(new Schema([]), 'ticks');
    c.write(ticks.write(batchFromColumns(new Schema([]), {})));
    const output = await c.framer.openStream();
    await readTickAnswer(output!);
    c.end();
    expect(await c.served).toBe('eof');
    expect(cancelled).toEqual(['after 1']);
  });

  it('should end its output with EOS when the client closes the ticks before finishing, then serve on', async () => {
    cancelled.length = 0;
    const c = connectInMemory(handler);
    const { init } = await sunk(c);
    c.write(encodeRequest('init', init));
    decodeInitHeader(await c.read());
    c.write(new IpcStreamWriter(new Schema([]), 'ticks').end());
    const output = await c.read();
    expect([output.schema.fields.map((f) => f.name), output.batches]).toEqual([['n'], []]);
    expect(cancelled).toEqual(['after 0']);
    expect((await c.call('catalog_catalogs', {})).result.map((x) => x.name)).toEqual(['test']);
    c.end();
  });

  it('should answer a sink input stream that carries data with an error batch, and keep the connection', async () => {
    const c = connectInMemory(handler);
    c.write(
      encodeRequest('init', { bindCall: encodeBindRequest(bindInput), outputSchema: OUT, phase: 'TABLE_BUFFERING' }),
    );
    decodeInitHeader(await c.read());
    const input = new IpcStreamWriter(INPUT, 'sink input');
    c.write(input.write(batchFromColumns(INPUT, { x: [1n] })));
    const output = await c.read();
    const error = classifyBatch(output.batches[0]);
    expect(error.kind === 'error' && error.error.exceptionMessage).toMatch(
      /carried a data batch\. Close it with no batches and send each input chunk with table_buffering_process/,
    );
    c.write(input.end());
    expect((await c.call('catalog_catalogs', {})).result).toHaveLength(1);
    c.end();
  });

  it('should refuse init phases of streaming table-in-out functions', async () => {
    const c = connectInMemory(handler);
    c.write(encodeRequest('init', { bindCall: encodeBindRequest(bindInput), outputSchema: OUT, phase: 'INPUT' }));
    const refused = await c.read();
    const error = classifyBatch(refused.batches[0]);
    expect(error.kind === 'error' && error.error.exceptionMessage).toMatch(/init phase INPUT is not served/);
    expect((await c.call('catalog_catalogs', {})).result).toHaveLength(1);
    c.end();
  });
});
