/**
 * The TestBed and the client drive a function by the same rules (src/lifecycle): given the
 * same input and options, the same connection runs combine and combine receives the state
 * ids in the same order. Here the primary connection's first batch is slow, so the other
 * connection sinks the rest of the input and finishes first: combine must run on the
 * primary (the last to finish) and receive the other connection's last state id first.
 */
import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { createTestingWorker } from 'vgi-silo/testing';
import { runFunction } from '../../../src/client';
import { CompletionOrderModule } from '../../fixtures/lifecycle/completion-order.function';
import { REGISTER_TS, REPO, sharedStorageEnv } from '../client/support';

const WORKER = [
  process.execPath,
  '-r',
  REGISTER_TS,
  join(REPO, 'test', 'fixtures', 'lifecycle', 'completion-order-worker.ts'),
];

// Four batches of ten rows, one per morsel, over two sink connections.
const input = tableFromArrays({ x: Int32Array.from({ length: 40 }, (_, i) => i) });
// Long enough for the second worker process to boot, join and sink three batches meanwhile.
const args = { slow_ms: 3000n };
const drive = { batchSize: 10, batchesPerMorsel: 1, sinkConnections: 2 } as const;
const stateIdsOf = (output: { toArray(): { state_id: string }[] }): string[] => output.toArray().map((r) => r.state_id);

describe('one model of how DuckDB drives a buffering function', () => {
  const { dir, env } = sharedStorageEnv('silo-driver-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should combine on the same connection with the same state-id order in the TestBed and through worker processes', async () => {
    const testBed = await createTestingWorker({ modules: [CompletionOrderModule], catalog: 'lifecycle' }).compile();
    const inProcess = await testBed.run('completion_order', { input, args, ...drive, chaos: { rerun: false } });
    const overWire = await runFunction({ command: WORKER, env, function: 'completion_order', input, args, ...drive });

    // The other connection took batches 10, 20 and 30 while the primary waited on batch 0.
    expect(stateIdsOf(inProcess.output)).toEqual(['batch@30', 'batch@0']);
    expect(stateIdsOf(overWire.output)).toEqual(stateIdsOf(inProcess.output));
    expect(inProcess.stateIds.map((id) => Buffer.from(id).toString())).toEqual(['batch@30', 'batch@0']);

    // Combine ran on the primary (join order 0) in both.
    expect(inProcess.sinkConnectionsUsed).toBe(2);
    expect(inProcess.combinedOn).toBe(0);
    expect(overWire.pids.sink).toHaveLength(2);
    expect(overWire.pids.sink.indexOf(overWire.pids.combine!)).toBe(inProcess.combinedOn);
  }, 60_000);

  it('should combine on the one connection that sank everything when the input fits one morsel', async () => {
    const small = tableFromArrays({ x: Int32Array.from({ length: 15 }, (_, i) => i + 1) });
    const options = { batchSize: 10, batchesPerMorsel: 2, sinkConnections: 2 } as const;
    const testBed = await createTestingWorker({ modules: [CompletionOrderModule], catalog: 'lifecycle' }).compile();
    const inProcess = await testBed.run('completion_order', { input: small, ...options });
    const overWire = await runFunction({
      command: WORKER,
      env,
      function: 'completion_order',
      input: small,
      ...options,
    });

    expect(stateIdsOf(inProcess.output)).toEqual(['batch@11']);
    expect(stateIdsOf(overWire.output)).toEqual(['batch@11']);
    expect([inProcess.sinkConnectionsUsed, inProcess.combinedOn]).toEqual([1, 0]);
    expect(overWire.pids.sink).toEqual([overWire.pids.combine]);
  }, 60_000);
});
