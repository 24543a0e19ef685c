/**
 * Storage benchmark: operations per second of each backend, from 1 process and from 4
 * processes working on the same scope at once (same log, counter and queue).
 *
 *   node -r ./test/support/register-ts.js bench/storage.bench.ts [--write]
 *
 * PostgreSQL is included when DATABASE_URL is set (source .ci/start-postgres.sh).
 * `--write` replaces the "## Storage" section of bench/RESULTS.md with this run.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'pg';
import { fromHex, toBytes, toHex } from '../src/common/bytes';
import type { FunctionStorage, StorageScope } from '../src/providers/storage/function-storage';
import { createStorageFromEnv } from '../src/providers/storage/storage-from-env';
import { machine, writeSection } from './results-md';

const OPS = ['put', 'get', 'append', 'log scan', 'counter add', 'queue push', 'queue pop'] as const;
type Op = (typeof OPS)[number];

interface Result {
  readonly ops: number;
  readonly ms: number;
}

const VALUE = new Uint8Array(randomBytes(100));
const ns = toBytes('bench');

/** Runs one operation `count` times (per process) and times it. */
async function runOp(
  storage: FunctionStorage,
  scope: StorageScope,
  op: Op,
  worker: number,
  count: number,
): Promise<Result> {
  const key = (i: number) => toBytes(`w${worker}-${i}`);
  const started = process.hrtime.bigint();
  let ops = 0;
  switch (op) {
    case 'put':
      for (let i = 0; i < count; i++, ops++) await storage.put(scope, ns, key(i), VALUE);
      break;
    case 'get':
      for (let i = 0; i < count; i++, ops++) await storage.get(scope, ns, key(i));
      break;
    case 'append':
      for (let i = 0; i < count; i++, ops++) await storage.append(scope, ns, toBytes('log'), VALUE);
      break;
    case 'log scan': {
      // Entries read, in pages of 256, over the whole shared log.
      let afterId: bigint | undefined;
      for (;;) {
        const page = await storage.logScan(scope, ns, toBytes('log'), { afterId, limit: 256 });
        ops += page.length;
        if (page.length < 256) break;
        afterId = page[page.length - 1].id;
      }
      break;
    }
    case 'counter add':
      for (let i = 0; i < count; i++, ops++) await storage.counterAdd(scope, ns, toBytes('counter'), 1n);
      break;
    case 'queue push':
      for (let i = 0; i < count; i++, ops++) await storage.queuePush(scope, ns, [VALUE]);
      break;
    case 'queue pop':
      while (ops < count) {
        const popped = await storage.queuePop(scope, ns);
        if (popped.length === 0) break;
        ops++;
      }
      break;
  }
  return { ops, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** Child mode: `--worker <n> <scope hex> <count>`; runs the op named on each stdin line. */
async function worker(args: string[]): Promise<void> {
  const [n, scopeHex, count] = args;
  const storage = createStorageFromEnv(process.env);
  const scope: StorageScope = { kind: 'execution', id: fromHex(scopeHex) };
  const lines = createInterface({ input: process.stdin });
  process.stdout.write('ready\n');
  for await (const line of lines) {
    const result = await runOp(storage, scope, line as Op, Number(n), Number(count));
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  await storage.close();
}

interface Backend {
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  /** Operations per process and op; sized so each measurement takes about a second. */
  readonly count: number;
  readonly multiProcess: boolean;
  cleanup(): Promise<void>;
}

function backends(): Backend[] {
  const dir = mkdtempSync(join(tmpdir(), 'silo-bench-'));
  const list: Backend[] = [
    {
      name: 'memory',
      env: { SILO_STORAGE: 'memory' },
      count: 50_000,
      multiProcess: false,
      cleanup: async () => undefined,
    },
    {
      name: 'sqlite',
      env: { SILO_STORAGE: 'sqlite', SILO_SQLITE_PATH: join(dir, 'bench.db') },
      count: 5_000,
      multiProcess: true,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    },
  ];
  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `silo_bench_${randomBytes(4).toString('hex')}`;
    list.push({
      name: 'postgres',
      env: { SILO_STORAGE: 'postgres', DATABASE_URL: url, SILO_POSTGRES_SCHEMA: schema },
      count: 2_000,
      multiProcess: true,
      cleanup: async () => {
        const pool = new Pool({ connectionString: url, max: 1 });
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await pool.end();
      },
    });
  } else {
    console.error('DATABASE_URL is not set: skipping postgres (source .ci/start-postgres.sh to include it).');
  }
  return list;
}

const opsPerSecond = (ops: number, ms: number) => Math.round((ops / ms) * 1000);

async function singleProcess(backend: Backend): Promise<Map<Op, number>> {
  const storage = createStorageFromEnv({ ...process.env, ...backend.env });
  const scope: StorageScope = { kind: 'execution', id: new Uint8Array(randomBytes(16)) };
  const out = new Map<Op, number>();
  for (const op of OPS) {
    const r = await runOp(storage, scope, op, 0, backend.count);
    out.set(op, opsPerSecond(r.ops, r.ms));
  }
  await storage.clearScope(scope);
  await storage.close();
  return out;
}

async function multiProcess(backend: Backend, processes: number): Promise<Map<Op, number>> {
  const scope = toHex(new Uint8Array(randomBytes(16)));
  const children: ChildProcessWithoutNullStreams[] = [];
  const readers: AsyncIterator<string>[] = [];
  for (let w = 0; w < processes; w++) {
    const child = spawn(
      process.execPath,
      [...process.execArgv, __filename, '--worker', String(w), scope, String(backend.count)],
      {
        env: { ...process.env, ...backend.env },
      },
    );
    child.stderr.pipe(process.stderr);
    children.push(child);
    readers.push(createInterface({ input: child.stdout })[Symbol.asyncIterator]());
  }
  const next = async (r: AsyncIterator<string>) => {
    const { value, done } = await r.next();
    if (done) throw new Error('a benchmark worker exited early (see its stderr above)');
    return value;
  };
  await Promise.all(readers.map(next));
  const out = new Map<Op, number>();
  for (const op of OPS) {
    // All processes start each operation together; throughput is total ops over the slowest.
    for (const c of children) c.stdin.write(`${op}\n`);
    const results = (await Promise.all(readers.map(next))).map((line) => JSON.parse(line) as Result);
    const ops = results.reduce((sum, r) => sum + r.ops, 0);
    out.set(op, opsPerSecond(ops, Math.max(...results.map((r) => r.ms))));
  }
  for (const c of children) c.stdin.end();
  await Promise.all(children.map((c) => new Promise((resolve) => c.on('exit', resolve))));
  const storage = createStorageFromEnv({ ...process.env, ...backend.env });
  await storage.clearScope({ kind: 'execution', id: fromHex(scope) });
  await storage.close();
  return out;
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const backend of backends()) {
    try {
      const one = await singleProcess(backend);
      const four = backend.multiProcess ? await multiProcess(backend, 4) : undefined;
      for (const op of OPS) {
        const multi = four ? four.get(op)!.toLocaleString('en-US') : 'n/a (one process)';
        rows.push(`| ${backend.name} | ${op} | ${one.get(op)!.toLocaleString('en-US')} | ${multi} |`);
      }
    } finally {
      await backend.cleanup();
    }
  }
  const table = [
    '| backend | operation | 1 process, ops/s | 4 processes, ops/s (total) |',
    '|---|---|---:|---:|',
    ...rows,
  ].join('\n');
  console.log(table);

  if (process.argv.includes('--write')) {
    const path = join(__dirname, 'RESULTS.md');
    const section = [
      '## Storage',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on:`,
      '',
      machine(),
      '',
      'Command: `source .ci/start-postgres.sh && node -r ./test/support/register-ts.js bench/storage.bench.ts --write`',
      '',
      'Each operation runs sequentially (awaiting each call) with 100-byte values; "log scan" counts entries read in',
      'pages of 256 over the shared log; with 4 processes every process works on the same scope, log, counter and',
      'queue at the same time, and the figure is all processes’ operations over the slowest one’s time.',
      'SQLite is a WAL file in the temp directory; PostgreSQL is the .ci/start-postgres.sh cluster (fsync and',
      'synchronous_commit off) on the same cores, reached over TCP on 127.0.0.1.',
      '',
      table,
      '',
    ].join('\n');
    writeSection(path, '## Storage', section);
    console.log(`\nwrote the "## Storage" section of ${path}`);
  }
}

const args = process.argv.slice(2);
const run = args[0] === '--worker' ? worker(args.slice(1)) : main();
run.catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
