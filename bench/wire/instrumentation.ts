/**
 * Per-call measurements `runFunction` does not report: the latency of every
 * `table_buffering_process` call and of every finalize tick, seen from the client (the
 * request's encoding, the round trip and the response's decoding, as DuckDB sees it),
 * and the peak RSS and CPU time of every worker process.
 *
 * `runFunction` builds its connections internally, so the harness wraps three public
 * methods of the client's classes for the duration of one run and restores them after.
 * Peak RSS is the kernel's high-water mark (`VmHWM` in /proc/<pid>/status) and CPU time
 * the process's user + system time (/proc/<pid>/stat), both read just before the client
 * closes each worker: they cover the process's whole life and, unlike polling, miss no
 * short peak.
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { InitStream, WorkerConnection } from '../../src/client';

/** What one run measured. */
export interface CallTimings {
  /** Milliseconds of each `table_buffering_process` call, in completion order. */
  readonly processCallMs: number[];
  /** Milliseconds of each finalize tick that returned a batch (the end-of-stream tick excluded). */
  readonly tickMs: number[];
  /** Per worker pid, for the workers that were closed normally. */
  readonly processes: Map<number, ProcessStats>;
}

/** What the kernel says about one worker process over its life so far. */
export interface ProcessStats {
  /** Peak resident set (VmHWM), kB. */
  readonly peakRssKb: number;
  /** User + system CPU time, ms. */
  readonly cpuMs: number;
}

/** Clock ticks per second of /proc/<pid>/stat times (almost always 100). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time the whole machine has spent busy so far (all cores, all processes: user,
 * nice, system, irq, softirq and steal from /proc/stat), in ms; null off Linux. The
 * difference over a run, minus the run's own processes, is what others took meanwhile.
 */
export function machineBusyMs(): number | null {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return ((user + nice + system + irq + softirq + (steal || 0)) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Peak RSS and CPU time of a live process, or null once it is gone (or off Linux). */
export function processStats(pid: number): ProcessStats | null {
  try {
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the line.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!hwm || !Number.isFinite(ticks)) return null;
    return { peakRssKb: Number(hwm[1]), cpuMs: (ticks * 1000) / CLOCK_TICKS };
  } catch {
    return null;
  }
}

/**
 * Runs `body` with the client instrumented and returns its result with the timings.
 * Not re-entrant: one measured run at a time.
 *
 * @example
 * ```ts
 * const { result, timings } = await measureCalls(() => runFunction(options));
 * ```
 */
export async function measureCalls<T>(body: () => Promise<T>): Promise<{ result: T; timings: CallTimings }> {
  const timings: CallTimings = { processCallMs: [], tickMs: [], processes: new Map() };
  const connection = WorkerConnection.prototype;
  const stream = InitStream.prototype;
  const { call, close } = connection;
  const { next } = stream;

  connection.call = async function timedCall(this: WorkerConnection, ...args: Parameters<typeof call>) {
    const started = performance.now();
    const result = await call.apply(this, args);
    if (args[0] === 'table_buffering_process') timings.processCallMs.push(performance.now() - started);
    return result;
  } as typeof call;
  connection.close = async function closeAfterReadingStats(this: WorkerConnection) {
    const pid = this.pid;
    const stats = pid === null ? null : processStats(pid);
    if (pid !== null && stats !== null) timings.processes.set(pid, stats);
    return close.call(this);
  };
  stream.next = async function timedTick(this: InitStream) {
    const started = performance.now();
    const batch = await next.call(this);
    if (batch !== null) timings.tickMs.push(performance.now() - started);
    return batch;
  };
  try {
    return { result: await body(), timings };
  } finally {
    connection.call = call;
    connection.close = close;
    stream.next = next;
  }
}
