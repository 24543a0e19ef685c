/**
 * A worker's own CPU accounting, per kind of call: how much user + system CPU time each
 * `table_buffering_process` call, each finalize tick, each catalog call … cost, measured
 * inside the process with `process.cpuUsage()`. The benchmarks read it to quote CPU per
 * call (which stays comparable on a shared machine, where wall time does not); off unless
 * `SILO_CPU_STATS` names a directory, and then cheap (two `getrusage` calls per call).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What one kind of call cost so far. */
export interface CpuBucket {
  /** How many calls of this kind were counted. */
  count: number;
  /** Their CPU time, user + system, µs. */
  cpuUs: number;
}

/** A snapshot of a worker's counters, as written to its file. */
export interface CpuStatsSnapshot {
  readonly pid: number;
  /** CPU time (user + system, µs) the process used before it served its first request. */
  readonly startupCpuUs: number;
  /** Per kind of call: `table_buffering_process`, `finalize_tick`, `init`, `catalog_catalogs` … */
  readonly calls: Readonly<Record<string, CpuBucket>>;
  /** All CPU time of the process so far, µs. */
  readonly totalCpuUs: number;
  /** Peak resident set size so far, KiB (`getrusage` maxrss). */
  readonly maxRssKb: number;
  /** When the snapshot was taken, epoch ms. */
  readonly writtenAt: number;
}

/** All CPU time of this process so far (user + system, every thread), µs. */
export const cpuNowUs = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/**
 * Attributes the process's CPU time to the calls it serves: {@link CpuStats.mark} charges
 * everything since the previous mark (reading the request, decoding, the function, writing
 * the answer) to one kind of call. A connection serves its calls one after another, so on a
 * stdio worker each call's share is exact; start-up is what came before the first mark.
 */
export class CpuStats {
  private readonly startupCpuUs: number;
  private readonly calls: Record<string, CpuBucket> = Object.create(null) as Record<string, CpuBucket>;
  private last: number;

  constructor() {
    this.startupCpuUs = cpuNowUs();
    this.last = this.startupCpuUs;
  }

  /** Charges the CPU time since the previous mark to one call of `kind`. */
  mark(kind: string): void {
    const now = cpuNowUs();
    const bucket = (this.calls[kind] ??= { count: 0, cpuUs: 0 });
    bucket.count++;
    bucket.cpuUs += now - this.last;
    this.last = now;
  }

  /** The counters so far. */
  snapshot(): CpuStatsSnapshot {
    const calls: Record<string, CpuBucket> = {};
    for (const [kind, b] of Object.entries(this.calls)) calls[kind] = { ...b };
    return {
      pid: process.pid,
      startupCpuUs: this.startupCpuUs,
      calls,
      totalCpuUs: cpuNowUs(),
      maxRssKb: process.resourceUsage().maxRSS,
      writtenAt: Date.now(),
    };
  }
}

/** How often a worker with `SILO_CPU_STATS` rewrites its file (pooled workers live across queries). */
const WRITE_INTERVAL_MS = 100;

/**
 * The counters of this process when `SILO_CPU_STATS` names a directory, else `undefined`
 * (and nothing is measured). The process then writes `silo-cpu-<pid>.json` there (a
 * {@link CpuStatsSnapshot}) every 100 ms and when it exits; a file that cannot be written
 * is reported once on stderr and the worker goes on serving.
 */
export function cpuStatsFromEnv(env: NodeJS.ProcessEnv = process.env): CpuStats | undefined {
  const dir = env.SILO_CPU_STATS?.trim();
  if (!dir) return undefined;
  const stats = new CpuStats();
  const file = join(dir, `silo-cpu-${process.pid}.json`);
  let failed = false;
  const write = (): void => {
    if (failed) return;
    try {
      mkdirSync(dir, { recursive: true });
      // Written beside and renamed over, so a reader never sees half a file.
      writeFileSync(`${file}.tmp`, JSON.stringify(stats.snapshot()));
      renameSync(`${file}.tmp`, file);
    } catch (error) {
      failed = true;
      process.stderr.write(
        `SILO_CPU_STATS: could not write ${file} (${(error as Error).message}); this worker's CPU counters are not recorded. Point SILO_CPU_STATS at a writable directory, or unset it.\n`,
      );
    }
  };
  write();
  setInterval(write, WRITE_INTERVAL_MS).unref();
  process.once('exit', write);
  return stats;
}
