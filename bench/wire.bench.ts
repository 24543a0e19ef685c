/**
 * Wire benchmark: buffering workloads driven end to end through Silo's own client
 * (`runFunction`: real worker processes, 2 sink connections, a fresh process per
 * finalize stream, shared SQLite storage) against (a) Silo's workers and (b) the same
 * functions written on the vendor's SDK (`bench/vendor-worker/`), alternating, several
 * repetitions; plus the raw limit (the same Arrow IPC bytes piped through a pass-through
 * child process).
 *
 *   npm run bench -- [options]      (builds into dist/, then runs dist/bench/wire.bench.js)
 *
 * (`node -r ./test/support/register-ts.js bench/wire.bench.ts [options]` runs the harness
 * from source; the workers always run built, from dist/, so build first either way.)
 *
 * Options:
 *   --rows N          input rows (default 1000000)
 *   --reps N          repetitions of each workload and side (default 3)
 *   --workloads W1,W3 which workloads (default all)
 *   --sides silo      which sides (default silo,vendor)
 *   --max-others P    repeat (up to 3 times) a run during which other processes used more
 *                     than P % of the machine's CPU (default 20; shared machines are noisy)
 *   --snapshot        start Silo's workers from a start-up snapshot of their entry
 *                     (`silo snapshot`, needs esbuild); the vendor's start as they are
 *   --profile         instead of timing: run W1 (or --workloads) once per side with every
 *                     worker under `node --cpu-prof`, and summarize self time per function
 *   --write           write the result into the "## Wire" section of bench/RESULTS.md
 *
 * Per-run details go to bench/out/wire-<time>.json (not committed).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { summarizeProfiles } from './wire/cpu-profile';
import { inputAsIpc, makeInput } from './wire/input-data';
import { measuredRun } from './wire/measured-run';
import { commandLine, type Options, parseOptions } from './wire/options';
import { pipeThroughMs } from './wire/raw-limit';
import { type Measured, describeOutcome, inputDescription, keyOf, profileTable, tables } from './wire/report';
import { machine } from './results-md';
import { writeBlock } from './wire/results-file';
import { startUpMs } from './wire/start-up';
import { grouped, median, withSpread } from './wire/stats';
import { BATCH_ROWS, type SideName, assertBuilt } from './wire/workloads';

/** The repository root: the harness runs from bench/ or from dist/bench/. */
function repoRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench', 'vendor-worker'))) return dir;
  }
  throw new Error(`cannot find the repository root above ${__dirname}`);
}

/** How many times a disturbed run is repeated before it is kept anyway. */
const DISTURBED_RETRIES = 3;

interface Baselines {
  readonly rawMs: number[];
  readonly ipcBytes: number;
  /** Start-up per distinct worker command, labelled. */
  readonly startUpMs: Map<string, number[]>;
}

async function baselines(options: Options, input: ReturnType<typeof makeInput>): Promise<Baselines> {
  const ipc = inputAsIpc(input, BATCH_ROWS);
  const rawMs: number[] = [];
  for (let rep = 0; rep < options.reps; rep++) rawMs.push(await pipeThroughMs(ipc));
  console.log(
    `raw limit: ${(ipc.length / 1e6).toFixed(1)} MB through a pass-through child in ${withSpread(rawMs, 1)} ms`,
  );
  const startUp = new Map<string, number[]>();
  for (const side of options.sides) {
    for (const workload of options.workloads) {
      const command = side.command(workload);
      const label = `${side.label} (${command
        .slice(1)
        .map((a) => a.split('/').slice(-2).join('/'))
        .join(' ')})`;
      if (startUp.has(label)) continue;
      const times: number[] = [];
      for (let rep = 0; rep < options.reps; rep++) times.push(await startUpMs(command, side.env));
      startUp.set(label, times);
      console.log(`start-up of ${label}: ${withSpread(times, 0)} ms`);
    }
  }
  return { rawMs, ipcBytes: ipc.length, startUpMs: startUp };
}

async function timeAll(options: Options, input: ReturnType<typeof makeInput>): Promise<Measured> {
  // One small untimed run per workload and side first: the first process start after a
  // build reads every module from disk, which would penalize whichever side runs first.
  const warmUp = makeInput(2 * BATCH_ROWS);
  for (const workload of options.workloads) {
    for (const side of options.sides) {
      const outcome = await measuredRun(side, workload, warmUp);
      if (!outcome.ok) console.log(`warm-up ${workload.id} ${side.label} failed: ${outcome.error}`);
    }
  }

  const measured: Measured = { runs: new Map(), repeated: new Map() };
  for (let rep = 0; rep < options.reps; rep++) {
    for (const workload of options.workloads) {
      // Alternate which side goes first, so neither always runs on a warmer (or more tired) machine.
      const order = rep % 2 === 0 ? options.sides : [...options.sides].reverse();
      for (const side of order) {
        let outcome = await measuredRun(side, workload, input);
        // On a shared machine, a run during which others took a large share of the CPU
        // measures them as much as us: run it again, a bounded number of times.
        for (
          let retry = 1;
          outcome.ok && outcome.othersCpuShare > options.maxOthers && retry <= DISTURBED_RETRIES;
          retry++
        ) {
          console.log(
            `rep ${rep + 1}/${options.reps} ${workload.id} ${side.label}: disturbed, running again: ${describeOutcome(outcome, options.rows)}`,
          );
          measured.repeated.set(keyOf(workload, side), (measured.repeated.get(keyOf(workload, side)) ?? 0) + 1);
          outcome = await measuredRun(side, workload, input);
        }
        const runs = measured.runs.get(keyOf(workload, side)) ?? [];
        runs.push(outcome);
        measured.runs.set(keyOf(workload, side), runs);
        console.log(
          `rep ${rep + 1}/${options.reps} ${workload.id} ${side.label}: ${describeOutcome(outcome, options.rows)}`,
        );
        if (!outcome.ok) console.log(outcome.error);
      }
    }
  }
  return measured;
}

async function runTimings(options: Options, root: string): Promise<void> {
  // Before anything runs, so `uptime` shows the load others put on the machine, not ours.
  const host = machine();
  const input = makeInput(options.rows);
  const { rawMs, ipcBytes, startUpMs: startUp } = await baselines(options, input);
  const measured = await timeAll(options, input);
  const rawRowsPerSec = (options.rows / median(rawMs)) * 1000;
  const { main, phases, failures, notes } = tables(options, measured, rawRowsPerSec);
  const block = [
    `Measured ${new Date().toISOString().slice(0, 10)} on (\`uptime\` taken before the run):`,
    '',
    host,
    '',
    `Command: \`${commandLine(options)}\``,
    '',
    inputDescription(options, ipcBytes),
    '',
    `Raw limit: the same IPC bytes piped through a pass-through Node child (\`process.stdin.pipe(process.stdout)\`, start-up excluded): ` +
      `${withSpread(rawMs, 1)} ms, **${grouped(rawRowsPerSec)} rows/s** (${((ipcBytes / 1e6 / median(rawMs)) * 1000).toFixed(0)} MB/s). ` +
      `"× raw limit" is a workload's rows/s as a fraction of it.`,
    '',
    `Worker start-up, from spawn to the answer to its first request (\`catalog_catalogs\`), one process on an idle machine, median (min–max) ms: ` +
      `${[...startUp].map(([label, times]) => `${label} ${withSpread(times, 0)}`).join('; ')}.`,
    '',
    "Latencies are measured in the client around each call, pooled over all repetitions; peak RSS is each process's VmHWM " +
      'read just before the client closes it (highest sink process, highest finalize process; median over repetitions).',
    '',
    main,
    '',
    "Where the wall time goes (client timings, median ms; start-up + discovery includes starting the worker processes; CPU is user + system time of all the run's worker processes, and of the client process; " +
      '"others\' CPU" is what other processes on the machine used meanwhile, as a share of all cores — on a shared machine, runs with a high share are slower for reasons outside the benchmark):',
    '',
    phases,
    ...(notes.length > 0 ? ['', ...notes] : []),
    ...(failures.length > 0 ? ['', 'Failed runs:', '', ...failures] : []),
  ].join('\n');
  console.log(`\n${block}`);
  saveDetails(root, {
    options: describeOptions(options),
    rawMs,
    ipcBytes,
    startUpMs: Object.fromEntries(startUp),
    runs: Object.fromEntries(measured.runs),
    repeated: Object.fromEntries(measured.repeated),
  });
  if (options.write) {
    writeBlock(join(root, 'bench', 'RESULTS.md'), 'table', block);
    console.log('\nwrote the timing block of the "## Wire" section of bench/RESULTS.md');
  }
}

/** Profile files are named `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`. */
function profilesByPid(dir: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of readdirSync(dir)) {
    const pid = Number(name.split('.')[3]);
    if (name.endsWith('.cpuprofile') && Number.isInteger(pid)) out.set(pid, join(dir, name));
  }
  return out;
}

async function runProfiles(options: Options, root: string): Promise<void> {
  const input = makeInput(options.rows);
  const parts: string[] = [
    `Profiled ${new Date().toISOString().slice(0, 10)} with \`${commandLine(options)}\`: one run per side, every worker under ` +
      '`node --cpu-prof` (sampling adds some overhead; figures are self time summed over the processes of a role; ' +
      'built files are named by their TypeScript source).',
  ];
  for (const workload of options.workloads) {
    for (const side of options.sides) {
      const dir = mkdtempSync(join(tmpdir(), 'wire-profile-'));
      try {
        const clientProfile = join(dir, 'client.cpuprofile');
        const outcome = await measuredRun(side, workload, input, {
          nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir],
          clientProfile,
        });
        console.log(`${workload.id} ${side.label} under --cpu-prof: ${describeOutcome(outcome, options.rows)}`);
        if (!outcome.ok) {
          console.log(outcome.error);
          parts.push('', `**${workload.id} ${side.label}**: the profiled run failed: ${outcome.error.split('\n')[0]}`);
          continue;
        }
        const files = profilesByPid(dir);
        const pick = (pids: readonly number[]) =>
          [...new Set(pids)].map((p) => files.get(p)).filter((f): f is string => f !== undefined);
        const sink = summarizeProfiles(pick(outcome.pids.sink), root);
        const finalize = summarizeProfiles(pick(outcome.pids.finalize), root);
        parts.push(
          '',
          `#### ${workload.id} ${workload.title}, ${side.label} (${(outcome.wallMs / 1000).toFixed(2)} s wall; other processes used ${(outcome.othersCpuShare * 100).toFixed(0)} % of the machine meanwhile)`,
          '',
          profileTable(
            `Sink processes (${outcome.pids.sink.length}, start-up, discovery, bind and combine included)`,
            sink,
            15,
          ),
          '',
          profileTable(
            `Finalize process${outcome.pids.finalize.length === 1 ? '' : 'es'} (${outcome.pids.finalize.length}, destructor included)`,
            finalize,
            8,
          ),
          '',
          profileTable(
            "Client (the harness process running Silo's runFunction; shares the 2 cores with the workers)",
            summarizeProfiles([clientProfile], root),
            10,
          ),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const block = parts.join('\n');
  console.log(`\n${block}`);
  if (options.write) {
    writeBlock(join(root, 'bench', 'RESULTS.md'), 'profile', block);
    console.log('\nwrote the profile block of the "## Wire" section of bench/RESULTS.md');
  }
}

function describeOptions(options: Options): Record<string, unknown> {
  return {
    rows: options.rows,
    reps: options.reps,
    workloads: options.workloads.map((w) => w.id),
    sides: options.sides.map((s) => s.name),
  };
}

function saveDetails(root: string, details: Record<string, unknown>): void {
  const dir = join(root, 'bench', 'out');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `wire-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(details, (_key, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v), 2),
  );
  console.log(`details: ${file}`);
}

async function main(): Promise<void> {
  const root = repoRoot();
  const options = parseOptions(process.argv.slice(2), root);
  assertBuilt(root);
  const names: SideName[] = options.sides.map((s) => s.name);
  console.log(
    `wire benchmark: ${grouped(options.rows)} rows, ${options.profile ? 'profile' : `${options.reps} reps`}, ${options.workloads.map((w) => w.id).join(' ')} on ${names.join(' + ')}`,
  );
  try {
    await (options.profile ? runProfiles(options, root) : runTimings(options, root));
  } finally {
    if (options.snapshotDir !== undefined) rmSync(options.snapshotDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
