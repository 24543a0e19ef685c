import { type RecordBatch, Field, Int64, Schema } from 'apache-arrow';
import {
  BatchLog,
  BatchLogCursor,
  Counter,
  InjectCollection,
  KeyValue,
  Queue,
  jsonCodec,
} from '../../../src/collections';
import { createExecutionContainer } from '../../../src/container/execution-container';
import { ATTACH_STORAGE, createToken, EXECUTION_STORAGE, TRANSACTION_STORAGE } from '../../../src/container/tokens';
import { BufferingFunction, Combine, Finalize, Injectable, Process } from '../../../src/decorators';
import { defineModule } from '../../../src/registration';
import { Secrets } from '../../../src/providers/secrets';
import { Settings } from '../../../src/providers/settings';
import { toBytes } from '../../../src/providers/storage';
import { createTestingWorker } from '../../../src/testing';
import { batchFromColumns } from '../../../src/arrow/batch-utils';
import type { Output, SinkContext } from '../../../src/definition/contexts';

const schema = new Schema([new Field('n', new Int64(), false)]);

/** Every kind, each on a storage of its own choosing. */
@Injectable()
class Holder {
  constructor(
    @InjectCollection(BatchLog, 'rows', { schema }) readonly rows: BatchLog,
    @InjectCollection(KeyValue, 'seen', { codec: jsonCodec<bigint>() }) readonly seen: KeyValue<bigint>,
    @InjectCollection(Counter, 'runs', { storage: ATTACH_STORAGE }) readonly runs: Counter,
    @InjectCollection(Queue, 'work') readonly work: Queue<string>,
    @InjectCollection(Counter, 'txn', { storage: TRANSACTION_STORAGE }) readonly txn: Counter,
  ) {}
}

@BufferingFunction({ name: 'hold_rows', state: BatchLogCursor })
class HoldRows {
  constructor(@InjectCollection(BatchLog, 'rows') private readonly rows: BatchLog) {}
  @Process() async process(batch: RecordBatch, ctx: SinkContext): Promise<Uint8Array> {
    await this.rows.append(batch);
    return ctx.executionId;
  }
  @Combine() combine(_stateIds: Uint8Array[], ctx: SinkContext): Uint8Array[] {
    return [ctx.executionId];
  }
  @Finalize() finalize(cursor: BatchLogCursor, out: Output): Promise<void> {
    return this.rows.replay(cursor, out);
  }
}

const HoldModule = defineModule({ name: 'hold', functions: [HoldRows] });

function executionOf(root: Parameters<typeof createExecutionContainer>[0], id: string, attach = 'default') {
  return createExecutionContainer(root, {
    info: {
      executionId: toBytes(id),
      functionName: 'hold_rows',
      schemaName: 'main',
      attachId: toBytes(attach),
      workerPath: 'test',
    },
    secrets: new Secrets(),
    settings: new Settings(),
    signal: new AbortController().signal,
  });
}

describe('@InjectCollection()', () => {
  it('should pass registration: the storage token is what the injection rules check', async () => {
    const worker = await createTestingWorker({ modules: [HoldModule] }).compile();
    expect(worker.registry.require('hold_rows').target).toBe(HoldRows);
  });

  it('should bind each collection to the scope of the execution whose container builds it', async () => {
    const worker = await createTestingWorker({ modules: [HoldModule] }).compile();
    const a = executionOf(worker.container, 'exec-a').resolve(Holder);
    const b = executionOf(worker.container, 'exec-b').resolve(Holder);
    const a2 = executionOf(worker.container, 'exec-a').resolve(Holder);
    await a.rows.append(batchFromColumns(schema, { n: [1n, 2n] }));
    await b.rows.append(batchFromColumns(schema, { n: [3n] }));
    await a.seen.put('k', 7n);
    await a.work.push('job');
    // Attach storage is shared by both executions of the same attach.
    await a.runs.add();
    await b.runs.add();
    expect([
      await a2.rows.rowCount(),
      await b.rows.rowCount(),
      await a2.seen.get('k'),
      await b.seen.get('k'),
      await a2.work.length(),
      await b.work.length(),
    ]).toEqual([2n, 1n, 7n, undefined, 1, 0]);
    expect([
      await a.runs.get(),
      await executionOf(worker.container, 'exec-c', 'other').resolve(Holder).runs.get(),
    ]).toEqual([2n, 0n]);
    expect(
      (await worker.storage.listScopes()).map((s) => `${s.scope.kind}:${Buffer.from(s.scope.id).toString()}`).sort(),
    ).toEqual(['attach:default', 'execution:exec-a', 'execution:exec-b']);
    // Without a DuckDB transaction, TRANSACTION_STORAGE refuses use (not construction).
    await expect(a.txn.get()).rejects.toThrow('TRANSACTION_STORAGE needs a DuckDB transaction');
    // The schema option reaches the log.
    await expect(
      a.rows.append(batchFromColumns(new Schema([new Field('m', new Int64(), false)]), { m: [1n] })),
    ).rejects.toThrow('[SILO521] BatchLog "rows"');
  });

  it("should take a storage token of the module's own", async () => {
    const OWN = createToken<unknown>('OwnStorage');
    @Injectable()
    class Own {
      constructor(@InjectCollection(Counter, 'c', { storage: OWN as never }) readonly c: Counter) {}
    }
    const own = defineModule({ name: 'own', functions: [], providers: [{ provide: OWN, useValue: 'not storage' }] });
    const worker = await createTestingWorker({ modules: [HoldModule, own] }).compile();
    expect(() => executionOf(worker.container, 'x').resolve(Own)).toThrow(
      '[SILO522] @InjectCollection(Counter, "c"): the storage token OwnStorage must provide a BoundStorage (got "not storage").',
    );
  });

  it('should refuse bad kinds, names and options when the class is declared (SILO522)', () => {
    expect(() => InjectCollection(Map as never, 'x')).toThrow(
      '[SILO522] @InjectCollection(a function Map, "x"): the kind must be BatchLog, KeyValue, Counter or Queue (got a function Map).',
    );
    expect(() => InjectCollection(BatchLog, 'bad name')).toThrow('[SILO522] BatchLog name "bad name" is not valid');
    expect(() => InjectCollection(Counter, 'c', { codec: jsonCodec() } as never)).toThrow(
      '[SILO522] @InjectCollection(Counter, "c"): a Counter takes the options storage (got codec).',
    );
    expect(() => InjectCollection(BatchLog, 'r', { schema, codec: jsonCodec() as never })).toThrow(
      '[SILO522] @InjectCollection(BatchLog, "r"): pass "schema" or "codec", not both',
    );
    expect(() => InjectCollection(Queue, 'q', { storage: 'EXECUTION_STORAGE' as never })).toThrow(
      '[SILO522] @InjectCollection(Queue, "q"): storage must be a storage token such as EXECUTION_STORAGE, ATTACH_STORAGE or TRANSACTION_STORAGE (got "EXECUTION_STORAGE").',
    );
    const decorate = InjectCollection(Queue, 'q', { storage: EXECUTION_STORAGE });
    expect(() => decorate(Holder.prototype, 'method', 0)).toThrow(
      '[SILO522] @InjectCollection(Queue, "q"): it decorates constructor parameters only (got a parameter of method method).',
    );
  });
});
