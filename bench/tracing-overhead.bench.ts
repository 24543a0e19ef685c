/**
 * Tracing overhead: the worker CPU of one `table_buffering_process` call of `buffer_input`
 * (2,048 rows) with observability off, with metrics only (the default), and with tracing
 * on through `@opentelemetry/api` to a recording tracer whose exporter drops every span.
 * Each mode is a real worker process on stdio pipes, driven by Silo's client; the modes
 * run interleaved, each rep starting with the next mode, and the figure is the worker's own CPU time
 * (/proc/<pid>/stat) over the process calls, divided by their number.
 *
 * The process-level figures carry the noise of a shared machine (a few %, either way);
 * the second part isolates the instrumentation's own cost: in this process, 200,000
 * observed calls (begin, a storage call through the timing wrapper, rows, end) per mode
 * against the same body unobserved, CPU µs per call.
 *
 *   node -r ./test/support/register-ts.js bench/tracing-overhead.bench.ts [--rows N] [--reps N] [--storage sqlite|memory] [--micro]
 */
import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { bindArgumentsByName } from '../src/client/run/argument-binding';
import { bindFunction } from '../src/client/run/bind-call';
import { nullableSchema } from '../src/lifecycle';
import { discoverCatalog, findFunction } from '../src/client/discovery';
import { WorkerConnection } from '../src/client/connection/worker-connection';
import { observeCall } from '../src/observability/instrumentation';
import { Observability } from '../src/observability/observability';
import { MemoryStorage } from '../src/providers/storage/memory-storage.provider';
import { makeInput } from './wire/input-data';

const BATCH_ROWS = 2048;
const REPO = join(__dirname, '..');
const REGISTER_TS = join(REPO, 'test', 'support', 'register-ts.js');
const WORKER = join(REPO, 'samples', 'conformance', 'main.ts');
const NOOP_EXPORTER = join(__dirname, 'tracing', 'noop-exporter.ts');

interface Mode {
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  readonly preload: readonly string[];
}

const MODES: readonly Mode[] = [
  { name: 'off (SILO_TRACING=0 SILO_METRICS=0)', env: { SILO_TRACING: '0', SILO_METRICS: '0' }, preload: [] },
  { name: 'metrics only (SILO_TRACING=0)', env: { SILO_TRACING: '0' }, preload: [] },
  { name: 'tracing + metrics, no-op exporter', env: { SILO_TRACING: '1' }, preload: ['-r', NOOP_EXPORTER] },
];

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

/** User + system CPU of a process so far, in µs (clock ticks of 10 ms). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** One query's process calls on `conn`; the worker CPU µs they took. */
async function processCalls(conn: WorkerConnection, batches: readonly RecordBatch[]): Promise<number> {
  const inputSchema = nullableSchema(batches[0].schema);
  const discovery = await discoverCatalog(conn, {});
  const fn = findFunction(discovery, 'buffer_input');
  const attachOpaqueData = discovery.attach.attachOpaqueData;
  const bound = await bindFunction(conn, { fn, arguments: bindArgumentsByName(fn, {}), inputSchema, attachOpaqueData });
  const ref = { functionName: fn.name, schemaPath: fn.schemaPath, attachOpaqueData };
  const sink = await conn.openInit({
    bindCall: bound.bindCall,
    outputSchema: bound.response.outputSchema,
    bindOpaqueData: bound.response.opaqueData,
    phase: 'TABLE_BUFFERING',
    executionId: null,
  });
  await sink.completeSinkInit(inputSchema);
  const executionId = sink.header.executionId;
  const pid = conn.pid!;
  const before = cpuOf(pid);
  for (const batch of batches)
    await conn.call('table_buffering_process', { ...ref, executionId, inputBatch: batch, batchIndex: null });
  const used = cpuOf(pid) - before;
  await conn.call('table_buffering_destructor', { ...ref, executionId });
  return used;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU µs per observed call of `observability` (undefined: the body alone), over `n` calls. */
async function instrumentationCost(observability: Observability | undefined, n: number): Promise<number> {
  const raw = new MemoryStorage();
  const storage = observability ? observability.wrapStorage(raw) : raw;
  const scope = { kind: 'execution' as const, id: new Uint8Array(16).fill(7) };
  const id = scope.id;
  const body = async (): Promise<number> => (await storage.scopeStatus(scope)).state.length;
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    if (observability === undefined) await body();
    else
      await observeCall(observability, 'process', 'buffer_input', id, (call) => {
        call?.addInput(2048, 65_536);
        return body();
      });
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

async function micro(): Promise<void> {
  // The no-op exporter becomes this process's global tracer provider.
  await import('./tracing/noop-exporter');
  const n = 200_000;
  const modes: [string, () => Observability | undefined][] = [
    ['unobserved body', () => undefined],
    ['metrics only', () => new Observability({ tracing: false })],
    ['tracing + metrics, no-op exporter', () => new Observability({ tracing: true })],
  ];
  const costs = modes.map((): number[] => []);
  for (let r = 0; r < 5; r++)
    for (let m = 0; m < modes.length; m++) costs[m].push(await instrumentationCost(modes[m][1](), n));
  const base = median(costs[0]);
  for (let m = 0; m < modes.length; m++) {
    const med = median(costs[m]);
    console.log(
      `in-process, ${modes[m][0]}: ${med.toFixed(2)} µs CPU per call${m === 0 ? '' : ` (+${(med - base).toFixed(2)} µs of instrumentation)`}`,
    );
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--micro')) return micro();
  const rows = Number(option('--rows', '1000000'));
  const reps = Number(option('--reps', '5'));
  const storage = option('--storage', 'sqlite');
  const dir = mkdtempSync(join(tmpdir(), 'silo-tracing-bench-'));
  const input = makeInput(rows);
  const batches: RecordBatch[] = [];
  for (const b of input.batches)
    for (let at = 0; at < b.numRows; at += BATCH_ROWS) batches.push(b.slice(at, Math.min(b.numRows, at + BATCH_ROWS)));
  console.log(
    `tracing overhead: ${batches.length} process calls of ${BATCH_ROWS} rows per rep, ${storage} storage, ${reps} reps, node ${process.version}`,
  );
  const conns = MODES.map((mode, i) =>
    WorkerConnection.spawn([process.execPath, '-r', REGISTER_TS, ...mode.preload, WORKER], {
      env: {
        ...process.env,
        SILO_STORAGE: storage,
        SILO_SQLITE_PATH: join(dir, `bench-${i}.db`),
        SILO_LOG_LEVEL: 'warn',
        ...mode.env,
      },
    }),
  );
  const perCall: number[][] = MODES.map(() => []);
  // One warm-up query per worker (JIT, SQLite pages), then the measured reps, modes interleaved.
  for (const conn of conns) await processCalls(conn, batches.slice(0, 50));
  for (let r = 0; r < reps; r++) {
    // Each rep starts with another mode, so a machine getting busier or quieter favours none.
    for (let k = 0; k < MODES.length; k++) {
      const m = (r + k) % MODES.length;
      perCall[m].push((await processCalls(conns[m], batches)) / batches.length);
    }
    console.log(`rep ${r + 1}: ${MODES.map((mode, m) => `${mode.name} ${perCall[m][r].toFixed(1)} µs`).join('; ')}`);
  }
  const base = median(perCall[0]);
  for (let m = 0; m < MODES.length; m++) {
    const med = median(perCall[m]);
    console.log(
      `${MODES[m].name}: median ${med.toFixed(1)} µs worker CPU per process call (${m === 0 ? 'baseline' : `${(((med - base) / base) * 100).toFixed(1)} % over off`})`,
    );
  }
  await Promise.all(conns.map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
  await micro();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
