/**
 * The workloads through a real DuckDB: DuckDB 1.5.3 with the `vgi` extension from npm
 * (protocol 1.0.0) runs SQL on Silo workers it starts itself, over 1M generated rows
 * (k int64 with 100k keys, v float64, s 20-byte utf8):
 *
 *   W1 passthrough   SELECT count(*), sum(k) FROM bench.buffer_input((SELECT * FROM t))
 *   W2 per-key sum   SELECT count(*), sum("sum") FROM bench.key_sum((SELECT * FROM t))
 *   W3 global sort   SELECT count(*), min(k) FROM bench.sort_by_key((SELECT * FROM t))
 *
 * each with pooled workers (DuckDB's default; a warm-up run excluded) and with `pool false`
 * (every call on a fresh process), beside DuckDB's own query for the same result (the
 * floor) and the raw pipe limit for the input's bytes. Every workload runs on the bench
 * worker (`dist/bench/functions/main.js`: the conformance `buffer_input`, `key_sum` and
 * `sort_by_key`). The results are aggregated in SQL so the figures measure the function,
 * not moving 1M rows into JavaScript. Worker CPU and peak RSS come from /proc for every
 * process of the run (tagged through its LOCATION); CPU per process call and per finalize
 * tick from the workers' own counters (`SILO_CPU_STATS`).
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench/duckdb.bench.js [--rows N] [--threads N] [--snapshot] [--write]
 *   npm run bench:duckdb
 *
 * `--snapshot` starts every worker from a start-up snapshot of its entry (`silo snapshot`,
 * built into the run's scratch directory), as `LOCATION 'node --snapshot-blob FILE'`.
 */
import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { toShellCommand } from '../src/cli/entry-command';
import type { CpuStatsSnapshot } from '../src/server/cpu-stats';
import { EmbeddedDuckDb } from '../src/duckdb';
import { machine, writeSection } from './results-md';
import { inputAsIpc, makeInput } from './wire/input-data';
import { pipeThroughMs } from './wire/raw-limit';
import { snapshotArgs } from './wire/snapshot';
import { grouped } from './wire/stats';

const ROOT = resolve(__dirname, '..', '..');
const TICKS_PER_SECOND = 100;

/** How to read the table, printed under it. */
const NOTES = [
  '"(own)" columns come from the workers\' own counters (SILO_CPU_STATS: process.cpuUsage() charged to each call it',
  'answers): CPU per process call and per finalize tick, and the start-up CPU of each process new in the run.',
  '"all" columns count every process of the run from /proc, start-up included: the 1.0 extension starts a fresh sink',
  'process per DuckDB thread on every query (only finalize workers are pooled), so "µs / batch, all" is the whole cost',
  'of a query spread over its batches. "× raw pipe" is rows/s as a share of the raw pipe limit above. DuckDB native',
  'runs the same query without a worker: the floor. "one long-lived worker" is a single process serving every',
  "connection on a unix socket (`LOCATION 'unix://...'`), measured after two warm-up queries: what a worker that stays",
  'up costs per call, with both DuckDB threads sharing its one JavaScript thread.',
];

interface Workload {
  readonly name: string;
  readonly silo: (t: string, db: string) => string;
  readonly native: (t: string) => string;
}

const WORKLOADS: readonly Workload[] = [
  {
    name: 'W1 passthrough',
    silo: (t, db) => `SELECT count(*) AS n, sum(k) AS x FROM ${db}.buffer_input((SELECT * FROM ${t}))`,
    native: (t) => `SELECT count(*) AS n, sum(k) AS x FROM (SELECT * FROM ${t})`,
  },
  {
    name: 'W2 per-key sum',
    silo: (t, db) => `SELECT count(*) AS n, sum("sum") AS x FROM ${db}.key_sum((SELECT * FROM ${t}))`,
    native: (t) => `SELECT count(*) AS n, sum(total) AS x FROM (SELECT k, sum(v) AS total FROM ${t} GROUP BY k)`,
  },
  {
    name: 'W3 global sort',
    silo: (t, db) => `SELECT count(*) AS n, min(k) AS x FROM ${db}.sort_by_key((SELECT * FROM ${t}))`,
    native: (t) => `SELECT count(*) AS n, min(k) AS x FROM (SELECT * FROM ${t} ORDER BY k)`,
  },
];

/** Processes whose environment carries `tag`: the workers of one ATTACH. */
function processesTagged(tag: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`SILO_BENCH_TAG=${tag}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** CPU seconds (user + system) and peak RSS of a process, while it lives. */
function sample(pid: number): { cpu: number; hwmKb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpu, hwmKb: hwm ? Number(hwm[1]) : 0 };
  } catch {
    return null;
  }
}

/** Samples every tagged process every 20 ms: the last CPU figure and the peak RSS seen of each. */
class ProcessWatch {
  private readonly seen = new Map<number, { cpu: number; hwmKb: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly tag: string) {
    this.timer = setInterval(() => this.poll(), 20);
  }

  poll(): void {
    for (const pid of processesTagged(this.tag)) {
      const s = sample(pid);
      if (s === null) continue;
      const before = this.seen.get(pid);
      this.seen.set(pid, { cpu: Math.max(before?.cpu ?? 0, s.cpu), hwmKb: Math.max(before?.hwmKb ?? 0, s.hwmKb) });
    }
  }

  snapshot(): Map<number, { cpu: number; hwmKb: number }> {
    this.poll();
    return new Map([...this.seen].map(([pid, s]) => [pid, { ...s }]));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

interface Measured {
  readonly ms: number;
  readonly workerCpuS: number;
  readonly processes: number;
  readonly peakRssMb: number;
  /** From the workers' own counters: CPU µs per process call and per finalize tick, and start-up CPU ms per fresh process. */
  readonly own: {
    readonly processUs: number;
    readonly tickUs: number;
    readonly startupMs: number;
    readonly fresh: number;
  };
  /** Peak RSS (MB) of each process of the run, highest first. */
  readonly rssMb: readonly number[];
}

/** Every worker's counters file in `dir`, by pid. */
function readCounters(dir: string): Map<number, CpuStatsSnapshot> {
  const out = new Map<number, CpuStatsSnapshot>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    if (!/^silo-cpu-\d+\.json$/.test(f)) continue;
    try {
      const s = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuStatsSnapshot;
      out.set(s.pid, s);
    } catch {
      // A file being rewritten at this instant; the next read has it.
    }
  }
  return out;
}

/** CPU per call of the run, from the difference of two readings of the counters. */
function ownCosts(before: Map<number, CpuStatsSnapshot>, after: Map<number, CpuStatsSnapshot>): Measured['own'] {
  const sum = { process: { n: 0, us: 0 }, tick: { n: 0, us: 0 }, startupUs: 0, fresh: 0 };
  for (const [pid, a] of after) {
    const b = before.get(pid);
    for (const [kind, into] of [
      ['table_buffering_process', sum.process],
      ['finalize_tick', sum.tick],
    ] as const) {
      into.n += (a.calls[kind]?.count ?? 0) - (b?.calls[kind]?.count ?? 0);
      into.us += (a.calls[kind]?.cpuUs ?? 0) - (b?.calls[kind]?.cpuUs ?? 0);
    }
    if (b === undefined) {
      sum.fresh++;
      sum.startupUs += a.startupCpuUs;
    }
  }
  return {
    processUs: sum.process.n > 0 ? sum.process.us / sum.process.n : 0,
    tickUs: sum.tick.n > 0 ? sum.tick.us / sum.tick.n : 0,
    startupMs: sum.fresh > 0 ? sum.startupUs / sum.fresh / 1000 : 0,
    fresh: sum.fresh,
  };
}

async function measure(
  db: EmbeddedDuckDb,
  sql: string,
  watch: ProcessWatch | null,
  countersDir: string | null = null,
): Promise<Measured> {
  const before = watch?.snapshot() ?? new Map<number, { cpu: number; hwmKb: number }>();
  const countersBefore = countersDir ? readCounters(countersDir) : new Map<number, CpuStatsSnapshot>();
  const started = performance.now();
  await db.query(sql);
  const ms = performance.now() - started;
  // Let finalize and destructor processes report their last ticks (counters are rewritten every 100 ms).
  await new Promise((done) => setTimeout(done, 250));
  const own = ownCosts(countersBefore, countersDir ? readCounters(countersDir) : new Map());
  const after = watch?.snapshot() ?? new Map<number, { cpu: number; hwmKb: number }>();
  let cpu = 0;
  let peak = 0;
  let processes = 0;
  const rssMb: number[] = [];
  for (const [pid, s] of after) {
    const delta = s.cpu - (before.get(pid)?.cpu ?? 0);
    if (delta > 0 || !before.has(pid)) {
      processes++;
      rssMb.push(s.hwmKb / 1024);
    }
    cpu += Math.max(0, delta);
    peak = Math.max(peak, s.hwmKb);
  }
  return { ms, workerCpuS: cpu, processes, peakRssMb: peak / 1024, own, rssMb: rssMb.sort((a, b) => b - a) };
}

function argValue(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

async function main(): Promise<void> {
  const rows = Number(argValue('--rows', '1000000'));
  const batches = Math.ceil(rows / 2048);
  const dir = mkdtempSync(join(tmpdir(), 'silo-bench-duckdb-'));
  const countersDir = (tag: string): string => join(dir, `cpu-${tag}`);
  const fromSnapshot = process.argv.includes('--snapshot');
  const worker = (entry: string, tag: string) =>
    toShellCommand([
      'env',
      `SILO_BENCH_TAG=${tag}`,
      `SILO_CPU_STATS=${countersDir(tag)}`,
      'SILO_STORAGE=sqlite',
      `SILO_SQLITE_PATH=${join(dir, 'storage.db')}`,
      `SILO_SECRET_KEY=${randomBytes(32).toString('hex')}`,
      process.execPath,
      ...(fromSnapshot ? snapshotArgs(ROOT, entry, dir) : [entry]),
    ]);
  /** The long-lived worker: one process serving `unix://` connections, DuckDB attaching to it. */
  const startUnixWorker = async (entry: string, tag: string): Promise<{ child: ChildProcess; socket: string }> => {
    const socket = join(dir, 'worker.sock');
    const child = spawn(
      process.execPath,
      [...(fromSnapshot ? [...snapshotArgs(ROOT, entry, dir), '--'] : [entry]), '--unix', socket],
      {
        env: {
          ...process.env,
          SILO_BENCH_TAG: tag,
          SILO_CPU_STATS: countersDir(tag),
          SILO_STORAGE: 'sqlite',
          SILO_SQLITE_PATH: join(dir, 'storage.db'),
          SILO_SECRET_KEY: randomBytes(32).toString('hex'),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    // It says on stdout once it listens.
    await new Promise<void>((ready, fail) => {
      child.stdout!.once('data', () => {
        child.stdout!.resume();
        ready();
      });
      child.once('exit', (code) => fail(new Error(`the unix-socket worker exited (${code}) before listening`)));
    });
    return { child, socket };
  };
  let longLived: { child: ChildProcess; socket: string } | undefined;
  const bench = join(ROOT, 'dist', 'bench', 'functions', 'main.js');
  if (!existsSync(bench)) throw new Error('Build first: npx tsc -p bench/tsconfig.json');

  const input = makeInput(rows);
  const rawMs = await pipeThroughMs(inputAsIpc(input, 2048));
  const rawRowsPerSecond = rows / (rawMs / 1000);
  const threads = Number(argValue('--threads', '2'));
  const db = await EmbeddedDuckDb.open({ config: { threads: String(threads) } });
  const lines: string[] = [];
  const print = (line: string) => {
    console.log(line);
    lines.push(line);
  };
  try {
    await db.run(`CREATE TABLE t AS SELECT (hash(i) % 100000)::BIGINT AS k, ((hash(i * 31) % 1000000) / 1000.0)::DOUBLE AS v,
      substr(md5(i::VARCHAR), 1, 20) AS s FROM range(${rows}) r(i)`);
    const tags = {
      pooled: randomBytes(6).toString('hex'),
      fresh: randomBytes(6).toString('hex'),
      unix: randomBytes(6).toString('hex'),
    };
    await db.attach({ location: worker(bench, tags.pooled), catalog: 'bench', alias: 'bench' });
    await db.attach({ location: worker(bench, tags.fresh), catalog: 'bench', alias: 'bench_fresh', pool: false });
    longLived = await startUnixWorker(bench, tags.unix);
    await db.attach({ location: `unix://${longLived.socket}`, catalog: 'bench', alias: 'bench_unix' });
    const watches = {
      pooled: new ProcessWatch(tags.pooled),
      fresh: new ProcessWatch(tags.fresh),
      unix: new ProcessWatch(tags.unix),
    };

    print(
      `${grouped(rows)} rows (k int64 with 100k keys, v float64, s 20-byte utf8), ${batches} batches of 2048, DuckDB threads ${threads}${fromSnapshot ? ', workers started from start-up snapshots (silo snapshot)' : ''}`,
    );
    print(
      `raw pipe limit (the input's ${(inputAsIpc(input, 2048).length / 1e6).toFixed(1)} MB of IPC through a Node pass-through): ${grouped(rows / (rawMs / 1000))} rows/s`,
    );
    print('');
    print(
      '| workload | run | wall ms | rows/s | × raw pipe | worker CPU µs per process call (own) | per finalize tick (own) | start-up CPU ms per fresh process (own) | worker CPU ms, all | worker CPU µs / batch, all | worker processes (fresh) | peak RSS MB of each worker | vs DuckDB native |',
    );
    print('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
    for (const w of WORKLOADS) {
      const native = await measure(db, w.native('t'), null);
      await measure(db, w.silo('t', 'bench'), watches.pooled, countersDir(tags.pooled)); // warm-up: workers spawned, code loaded
      const pooled = await measure(db, w.silo('t', 'bench'), watches.pooled, countersDir(tags.pooled));
      const fresh = await measure(db, w.silo('t', 'bench_fresh'), watches.fresh, countersDir(tags.fresh));
      // The long-lived worker serves every query: two warm-up queries, as a worker that has been up a while.
      for (let i = 0; i < 2; i++) await measure(db, w.silo('t', 'bench_unix'), watches.unix);
      const unix = await measure(db, w.silo('t', 'bench_unix'), watches.unix, countersDir(tags.unix));
      for (const [run, m] of [
        ['pooled', pooled],
        ['pool false', fresh],
        ['one long-lived worker (unix socket)', unix],
      ] as const) {
        const rate = rows / (m.ms / 1000);
        print(
          `| ${w.name} | ${run} | ${m.ms.toFixed(0)} | ${grouped(rate)} | ${((100 * rate) / rawRowsPerSecond).toFixed(1)} % | ${grouped(m.own.processUs)} | ${grouped(m.own.tickUs)} | ${m.own.fresh > 0 ? m.own.startupMs.toFixed(0) : '–'} | ${(m.workerCpuS * 1000).toFixed(0)} | ${grouped((m.workerCpuS * 1e6) / batches)} | ${m.processes} (${m.own.fresh}) | ${m.rssMb.map((r) => r.toFixed(0)).join(', ')} | ${(m.ms / native.ms).toFixed(1)}× |`,
        );
      }
      print(
        `| ${w.name} | DuckDB native | ${native.ms.toFixed(0)} | ${grouped(rows / (native.ms / 1000))} | ${((100 * rows) / (native.ms / 1000) / rawRowsPerSecond).toFixed(0)} % | | | | | | | | 1.0× |`,
      );
    }
    watches.pooled.stop();
    watches.fresh.stop();
    watches.unix.stop();
    print('');
    print(
      `peak RSS of the DuckDB process (this benchmark, DuckDB embedded, the input table included): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
    );
    print('');
    for (const note of NOTES) print(note);
  } finally {
    db.close();
    if (longLived !== undefined && longLived.child.exitCode === null) {
      // It writes its counters as it exits: gone before its directory is.
      const exited = new Promise((done) => longLived!.child.once('exit', done));
      longLived.child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  if (process.argv.includes('--write')) {
    const command = 'npm run bench:duckdb -- --write';
    writeSection(
      join(ROOT, 'bench', 'RESULTS.md'),
      '## Through DuckDB',
      ['## Through DuckDB', '', `\`${command}\`, on:`, '', machine(), '', ...lines, ''].join('\n'),
    );
    console.log('\nwrote the "## Through DuckDB" section of bench/RESULTS.md');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
