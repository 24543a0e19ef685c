/**
 * One measured run: a workload driven through Silo's client (`runFunction`) against one
 * side's workers, each run on a SQLite file of its own, with the client instrumented.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Table } from 'apache-arrow';
import { type RunFunctionResult, type RunTimings, runFunction } from '../../src/client';
import { machineBusyMs, measureCalls } from './instrumentation';
import { profileSelf } from './self-profile';
import { SINK_WORKERS, type Side, type Workload } from './workloads';

/** What one run measured, or why it failed. */
export type RunOutcome =
  | {
      readonly ok: true;
      /** From calling `runFunction` to its return (every worker started, used and closed). */
      readonly wallMs: number;
      /** The client's own per-phase timings (discovery includes the workers' start-up). */
      readonly phases: RunTimings;
      readonly processCallMs: readonly number[];
      readonly tickMs: readonly number[];
      /** Highest peak RSS (kB) among the sink processes (combine runs on one of them) and among the finalize processes. */
      readonly sinkPeakKb: number;
      readonly finalizePeakKb: number;
      /** CPU time of every worker process of the run (spares started ahead and never used included), and of the client (this process). */
      readonly workerCpuMs: number;
      readonly clientCpuMs: number;
      /**
       * CPU the rest of the machine used during the run, as a share of all cores (0..1):
       * other people's jobs on a shared machine skew the figures, and this says by how much.
       */
      readonly othersCpuShare: number;
      /** Every worker process the client closed, with its role (`spare`: started ahead for a finalize stream, never used). */
      readonly processes: readonly {
        pid: number;
        role: 'sink' | 'finalize' | 'spare';
        peakRssKb: number;
        cpuMs: number;
      }[];
      readonly pids: RunFunctionResult['pids'];
    }
  | { readonly ok: false; readonly error: string };

/** Options of one run besides its side and workload. */
export interface RunOptions {
  /** Extra arguments for the worker's node, before its script (e.g. `--cpu-prof`). */
  readonly nodeFlags?: readonly string[];
  /** Also profile the client (this process) during `runFunction`, into this `.cpuprofile` file. */
  readonly clientProfile?: string;
}

const STDERR_KEEP = 4000;

/**
 * Runs `workload` once on `side`'s workers and checks the output. Never throws: a
 * failure is returned with its reason and the workers' last stderr, so the other runs go on.
 */
export async function measuredRun(
  side: Side,
  workload: Workload,
  input: Table,
  options: RunOptions = {},
): Promise<RunOutcome> {
  const dir = mkdtempSync(join(tmpdir(), `wire-${side.name}-`));
  let stderr = '';
  try {
    const [node, ...script] = side.command(workload);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const machineBefore = machineBusyMs();
    const clientProfile = options.clientProfile;
    const run = (body: () => Promise<RunFunctionResult>) =>
      clientProfile === undefined ? body() : profileSelf(clientProfile, body);
    const { result, timings } = await measureCalls(() =>
      run(() =>
        runFunction({
          command: [node, ...(options.nodeFlags ?? []), ...script],
          env: side.env(join(dir, 'run.db')),
          function: workload.function,
          input,
          sinkConnections: SINK_WORKERS,
          onStderr: (pid, chunk) => (stderr = `${stderr}[${pid ?? '?'}] ${chunk}`.slice(-STDERR_KEEP)),
        }),
      ),
    );
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const machineAfter = machineBusyMs();
    workload.verify(input, result.output);
    const peak = (pids: readonly (number | null)[]) =>
      Math.max(0, ...pids.map((p) => (p === null ? 0 : (timings.processes.get(p)?.peakRssKb ?? 0))));
    const workerCpuMs = [...timings.processes.values()].reduce((sum, p) => sum + p.cpuMs, 0);
    const clientCpuMs = (cpu.user + cpu.system) / 1000;
    const othersMs =
      machineBefore === null || machineAfter === null ? 0 : machineAfter - machineBefore - workerCpuMs - clientCpuMs;
    return {
      ok: true,
      wallMs,
      phases: result.timings,
      processCallMs: timings.processCallMs,
      tickMs: timings.tickMs,
      sinkPeakKb: peak(result.pids.sink),
      finalizePeakKb: peak(result.pids.finalize),
      workerCpuMs,
      clientCpuMs,
      othersCpuShare: Math.max(0, othersMs) / (wallMs * cpus().length),
      processes: [...timings.processes].map(([pid, stats]) => ({
        pid,
        role: result.pids.sink.includes(pid) ? 'sink' : result.pids.finalize.includes(pid) ? 'finalize' : 'spare',
        ...stats,
      })),
      pids: result.pids,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: stderr.trim() === '' ? message : `${message}\n--- worker stderr (tail) ---\n${stderr.trim()}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
