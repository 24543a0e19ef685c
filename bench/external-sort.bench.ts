/**
 * The external-sort recipe at scale: `samples.external_sort((SELECT * FROM t), by := 'k')`
 * over N generated rows (k int64 spread over ±5·10^11, v float64, s 20-byte utf8; default
 * 10M) as SQL in a real DuckDB 1.5.3 with the `vgi` extension from npm, which starts the
 * samples worker processes itself (a sink process per thread, combine, the finalize
 * stream) on one SQLite file. The sorted rows go into a DuckDB table (insertion order kept),
 * then SQL checks they are in order (no row's k below the previous row's, by rowid) and
 * complete (count, sums and a hash fingerprint of every row equal the input's). Every
 * worker process's CPU and peak RSS (VmHWM) come from /proc, sampled every 20 ms; each
 * must stay under 256 MB.
 *
 *   npm run bench:external-sort -- [--rows N] [--fan-in F] [--write]
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { toShellCommand } from '../src/cli/entry-command';
import { EmbeddedDuckDb } from '../src/duckdb';
import { machine, writeSection } from './results-md';
import { grouped } from './wire/stats';

const ROOT = resolve(__dirname, '..', '..');
const TICKS_PER_SECOND = 100;
const RSS_LIMIT_MB = 256;

/** How to read the figures, printed under them. */
const NOTES = [
  'Each sink call stores its batch (up to 2,048 rows, as DuckDB sends them) sorted as a run; combine merges runs fan_in at',
  'a time until at most fan_in are left (10M rows: 4,883 runs, one pass, 39 runs), and the finalize stream merges those.',
  'Worker CPU is the honest cost: wall time includes the DuckDB side and waits on a shared machine (see the load average).',
];

interface ProcessFigures {
  readonly pid: number;
  /** The parent: DuckDB logs the pid of the shell it runs the LOCATION with. */
  ppid: number;
  cpuS: number;
  hwmKb: number;
}

/** Processes whose environment carries `tag`, with what they were started as. */
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

/** Samples every tagged process every 20 ms, keeping its last CPU time and its peak RSS. */
class WorkerWatch {
  readonly seen = new Map<number, ProcessFigures>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly tag: string) {
    this.timer = setInterval(() => this.poll(), 20);
  }

  poll(): void {
    for (const pid of processesTagged(this.tag)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cpuS = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        const figures = this.seen.get(pid) ?? { pid, ppid: Number(fields[1]), cpuS: 0, hwmKb: 0 };
        figures.cpuS = Math.max(figures.cpuS, cpuS);
        figures.hwmKb = Math.max(figures.hwmKb, hwm ? Number(hwm[1]) : 0);
        this.seen.set(pid, figures);
      } catch {
        // the process ended between listing and reading
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.poll();
  }
}

/** Which phases each worker pid served, from the extension's log (`duckdb_logs()`). */
async function rolesByPid(db: EmbeddedDuckDb): Promise<Map<number, Set<string>>> {
  const { rows } = await db.query(`SELECT message FROM duckdb_logs() WHERE type = 'VGI'`);
  const pidOf = new Map<string, number>();
  const phasesOf = new Map<string, Set<string>>();
  for (const { message } of rows) {
    const m = /^\{'event': ([\w.]+), 'info': \{(.*)\}\}$/s.exec(String(message));
    if (m === null) continue;
    const info = Object.fromEntries(
      m[2].split(', ').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
    );
    if (info.conn && info.worker_pid) pidOf.set(info.conn, Number(info.worker_pid));
    const phase = {
      'table_buffering.process': 'sink',
      'table_buffering.combine': 'combine',
      'table_buffering.finalize_init': 'finalize',
    }[m[1]];
    if (phase && info.conn) phasesOf.set(info.conn, (phasesOf.get(info.conn) ?? new Set()).add(phase));
  }
  const out = new Map<number, Set<string>>();
  for (const [conn, phases] of phasesOf) {
    const pid = pidOf.get(conn);
    if (pid === undefined) continue;
    const set = out.get(pid) ?? new Set<string>();
    for (const p of phases) set.add(p);
    out.set(pid, set);
  }
  return out;
}

function argValue(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

async function main(): Promise<void> {
  const rows = Number(argValue('--rows', '10000000'));
  const fanIn = Number(argValue('--fan-in', '128'));
  const threads = 2;
  const worker = join(ROOT, 'dist', 'samples', 'worker.js');
  if (!existsSync(worker)) throw new Error('Build first: npx tsc -p bench/tsconfig.json');
  const dir = mkdtempSync(join(tmpdir(), 'silo-bench-sort-'));
  const storagePath = join(dir, 'storage.db');
  const tag = randomBytes(6).toString('hex');
  const location = toShellCommand([
    'env',
    `SILO_BENCH_TAG=${tag}`,
    'SILO_STORAGE=sqlite',
    `SILO_SQLITE_PATH=${storagePath}`,
    `SILO_SECRET_KEY=${randomBytes(32).toString('hex')}`,
    process.execPath,
    worker,
  ]);
  const lines: string[] = [];
  const print = (line: string) => {
    console.log(line);
    lines.push(line);
  };
  const db = await EmbeddedDuckDb.open({ config: { threads: String(threads) } });
  let failed = false;
  try {
    await db.run(`CREATE TABLE t AS SELECT ((hash(i) % 1000000000000)::BIGINT - 500000000000) AS k, ((hash(i * 31) % 1000000) / 1000.0)::DOUBLE AS v,
      substr(md5(i::VARCHAR), 1, 20) AS s FROM range(${rows}) r(i)`);
    // Before the ATTACH, as the main job does: the extension logs each worker's pid as it connects.
    await db.run('SET enable_logging = true');
    await db.attach({ location, catalog: 'samples', alias: 'samples' });
    await db.run('CALL truncate_duckdb_logs()');
    const sql = `SELECT * FROM samples.external_sort((SELECT * FROM t), by := 'k', fan_in := ${fanIn})`;
    print(
      `${grouped(rows)} rows (k int64 spread over ±5·10^11, v float64, s 20-byte utf8), DuckDB threads ${threads}, fan_in ${fanIn}, SQLite storage`,
    );
    print(`CREATE TABLE sorted AS ${sql}`);
    const watch = new WorkerWatch(tag);
    const started = performance.now();
    await db.run(`CREATE TABLE sorted AS ${sql}`);
    const ms = performance.now() - started;
    await new Promise((done) => setTimeout(done, 200)); // the destructor's process reports its last figures
    watch.stop();
    const roles = await rolesByPid(db);
    const storageMb = existsSync(storagePath) ? statSync(storagePath).size / 1e6 : 0;

    const check = await db.query(`
      SELECT (SELECT count(*) FROM sorted) AS n, (SELECT count(*) FROM t) AS expected_n,
             (SELECT count(*) FROM (SELECT k, lag(k) OVER (ORDER BY rowid) AS prev FROM sorted) WHERE prev > k) AS out_of_order,
             (SELECT sum(hash(k, v, s)::HUGEINT) FROM sorted) = (SELECT sum(hash(k, v, s)::HUGEINT) FROM t) AS same_rows,
             (SELECT sum(k::HUGEINT) FROM sorted) = (SELECT sum(k::HUGEINT) FROM t) AS same_keys,
             (SELECT min(k) FROM t) = (SELECT k FROM sorted ORDER BY rowid LIMIT 1) AS starts_at_min`);
    const c = check.rows[0];
    const complete = c.n === c.expected_n && c.same_rows === true && c.same_keys === true;
    const sorted = c.out_of_order === 0n && c.starts_at_min === true;
    print(
      `wall ${(ms / 1000).toFixed(1)} s, ${grouped(rows / (ms / 1000))} rows/s; SQLite file after the run ${storageMb.toFixed(0)} MB`,
    );
    print(
      `check: ${c.n} rows of ${c.expected_n}, ${c.out_of_order} out of order, row fingerprint ${c.same_rows ? 'equal' : 'DIFFERENT'}, key sum ${c.same_keys ? 'equal' : 'DIFFERENT'} -> ${sorted && complete ? 'sorted and complete' : 'FAILED'}`,
    );
    print('');
    print('| worker pid | phases | CPU s | peak RSS MB |');
    print('|---:|---|---:|---:|');
    let peak = 0;
    let cpu = 0;
    for (const p of [...watch.seen.values()].sort((a, b) => a.pid - b.pid)) {
      const phases = [...(roles.get(p.pid) ?? roles.get(p.ppid) ?? new Set(['destructor or idle']))].join(', ');
      print(`| ${p.pid} | ${phases} | ${p.cpuS.toFixed(1)} | ${(p.hwmKb / 1024).toFixed(0)} |`);
      peak = Math.max(peak, p.hwmKb / 1024);
      cpu += p.cpuS;
    }
    print('');
    print(
      `worker CPU ${cpu.toFixed(1)} s in total (${((cpu * 1e6) / rows).toFixed(2)} µs per row); largest peak RSS ${peak.toFixed(0)} MB (limit ${RSS_LIMIT_MB} MB): ${peak < RSS_LIMIT_MB ? 'within' : 'OVER'}`,
    );
    print('');
    for (const note of NOTES) print(note);
    failed = !(sorted && complete) || peak >= RSS_LIMIT_MB;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (process.argv.includes('--write')) {
    const command = `npm run bench:external-sort -- --rows ${rows}${fanIn === 128 ? '' : ` --fan-in ${fanIn}`} --write`;
    const heading = '## External sort through DuckDB';
    writeSection(
      join(ROOT, 'bench', 'RESULTS.md'),
      heading,
      [heading, '', `\`${command}\`, on:`, '', machine(), '', ...lines, ''].join('\n'),
    );
    console.log(`\nwrote the "${heading}" section of bench/RESULTS.md`);
  }
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
