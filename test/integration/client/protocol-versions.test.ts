/**
 * Silo's client in every protocol version a worker serves: the conformance worker driven
 * through `runFunction` at 1.0.0, 1.3.0 and 2.0.0 over stdio — the same rows, the same
 * lifecycle — and a generation-A run over a unix socket; `auto` choosing vgi.v2 against a
 * Silo worker.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type RecordBatch } from 'apache-arrow';
import {
  bindArgumentsByName,
  discoverCatalog,
  findFunction,
  nullableSchema,
  type ProtocolChoice,
  runFunction,
  startUnixWorker,
} from '../../../src/client';
import { bindFunction } from '../../../src/client/run/bind-call';
import { VGI_A10_PROTOCOL } from '../../../src/protocol';
import { CONFORMANCE_WORKER, rowsOf, sampleInput, sharedStorageEnv } from './support';

describe.each<[ProtocolChoice, string]>([
  ['1.0.0', '1.0.0'],
  ['1.3.0', '1.3.0'],
  ['2.0.0', '2.0.0'],
])('runFunction at protocol %s over stdio', (choice, version) => {
  const { dir, env } = sharedStorageEnv(`silo-protocol-${choice}-`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should give back every input row through two sink processes, a fresh finalize process and the destructor', async () => {
    const input = sampleInput(5_000);
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      protocol: choice,
      function: 'buffer_input',
      input,
      sinkConnections: 2,
      batchSize: 1000,
    });
    expect(result.protocol).toBe(version);
    expect(result.functionName).toBe('example.main.buffer_input');
    expect(rowsOf(result.output).sort()).toEqual(rowsOf(input).sort());
    expect(new Set(result.pids.sink).size).toBe(2);
    expect(result.pids.finalize.some((p) => result.pids.sink.includes(p))).toBe(false);
    expect(result.pids.destructor).not.toBeNull();
  });

  it('should rebuild the input order from batch indexes sent by two sink processes', async () => {
    const input = sampleInput(2_000);
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      protocol: choice,
      function: 'batch_index_buffer_input',
      input,
      sinkConnections: 2,
      batchSize: 250,
    });
    expect(rowsOf(result.output)).toEqual(rowsOf(input));
  });
});

describe('runFunction with protocol auto', () => {
  const { dir, env } = sharedStorageEnv('silo-protocol-auto-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should speak vgi.v2 to a Silo worker, which serves it', async () => {
    const input = sampleInput(100);
    const result = await runFunction({ command: CONFORMANCE_WORKER, env, function: 'buffer_input', input });
    expect(result.protocol).toBe('2.0.0');
    expect(rowsOf(result.output)).toEqual(rowsOf(input));
  });

  it('should refuse a protocol it does not know before starting a worker, listing the ones it speaks', async () => {
    const error = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      protocol: '1.1.0' as ProtocolChoice,
      function: 'buffer_input',
      input: sampleInput(1),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^\[SILO603\] "1\.1\.0" is not a protocol version this client speaks\. Give one of auto, 2\.0\.0, vgi\.v2, 1\.3\.0, 1\.0\.0/,
    );
  });
});

describe('a generation-A run over a unix socket', () => {
  const { dir, env } = sharedStorageEnv('silo-protocol-unix-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should run buffer_input at 1.0.0 on connections of one worker process: bind, sink, combine, finalize, destructor', async () => {
    const worker = await startUnixWorker(CONFORMANCE_WORKER, join(dir, 'worker.sock'), { env });
    try {
      const [sink, finalize] = await Promise.all([
        worker.connect({ protocol: VGI_A10_PROTOCOL }),
        worker.connect({ protocol: VGI_A10_PROTOCOL }),
      ]);
      const discovery = await discoverCatalog(sink);
      expect(discovery.protocol).toBe(VGI_A10_PROTOCOL);
      const fn = findFunction(discovery, 'buffer_input');
      const input = sampleInput(300);
      const inputSchema = nullableSchema(input.schema);
      const attachOpaqueData = discovery.attach.attachOpaqueData;
      const { bindCall, response } = await bindFunction(sink, {
        fn,
        arguments: bindArgumentsByName(fn, {}),
        inputSchema,
        attachOpaqueData,
      });
      const init = { bindCall, outputSchema: response.outputSchema, bindOpaqueData: response.opaqueData };
      const stream = await sink.openInit({ ...init, phase: 'TABLE_BUFFERING' });
      await stream.completeSinkInit(inputSchema);
      const executionId = stream.header.executionId;
      const ref = { functionName: fn.name, schemaPath: fn.schemaPath, attachOpaqueData, executionId };
      const { result: stateId } = await sink.call('table_buffering_process', { ...ref, inputBatch: input.batches[0] });
      const { result: finalizeStateIds } = await sink.call('table_buffering_combine', { ...ref, stateIds: [stateId] });
      const batches: RecordBatch[] = [];
      for (const finalizeStateId of finalizeStateIds) {
        const output = await finalize.openInit({
          ...init,
          phase: 'TABLE_BUFFERING_FINALIZE',
          executionId,
          finalizeStateId,
        });
        for (let batch = await output.next(); batch !== null; batch = await output.next())
          if (batch.numRows > 0) batches.push(batch);
      }
      await finalize.call('table_buffering_destructor', ref);
      expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(300);
      await Promise.all([sink.close(), finalize.close()]);
    } finally {
      await worker.close();
    }
  });
});
