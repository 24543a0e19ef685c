import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { createTestingWorker } from 'vgi-silo/testing';
import { runFunction } from '../../../src/client';
import { ConformanceModule } from '../../../samples/conformance/conformance.module';
import { CONFORMANCE_WORKER, rowsOf, SAMPLES_WORKER, sampleInput, sharedStorageEnv } from './support';

describe('runFunction over the wire', () => {
  const { dir, env } = sharedStorageEnv();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const input = sampleInput(20_000);

  it('should run buffer_input with 4 sink processes and give the TestBed rows, with sink, combine and finalize in separate processes', async () => {
    const testBed = await createTestingWorker({ modules: [ConformanceModule], catalog: 'example' }).compile();
    const expected = (await testBed.run('buffer_input', { input, sinkConnections: 4 })).output;

    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'buffer_input',
      input,
      sinkConnections: 4,
    });
    expect(result.output.numRows).toBe(20_000);
    expect(rowsOf(result.output).sort()).toEqual(rowsOf(expected).sort());
    expect(result.functionName).toBe('example.main.buffer_input');

    const { sink, combine, finalize, destructor } = result.pids;
    expect(new Set(sink).size).toBe(4);
    // Combine runs on one of the sink connections (vgi-wire §5.1 step 7) ...
    expect(sink).toContain(combine);
    // ... and every finalize stream on a fresh process that never saw a sink call.
    expect(finalize).toHaveLength(result.finalizeStateIds.length);
    expect(finalize.some((p) => sink.includes(p))).toBe(false);
    expect(destructor).not.toBeNull();
    expect(result.executionId).toHaveLength(16);
    // One data batch per tick, then the tick that found the end, then DuckDB's extra tick.
    expect(result.ticks).toEqual([10 + 2]);
  });

  it('should give exactly the TestBed rows, in order, with one sink worker', async () => {
    const testBed = await createTestingWorker({ modules: [ConformanceModule], catalog: 'example' }).compile();
    const expected = (await testBed.run('buffer_input', { input, sinkConnections: 1, batchSize: 1000 })).output;
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'buffer_input',
      input,
      sinkConnections: 1,
      batchSize: 1000,
    });
    expect(rowsOf(result.output)).toEqual(rowsOf(expected));
    expect(result.pids.sink).toEqual([result.pids.combine]);
    expect(result.pids.finalize).not.toContain(result.pids.combine);
  });

  it('should run each of several finalize streams on its own fresh process (per_key_sum of the samples worker)', async () => {
    const result = await runFunction({
      command: SAMPLES_WORKER,
      env,
      function: 'per_key_sum',
      input,
      args: { key: 'name', value: 'score', partitions: 2n },
    });
    expect(result.functionName).toBe('samples.main.per_key_sum');
    expect(result.finalizeStateIds).toHaveLength(2);
    expect(new Set(result.pids.finalize).size).toBe(2);
    expect(result.pids.finalize.some((p) => result.pids.sink.includes(p))).toBe(false);
    expect(result.pids.finalize).toContain(result.pids.destructor);
    // Every non-NULL name counted once across the partitions.
    const counts = [...result.output.getChild('count')!].reduce((n: bigint, c) => n + (c as bigint), 0n);
    expect(counts).toBe(BigInt([...input.getChild('name')!].filter((v) => v !== null).length));
  });
});
