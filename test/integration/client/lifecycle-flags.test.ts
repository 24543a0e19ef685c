import 'reflect-metadata';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { createTestingWorker } from 'vgi-silo/testing';
import { RunCancelledError, runFunction, WorkerExitedError } from '../../../src/client';
import { RemoteError } from '../../../src/protocol';
import { ConformanceModule } from '../../../samples/conformance/conformance.module';
import { CONFORMANCE_WORKER, rowsOf, sampleInput, sharedStorageEnv } from './support';

describe('runFunction: ordering flags, arguments, projection, cancel and failures', () => {
  const { dir, env } = sharedStorageEnv();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should run sum_all_columns with a named argument and return its client logs', async () => {
    const input = sampleInput(5_000);
    const testBed = await createTestingWorker({ modules: [ConformanceModule], catalog: 'example' }).compile();
    const expected = await testBed.run('sum_all_columns', {
      input,
      args: { logging: true },
      sinkConnections: 2,
      batchSize: 1000,
    });
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'sum_all_columns',
      input,
      args: { logging: true },
      sinkConnections: 2,
      batchSize: 1000,
    });
    expect(rowsOf(result.output)).toEqual(rowsOf(expected.output));
    // id sums 0..4999; score is a permutation of 0..4999, quartered.
    expect(rowsOf(result.output)).toEqual(['{"id":"12497500n","score":3124375}']);
    const processLogs = result.logs.filter((l) => l.phase === 'process');
    expect(processLogs.map((l) => l.message)).toEqual(
      Array.from({ length: 5 }, () => 'Processing batch with 1000 rows'),
    );
    expect(new Set(processLogs.map((l) => l.pid))).toEqual(new Set(result.pids.sink));
    expect(result.logs.filter((l) => l.phase === 'combine').map((l) => [l.message, l.pid])).toEqual([
      ['Combining 2 state_ids', result.pids.combine],
    ]);
  });

  it('should send batch indexes so batch_index_buffer_input rebuilds the input order from parallel sinks', async () => {
    const input = sampleInput(6_000);
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'batch_index_buffer_input',
      input,
      sinkConnections: 2,
      batchSize: 250,
      batchesPerMorsel: 2,
    });
    expect(result.pids.sink).toHaveLength(2);
    expect(rowsOf(result.output)).toEqual(rowsOf(input));
  });

  it('should drain ordered_source serially in combine order, reusing pooled finalize processes but never a sink process', async () => {
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'ordered_source',
      input: tableFromArrays({ x: Int32Array.of(1) }),
      finalizeProcesses: 'pooled',
    });
    expect([...result.output.getChild('v')!]).toEqual(Array.from({ length: 16 }, (_, i) => BigInt(i)));
    expect(result.ticks).toEqual(Array.from({ length: 16 }, () => 3));
    // Serial streams: the one pooled process drains every id in turn.
    expect(new Set(result.pids.finalize)).toEqual(new Set([result.pids.finalize[0]]));
    expect(result.pids.sink).not.toContain(result.pids.finalize[0]);
  });

  it('should push the projection down to echo_buffering and read its batches positionally', async () => {
    const input = sampleInput(3_000);
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'echo_buffering',
      input,
      projection: ['score', 'id'],
    });
    expect(result.output.schema.fields.map((f) => f.name)).toEqual(['score', 'id']);
    expect(rowsOf(result.output)).toEqual(rowsOf(input.select(['score', 'id'])));
  });

  it('should stop at a limit with a cancel tick: the cancel hook runs in the finalize process', async () => {
    const probe = join(dir, 'probe.txt');
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'slow_cancellable_buffering',
      input: tableFromArrays({ x: Int32Array.of(1) }),
      args: { probe_path: probe, count: 1000n, sleep_ms: 5n },
      limit: 3,
    });
    expect([...result.output.getChild('n')!]).toEqual([0n, 1n, 2n]);
    expect(result.limited).toBe(true);
    expect(readFileSync(probe, 'utf8')).toMatch(new RegExp(`^pid=${result.pids.finalize[0]} emitted=3\\b`));
  });

  it("should raise a worker's error batch with its message", async () => {
    const error = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'crash_on_finalize',
      input: sampleInput(10),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toBe(
      '[SILO407] The worker answered with ValueError: Intentional exception during finalize()',
    );
  });

  it('should report a worker that kills itself mid-call, promptly and with the call it died in', async () => {
    const started = Date.now();
    const error = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'crash_on_process',
      input: sampleInput(10),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerExitedError);
    expect((error as Error).message).toMatch(
      /^\[SILO601\] The worker pid \d+ \(node -r \S+register-ts\.js \S+main\.ts\) ended \(signal SIGKILL\) during table_buffering_process, before answering\./,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("should report the caller's abort reason whichever step notices the abort", async () => {
    const abort = new AbortController();
    abort.abort(new Error('the user pressed stop'));
    const error = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'buffer_input',
      input: sampleInput(10),
      signal: abort.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunCancelledError);
    expect((error as Error).message).toBe(
      '[SILO604] The run was cancelled (the user pressed stop); no execution had started, so nothing was left in storage.',
    );
  });

  it('should cancel a run whose process call hangs: the busy sink worker is dropped, the run ends promptly', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const running = runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'hang_on_process',
      input: sampleInput(10),
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase === 'sink') setTimeout(() => abort.abort('the test gave up'), 300);
      },
    });
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunCancelledError);
    expect((error as Error).message).toMatch(
      /^\[SILO604\] The run was cancelled \(the test gave up\); live finalize streams were cancelled and the destructor ran on worker pid \d+, ending execution [0-9a-f]{32}\.$/,
    );
    expect((error as RunCancelledError).destructor).toMatchObject({ ran: true });
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
