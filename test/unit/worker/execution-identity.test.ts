/**
 * The execution identity in-process, through the request handler as DuckDB drives it: a
 * transaction begun on the worker, a bind carrying its id, then sink, combine and finalize.
 * Every hook reports the same transaction id, attach id and worker path.
 */
import 'reflect-metadata';
import { type SiloWorker } from '../../../src';
import { field, IpcStreamWriter, schemaOf, wire } from '../../../src/arrow';
import {
  decodeInitHeader,
  encodeBindRequest,
  encodeRequest,
  VGI_A10_PROTOCOL,
  VGI_V2_PROTOCOL,
} from '../../../src/protocol';
import { RequestHandler } from '../../../src/server';
import { batchFromColumns, serializeBatch } from '../../../src/arrow/batch-utils';
import { IdentityModule } from '../../fixtures/identity/identity.function';
import { bootstrapInMemoryWorker } from '../../fixtures/wire/in-memory-worker';
import { connectInMemory, type InMemoryConnection } from '../../fixtures/wire/in-memory-connection';
import { readTickAnswer } from '../../fixtures/wire/wire-driver';

const INPUT = schemaOf([field('x', wire.int64(), true)]);

describe.each([
  ['1.0.0', VGI_A10_PROTOCOL],
  ['2.0.0', VGI_V2_PROTOCOL],
])('execution identity at protocol %s', (_label, protocol) => {
  let worker: SiloWorker;
  let handler: RequestHandler;

  beforeAll(async () => {
    worker = await bootstrapInMemoryWorker('identity', [IdentityModule]);
    worker.dispatcher.workerPath = 'node identity-worker.js --test';
    handler = new RequestHandler(worker);
  });

  afterAll(() => worker.close());

  /** One query of call_identity in `transaction` (or none); its rows by phase. */
  async function query(c: InMemoryConnection, attachOpaqueData: Uint8Array, transaction: Uint8Array | null) {
    const bindInput = {
      functionName: 'call_identity',
      inputSchema: INPUT,
      attachOpaqueData,
      transactionOpaqueData: transaction,
      schemaPath: ['main'],
    };
    const bound = await c.call('bind', bindInput);
    const bindCall = encodeBindRequest(bindInput, protocol);
    const outputSchema = bound.result.outputSchema;
    c.write(
      encodeRequest(
        'init',
        { bindCall, outputSchema, bindOpaqueData: bound.result.opaqueData, phase: 'TABLE_BUFFERING' },
        { wire: protocol },
      ),
    );
    const { executionId } = decodeInitHeader(await c.read()).result;
    c.write(new IpcStreamWriter(INPUT, 'sink input').end());
    await c.read();
    const processed = await c.call('table_buffering_process', {
      functionName: 'call_identity',
      executionId,
      attachOpaqueData,
      inputBatch: serializeBatch(batchFromColumns(INPUT, { x: [1n] })),
    });
    const [fid] = (
      await c.call('table_buffering_combine', {
        functionName: 'call_identity',
        executionId,
        attachOpaqueData,
        stateIds: [processed.result],
      })
    ).result;
    c.write(
      encodeRequest(
        'init',
        {
          bindCall,
          outputSchema,
          bindOpaqueData: bound.result.opaqueData,
          phase: 'TABLE_BUFFERING_FINALIZE',
          executionId,
          finalizeStateId: fid,
        },
        { wire: protocol },
      ),
    );
    decodeInitHeader(await c.read());
    const ticks = new IpcStreamWriter(schemaOf([]), 'ticks');
    c.write(ticks.write(batchFromColumns(schemaOf([]), {})));
    const output = (await c.framer.openStream())!;
    const answer = await readTickAnswer(output);
    c.write(ticks.write(batchFromColumns(schemaOf([]), {})));
    expect((await readTickAnswer(output)).batch).toBeNull();
    c.write(ticks.end());
    await c.call('table_buffering_destructor', { functionName: 'call_identity', executionId, attachOpaqueData });
    const batch = answer.batch!;
    return Array.from({ length: batch.numRows }, (_, i) => batch.get(i)!.toJSON() as Record<string, unknown>);
  }

  it('should give every hook the transaction id catalog_transaction_begin minted, the attach id and the worker path', async () => {
    const c = connectInMemory(handler, protocol);
    const { attachOpaqueData } = (await c.call('catalog_attach', { name: 'identity' })).result;
    const transaction = (await c.call('catalog_transaction_begin', { attachOpaqueData })).result!;
    const rows = await query(c, attachOpaqueData, transaction);
    expect(rows.map((r) => r.phase).sort()).toEqual([
      'bind',
      'combine',
      'finalize',
      'initial_finalize_state',
      'process',
    ]);
    for (const r of rows) {
      expect([r.transaction_id, r.attach_id, r.worker_path]).toEqual([
        Buffer.from(transaction).toString('hex'),
        Buffer.from(attachOpaqueData).toString('hex'),
        'node identity-worker.js --test',
      ]);
    }
    c.end();
  });

  it('should count into TRANSACTION_STORAGE across the queries of one transaction, and clear it at commit', async () => {
    const c = connectInMemory(handler, protocol);
    const { attachOpaqueData } = (await c.call('catalog_attach', { name: 'identity' })).result;
    const transaction = (await c.call('catalog_transaction_begin', { attachOpaqueData })).result!;
    expect((await query(c, attachOpaqueData, transaction))[0].calls_in_transaction).toBe(1n);
    expect((await query(c, attachOpaqueData, transaction))[0].calls_in_transaction).toBe(2n);
    await c.call('catalog_transaction_commit', { attachOpaqueData, transactionOpaqueData: transaction });
    expect((await query(c, attachOpaqueData, transaction))[0].calls_in_transaction).toBe(1n);
    c.end();
  });

  it('should report no transaction id, and no transaction storage, to a query bound outside a transaction', async () => {
    const c = connectInMemory(handler, protocol);
    const { attachOpaqueData } = (await c.call('catalog_attach', { name: 'identity' })).result;
    const rows = await query(c, attachOpaqueData, null);
    for (const r of rows) expect([r.transaction_id, r.calls_in_transaction]).toEqual([null, null]);
    c.end();
  });
});
