import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { createTestingWorker } from 'vgi-silo/testing';
import { runFunction } from '../../../src/client';
import { ConformanceModule } from '../../../samples/conformance/conformance.module';
import { CONFORMANCE_WORKER, rowsOf, sampleInput, sharedStorageEnv } from '../client/support';

/**
 * The conformance fixtures DuckDB's suite leans on hardest, through real worker
 * processes: 4 sink processes, combine on one of them, every finalize stream on a fresh
 * process, all sharing one SQLite file.
 */
describe('Conformance fixtures through worker processes', () => {
  const { dir, env } = sharedStorageEnv('silo-conformance-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should pass 100k rows through buffer_input with 4 sink processes, losing and adding nothing', async () => {
    const input = sampleInput(100_000);
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'buffer_input',
      input,
      sinkConnections: 4,
    });
    expect(result.output.numRows).toBe(100_000);
    expect(rowsOf(result.output).sort()).toEqual(rowsOf(input).sort());
    expect(new Set(result.pids.sink).size).toBe(4);
    expect(result.pids.finalize.some((p) => result.pids.sink.includes(p))).toBe(false);
  });

  it("should emit buffer_emit_wide's 10000 rows as one batch from a fresh finalize process", async () => {
    const input = sampleInput(10);
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'buffer_emit_wide',
      input,
      args: { rows: 10_000n },
      sinkConnections: 4,
    });
    expect(result.output.numRows).toBe(10_000);
    expect(result.output.batches.map((b) => b.numRows)).toEqual([10_000]);
    expect([...result.output.getChild('n')!].slice(0, 3)).toEqual([0n, 1n, 2n]);
    expect(result.output.getChild('n')!.get(9_999)).toBe(9_999n);
  });

  it('should give sum_all_columns the same sums as the TestBed, across 4 sink processes', async () => {
    const input = sampleInput(30_000);
    const testBed = await createTestingWorker({ modules: [ConformanceModule], catalog: 'example' }).compile();
    const expected = (await testBed.run('sum_all_columns', { input, sinkConnections: 4 })).output;
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'sum_all_columns',
      input,
      sinkConnections: 4,
    });
    expect(result.outputSchema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['id:Int64', 'score:Float64']);
    expect(rowsOf(result.output)).toEqual(rowsOf(expected));
  });
});
