/** Turns measured runs and profiles into the Markdown of bench/RESULTS.md. */
import { type ProfileSummary } from './cpu-profile';
import { DISTINCT_KEYS, TEXT_BYTES } from './input-data';
import { type RunOutcome } from './measured-run';
import { type Options } from './options';
import { grouped, median, quantile, withSpread } from './stats';
import { BATCH_ROWS, SINK_WORKERS, type Side, type Workload } from './workloads';

/** Outcomes per workload/side, and how many runs were repeated because others disturbed them. */
export interface Measured {
  readonly runs: Map<string, RunOutcome[]>;
  readonly repeated: Map<string, number>;
}

/** The key of a workload/side pair in {@link Measured}. */
export const keyOf = (w: Workload, s: Side) => `${w.id}/${s.name}`;

/** One line per run for the console. */
export function describeOutcome(outcome: RunOutcome, rows: number): string {
  if (!outcome.ok) return `FAILED: ${outcome.error.split('\n')[0]}`;
  const p = outcome.phases;
  return (
    `${(outcome.wallMs / 1000).toFixed(2)} s, ${grouped((rows / outcome.wallMs) * 1000)} rows/s ` +
    `(start-up+discovery ${p.discoveryMs}, bind ${p.bindMs}, sink ${p.sinkMs}, combine ${p.combineMs}, finalize ${p.finalizeMs}, destructor ${p.destructorMs} ms; ` +
    `others used ${(outcome.othersCpuShare * 100).toFixed(0)} % of the machine)`
  );
}

const mb = (kb: number) => (kb / 1024).toFixed(0);
const ms = (n: number) => (Number.isNaN(n) ? 'n/a' : n < 10 ? n.toFixed(2) : n.toFixed(1));

export function tables(
  options: Options,
  measured: Measured,
  rawRowsPerSec: number,
): { main: string; phases: string; failures: string[]; notes: string[] } {
  const main = [
    '| workload | side | rows/s (median) | wall s, median (min–max) | process call ms p50 / p95 | finalize tick ms p50 / p95 | peak RSS MB: sink / finalize | × raw limit |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const phases = [
    "| workload | side | start-up + discovery | bind | sink | combine | finalize | destructor | close workers | CPU ms: workers / client | others' CPU |",
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const failures: string[] = [];
  const notes: string[] = [];
  for (const workload of options.workloads) {
    for (const side of options.sides) {
      const runs = measured.runs.get(keyOf(workload, side)) ?? [];
      const ok = runs.filter((r): r is Extract<RunOutcome, { ok: true }> => r.ok);
      for (const r of runs)
        if (!r.ok) failures.push(`- **${workload.id} ${side.label}** failed: ${r.error.split('\n').join('\n  ')}`);
      const label = `${workload.id} ${workload.title}`;
      if (ok.length === 0) {
        main.push(`| ${label} | ${side.label} | failed (${runs.length}/${runs.length} runs) | | | | | |`);
        continue;
      }
      const rowsPerSec = median(ok.map((r) => (options.rows / r.wallMs) * 1000));
      const calls = ok.flatMap((r) => r.processCallMs);
      const ticks = ok.flatMap((r) => r.tickMs);
      const failed = ok.length < runs.length ? ` (${runs.length - ok.length} of ${runs.length} runs failed)` : '';
      const repeated = measured.repeated.get(keyOf(workload, side)) ?? 0;
      if (repeated > 0)
        notes.push(
          `${workload.id} ${side.label}: ${repeated} run(s) repeated because other processes used more than ${Math.round(options.maxOthers * 100)} % of the machine.`,
        );
      main.push(
        `| ${label} | ${side.label}${failed} | ${grouped(rowsPerSec)} | ${withSpread(
          ok.map((r) => r.wallMs / 1000),
          2,
        )} | ` +
          `${ms(quantile(calls, 0.5))} / ${ms(quantile(calls, 0.95))} | ${ms(quantile(ticks, 0.5))} / ${ms(quantile(ticks, 0.95))} | ` +
          `${mb(median(ok.map((r) => r.sinkPeakKb)))} / ${mb(median(ok.map((r) => r.finalizePeakKb)))} | ${((rowsPerSec / rawRowsPerSec) * 100).toFixed(1)} % |`,
      );
      const phase = (pick: (r: (typeof ok)[number]) => number) => grouped(median(ok.map(pick)));
      phases.push(
        `| ${workload.id} | ${side.label} | ${phase((r) => r.phases.discoveryMs)} | ${phase((r) => r.phases.bindMs)} | ${phase((r) => r.phases.sinkMs)} | ` +
          `${phase((r) => r.phases.combineMs)} | ${phase((r) => r.phases.finalizeMs)} | ${phase((r) => r.phases.destructorMs)} | ${phase((r) => r.wallMs - r.phases.totalMs)} | ` +
          `${phase((r) => r.workerCpuMs)} / ${phase((r) => r.clientCpuMs)} | ${(median(ok.map((r) => r.othersCpuShare)) * 100).toFixed(0)} % |`,
      );
    }
  }
  return { main: main.join('\n'), phases: phases.join('\n'), failures, notes };
}

export function inputDescription(options: Options, ipcBytes: number): string {
  const keys = Math.min(options.rows, DISTINCT_KEYS);
  return (
    `Input: ${grouped(options.rows)} rows of \`k BIGINT\` (${grouped(keys)} distinct keys, shuffled), \`v DOUBLE\`, \`s VARCHAR\` (${TEXT_BYTES} bytes), ` +
    `${(ipcBytes / 1e6).toFixed(1)} MB as Arrow IPC in ${BATCH_ROWS}-row batches (the client's batches). ` +
    `${SINK_WORKERS} sink worker processes; combine on one of them; a fresh worker process per finalize stream, 2 streams at a time ` +
    `(the client's defaults, as DuckDB with \`pool false\`); one SQLite file (WAL) per run shared by all its workers. ` +
    `${options.reps} repetitions per workload and side after one untimed warm-up run of each, alternating which side runs first.`
  );
}

/** The profile of one role's processes: totals, top functions, components. */
export function profileTable(title: string, summary: ProfileSummary, top: number): string {
  const pct = (n: number) => `${((n / summary.busyMs) * 100).toFixed(1)} %`;
  return [
    `${title}: ${grouped(summary.totalMs)} ms sampled, ${grouped(summary.idleMs)} ms idle (waiting for I/O), **${grouped(summary.busyMs)} ms busy**, ` +
      `of which ${grouped(summary.loadingMs)} ms (${pct(summary.loadingMs)}) loading modules at start-up.`,
    '',
    '| self time, top functions (module loading excluded) | ms | % of busy |',
    '|---|---:|---:|',
    ...summary.functions.slice(0, top).map((f) => `| \`${f.name}\` | ${grouped(f.ms)} | ${pct(f.ms)} |`),
    '',
    '| self time by component | ms | % of busy |',
    '|---|---:|---:|',
    ...summary.components.slice(0, 12).map((c) => `| ${c.name} | ${grouped(c.ms)} | ${pct(c.ms)} |`),
  ].join('\n');
}
