import 'reflect-metadata';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFunction } from '../../../src/client';
import type { CpuStatsSnapshot } from '../../../src/server/cpu-stats';
import { CONFORMANCE_WORKER, sampleInput, sharedStorageEnv } from '../client/support';

describe('SILO_CPU_STATS in real worker processes', () => {
  const { dir, env } = sharedStorageEnv('silo-cpu-stats-');
  const statsDir = mkdtempSync(join(tmpdir(), 'silo-cpu-stats-out-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(statsDir, { recursive: true, force: true });
  });

  it('should make every worker count the CPU of its process calls and finalize ticks, one file per process', async () => {
    const input = sampleInput(10_000);
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env: { ...env, SILO_CPU_STATS: statsDir },
      function: 'buffer_input',
      input,
      sinkConnections: 1,
      batchSize: 1000,
    });
    expect(result.output.numRows).toBe(10_000);
    const files = readdirSync(statsDir).filter((f) => /^silo-cpu-\d+\.json$/.test(f));
    const snapshots = files.map((f) => JSON.parse(readFileSync(join(statsDir, f), 'utf8')) as CpuStatsSnapshot);
    const byPid = new Map(snapshots.map((s) => [s.pid, s]));

    const sink = byPid.get(result.pids.sink[0]);
    expect(sink?.calls.table_buffering_process?.count).toBe(10);
    expect(sink?.calls.table_buffering_process?.cpuUs).toBeGreaterThan(0);
    expect(sink?.startupCpuUs).toBeGreaterThan(0);

    const finalize = byPid.get(result.pids.finalize[0]);
    // The ticks the client sent: one per batch, the one that found the end, and DuckDB's extra one (answered by no tick).
    expect(finalize?.calls.finalize_tick?.count).toBe(result.ticks[0] - 1);
    expect(finalize?.calls.table_buffering_process).toBeUndefined();
    expect(finalize?.maxRssKb).toBeGreaterThan(10_000);
  });
});
