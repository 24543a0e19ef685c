import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuStats, cpuStatsFromEnv } from '../../../src/server/cpu-stats';

/** Burns CPU for about `ms` milliseconds of this thread's time. */
function spin(ms: number): void {
  const start = process.cpuUsage();
  let used = 0;
  while (used < ms * 1000) {
    const d = process.cpuUsage(start);
    used = d.user + d.system;
  }
}

describe('CpuStats', () => {
  it('should charge the CPU time since the previous mark to the kind of call being marked', () => {
    const stats = new CpuStats();
    spin(5);
    stats.mark('table_buffering_process');
    spin(1);
    stats.mark('finalize_tick');
    spin(1);
    stats.mark('finalize_tick');
    const { calls, totalCpuUs, startupCpuUs } = stats.snapshot();
    expect(calls.table_buffering_process.count).toBe(1);
    expect(calls.table_buffering_process.cpuUs).toBeGreaterThanOrEqual(5000);
    expect(calls.finalize_tick.count).toBe(2);
    expect(calls.finalize_tick.cpuUs).toBeGreaterThanOrEqual(2000);
    // Nothing is counted twice: start-up plus the calls never exceed the process's CPU time.
    expect(startupCpuUs + calls.table_buffering_process.cpuUs + calls.finalize_tick.cpuUs).toBeLessThanOrEqual(
      totalCpuUs,
    );
  });

  it('should give snapshots that later marks do not change', () => {
    const stats = new CpuStats();
    stats.mark('init');
    const before = stats.snapshot();
    stats.mark('init');
    expect(before.calls.init.count).toBe(1);
    expect(stats.snapshot().calls.init.count).toBe(2);
  });
});

describe('cpuStatsFromEnv', () => {
  it('should measure nothing when SILO_CPU_STATS is unset or blank', () => {
    expect(cpuStatsFromEnv({})).toBeUndefined();
    expect(cpuStatsFromEnv({ SILO_CPU_STATS: '  ' })).toBeUndefined();
  });

  it('should write the counters of this process to silo-cpu-<pid>.json in the named directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'silo-cpu-stats-'));
    try {
      const stats = cpuStatsFromEnv({ SILO_CPU_STATS: join(dir, 'nested') });
      expect(stats).toBeInstanceOf(CpuStats);
      const written = JSON.parse(readFileSync(join(dir, 'nested', `silo-cpu-${process.pid}.json`), 'utf8')) as {
        pid: number;
        maxRssKb: number;
        calls: object;
      };
      expect(written.pid).toBe(process.pid);
      expect(written.maxRssKb).toBeGreaterThan(0);
      expect(written.calls).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
