/**
 * Call-path benchmark: the CPU cost of Silo's request path with processes and pipes taken
 * out. One worker (the conformance catalog, `buffer_input`) and Silo's client run in
 * this process, joined by in-memory streams; the run binds, opens a sink, sends every
 * input batch as a `table_buffering_process` call, combines, and drains one finalize
 * stream tick by tick. What it reports — µs per process call and per finalize tick, and
 * rows/s of each phase — is the framework's own cost (client encode, worker decode, the
 * function's storage append, response encode; and back), the floor under the wire
 * benchmark's numbers.
 *
 *   npm run bench:call-path -- [--rows N] [--reps N] [--storage memory|sqlite] [--spawn]
 *                              [--starts N] [--light-reps N] [--light-calls N]
 *                              [--protocol 2.0.0|1.3.0|1.0.0] [--light-gap-ms N]
 *
 * `--protocol` is the version Silo's client speaks in the reps (default 2.0.0; DuckDB's
 * extension from npm speaks 1.0.0); the pre-encoded light-client calls are 2.0.0.
 * `--light-gap-ms N` makes the light client wait N ms after each answer, so the worker idles
 * between calls as it does under DuckDB.
 *
 * `--spawn` runs the worker as a real process (the built conformance worker) on stdio
 * pipes, which adds what the process boundary costs; the headline figures are then the
 * worker's own CPU counters (`SILO_CPU_STATS`): CPU µs per process call and per finalize
 * tick, and the cold start (spawn to the first answer: wall ms, and the worker's CPU ms)
 * over `--starts N` fresh processes (default 5), beside `node -e 0`; and the worker's CPU per
 * process call and per finalize tick when the client does no Arrow work (`--light-reps N`
 * reps of `--light-calls N` pre-encoded calls, then as many pre-encoded ticks, default
 * 6 × 1000; 0 reps skips it): the closest to DuckDB as the
 * client, whose C++ reader leaves the machine's cores to the worker. Without `--spawn` the
 * same reps run against the in-process worker alone. For profiles, run
 * `node --cpu-prof dist/bench/call-path.bench.js …` (the client, and the worker unless
 * `--spawn`), and `SILO_BENCH_WORKER_FLAGS="--cpu-prof"` for the spawned worker.
 */
import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { Message, type RecordBatch, type Schema } from 'apache-arrow';
import { openSink } from '../src/client/run/open-sink';
import { inMemoryChannel } from '../src/cli/snapshot-rehearsal';
import { parseProtocolChoice } from '../src/client/protocol-choice';
import { WorkerConnection } from '../src/client/connection/worker-connection';
import { STORAGE } from '../src/container/tokens';
import { MemoryStorage } from '../src/providers/storage/memory-storage.provider';
import { SqliteStorage } from '../src/providers/storage/sqlite-storage.provider';
import type { CpuStatsSnapshot } from '../src/server/cpu-stats';
import { RequestHandler } from '../src/server/request.handler';
import { streamConnection } from '../src/server/connection';
import { bootstrapWorker } from '../src/worker/bootstrap-worker';
import { CONFORMANCE_CATALOG, ConformanceModule } from '../samples/conformance/conformance.module';
import { encodeRequest, makeTickBatch } from '../src/protocol';
import { EMPTY_SCHEMA, IpcStreamWriter, serializeBatch } from '../src/arrow';
import { makeInput } from './wire/input-data';
import { snapshotArgs } from './wire/snapshot';

const BATCH_ROWS = 2048;

/** The built conformance worker (`--spawn`), found from bench/ or dist/bench/. */
const CONFORMANCE_WORKER = join(
  __dirname,
  ...(__dirname.includes(`${sep}dist${sep}`) ? ['..'] : ['..', 'dist']),
  'samples',
  'conformance',
  'main.js',
);

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

/** CPU time (user + system) used so far by this process and by the worker process, in µs. */
function cpuNow(workerPid: number | null): { client: number; worker: number } {
  const own = process.cpuUsage();
  let worker = 0;
  if (workerPid !== null && workerPid !== process.pid) {
    // /proc/<pid>/stat fields 14 and 15: utime and stime in clock ticks (100 per second).
    const fields = readFileSync(`/proc/${workerPid}/stat`, 'utf8').split(') ')[1].split(' ');
    worker = (Number(fields[11]) + Number(fields[12])) * 10_000;
  }
  return { client: own.user + own.system, worker };
}

/** The worker's own counters (`SILO_CPU_STATS`), as last written; it rewrites them every 100 ms and at exit. */
function workerCounters(statsDir: string, pid: number): CpuStatsSnapshot {
  return JSON.parse(readFileSync(join(statsDir, `silo-cpu-${pid}.json`), 'utf8')) as CpuStatsSnapshot;
}

/** Waits until the worker's counters file has been rewritten after now. */
async function freshCounters(statsDir: string, pid: number): Promise<CpuStatsSnapshot> {
  const asked = Date.now();
  for (;;) {
    await new Promise((done) => setTimeout(done, 40));
    const c = workerCounters(statsDir, pid);
    if (c.writtenAt > asked) return c;
  }
}

/** CPU µs per call of `kind` between two snapshots of the worker's counters. */
function perCall(before: CpuStatsSnapshot, after: CpuStatsSnapshot, kind: string): { calls: number; cpuUs: number } {
  const b = before.calls[kind] ?? { count: 0, cpuUs: 0 };
  const a = after.calls[kind] ?? { count: 0, cpuUs: 0 };
  const calls = a.count - b.count;
  return { calls, cpuUs: calls > 0 ? (a.cpuUs - b.cpuUs) / calls : 0 };
}

/**
 * Cold start of `starts` fresh processes of each worker entry: spawn to the first answer
 * (wall ms), and the worker's CPU ms by then (/proc, read as the answer arrives).
 */
async function coldStarts(
  starts: number,
  command: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ wallMs: number[]; cpuMs: number[] }> {
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < starts; i++) {
    const started = performance.now();
    const conn = WorkerConnection.spawn([process.execPath, ...command], { env });
    await conn.call('catalog_catalogs', {});
    wallMs.push(performance.now() - started);
    cpuMs.push(cpuNow(conn.pid).worker / 1000);
    await conn.close();
  }
  return { wallMs, cpuMs };
}

/**
 * `node --snapshot-blob` arguments of a start-up snapshot of each entry, built into `dir`
 * as `silo snapshot` builds them; none when esbuild is not installed.
 */
function snapshotsOf(dir: string, entries: readonly string[]): (readonly string[] | undefined)[] {
  return entries.map((entry) => {
    try {
      return snapshotArgs(REPO_ROOT, entry, dir);
    } catch (error) {
      console.error(`no start-up snapshot of ${entry}: ${(error as Error).message}`);
      return undefined;
    }
  });
}

/** The repository root, above dist/. */
const REPO_ROOT = join(CONFORMANCE_WORKER, '..', '..', '..', '..');

/** The bench catalog's worker (key_sum, sort_by_key): functions without class-validator rules. */
const BENCH_WORKER = join(CONFORMANCE_WORKER, '..', '..', '..', 'bench', 'functions', 'main.js');

/** CPU ms of `node -e 0` (measured by itself at its end), for scale. */
function bareNodeCpuMs(): number {
  return (
    Number(
      execFileSync(
        process.execPath,
        ['-e', 'const u = process.cpuUsage(); process.stdout.write(String(u.user + u.system))'],
        { encoding: 'utf8' },
      ),
    ) / 1000
  );
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Per-call figures of one phase: wall µs, and CPU µs of the client and of the worker. */
interface PhaseCost {
  readonly wallUs: number;
  readonly clientCpuUs: number;
  readonly workerCpuUs: number;
}

function costSince(
  start: { t: bigint; cpu: { client: number; worker: number } },
  calls: number,
  workerPid: number | null,
): PhaseCost {
  const cpu = cpuNow(workerPid);
  return {
    wallUs: Number(process.hrtime.bigint() - start.t) / 1000 / calls,
    clientCpuUs: (cpu.client - start.cpu.client) / calls,
    workerCpuUs: (cpu.worker - start.cpu.worker) / calls,
  };
}

interface RunCost {
  readonly process: PhaseCost;
  readonly tick: PhaseCost;
  readonly rowsOut: number;
  /** The worker's own CPU µs per process call and per finalize tick (spawned worker only). */
  readonly own?: { readonly processUs: number; readonly tickUs: number };
}

/** Discovers and binds `buffer_input` on `conn` for input of `schema`, and opens its sink. */
function openBufferInputSink(conn: WorkerConnection, schema: Schema) {
  return openSink(conn, 'buffer_input', schema);
}

async function oneRun(
  conn: WorkerConnection,
  batches: readonly RecordBatch[],
  statsDir: string | null,
): Promise<RunCost> {
  const pid = conn.pid;
  const counters = statsDir !== null && pid !== null ? () => freshCounters(statsDir, pid) : null;
  const { ref, init, executionId } = await openBufferInputSink(conn, batches[0].schema);
  const beforeProcess = await counters?.();
  let start = { t: process.hrtime.bigint(), cpu: cpuNow(pid) };
  let last = executionId;
  for (const batch of batches)
    last = (await conn.call('table_buffering_process', { ...ref, executionId, inputBatch: batch, batchIndex: null }))
      .result;
  const processCost = costSince(start, batches.length, pid);
  const afterProcess = await counters?.();
  const { result: ids } = await conn.call('table_buffering_combine', { ...ref, executionId, stateIds: [last] });
  let rowsOut = 0;
  let ticks = 0;
  const beforeTicks = await counters?.();
  start = { t: process.hrtime.bigint(), cpu: cpuNow(pid) };
  for (const finalizeStateId of ids) {
    const stream = await conn.openInit({ ...init, phase: 'TABLE_BUFFERING_FINALIZE', executionId, finalizeStateId });
    for (let b = await stream.next(); b !== null; b = await stream.next()) rowsOut += b.numRows;
    ticks += stream.ticks;
  }
  const tickCost = costSince(start, ticks, pid);
  const afterTicks = await counters?.();
  await conn.call('table_buffering_destructor', { ...ref, executionId });
  const own =
    beforeProcess && afterProcess && beforeTicks && afterTicks
      ? {
          processUs: perCall(beforeProcess, afterProcess, 'table_buffering_process').cpuUs,
          tickUs: perCall(beforeTicks, afterTicks, 'finalize_tick').cpuUs,
        }
      : undefined;
  return { process: processCost, tick: tickCost, rowsOut, own };
}

/**
 * One pre-encoded `table_buffering_process` request of `buffer_input` into a sink opened
 * with Silo's client on `conn`: the same bytes can then be sent over and over.
 */
async function preparedProcessRequest(conn: WorkerConnection, batch: RecordBatch): Promise<Uint8Array> {
  const { ref, executionId } = await openBufferInputSink(conn, batch.schema);
  return encodeRequest(
    'table_buffering_process',
    { ...ref, executionId, inputBatch: serializeBatch(batch), batchIndex: null },
    { requestId: '0123456789abcdef' },
  );
}

/**
 * Sends `request` `calls` times per rep on a raw byte connection, the next as soon as the
 * previous answer arrives, and returns the worker's CPU µs per call of each rep, as
 * `cpuUs` reads it. `answers(chunk)` says how many answers a chunk completes: by default
 * one per chunk (a process call's answer is a few hundred bytes written at once); a
 * finalize tick's answer of ~82 KB may arrive in several (see {@link messageCounter}).
 */
/** `--light-gap-ms N`: the light client waits N ms after each answer before the next request (the worker idles). */
const LIGHT_GAP_MS = Number(option('--light-gap-ms', '0'));

async function pingPong(
  link: { write(bytes: Uint8Array): void; readable: NodeJS.EventEmitter },
  request: Uint8Array,
  reps: number,
  calls: number,
  cpuUs: () => number,
  answers: (chunk: Uint8Array) => number = () => 1,
): Promise<number[]> {
  const perCall: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const before = cpuUs();
    await new Promise<void>((done) => {
      let answered = 0;
      const onData = (chunk: Uint8Array): void => {
        const n = answers(chunk);
        if (n === 0) return;
        answered += n;
        if (answered < calls) {
          if (LIGHT_GAP_MS > 0) setTimeout(() => link.write(request), LIGHT_GAP_MS);
          else link.write(request);
        } else {
          link.readable.off('data', onData);
          done();
        }
      };
      link.readable.on('data', onData);
      link.write(request);
    });
    perCall.push((cpuUs() - before) / calls);
  }
  return perCall;
}

/**
 * Counts complete record-batch messages in a byte stream fed chunk by chunk (each
 * finalize tick of `buffer_input` is answered with exactly one). Only the 8-byte prefix
 * and the flatbuffer of each message are read, for the body's length; a schema message is
 * skipped, and any other message, or a batch of fewer than `minBodyBytes` bytes of body,
 * throws, so an error answer cannot pass for a tick.
 */
function messageCounter(minBodyBytes: number): (chunk: Uint8Array) => number {
  let pending: Buffer = Buffer.alloc(0);
  let remaining = 0; // body bytes of the current message still to come
  return (chunk) => {
    let done = 0;
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (remaining > 0) {
      const take = Math.min(remaining, data.length);
      remaining -= take;
      data = data.subarray(take);
      if (remaining > 0) return 0;
      done++; // only a batch's body is long enough to span chunks
    }
    pending = pending.length > 0 ? Buffer.concat([pending, data]) : data;
    let at = 0;
    while (pending.length - at >= 8) {
      const length = pending.readInt32LE(at + 4);
      if (pending.length - at < 8 + length) break;
      const message = Message.decode(pending.subarray(at + 8, at + 8 + length));
      const body = Number(message.bodyLength);
      const batch = message.isRecordBatch();
      if (!batch && !message.isSchema()) throw new Error('a tick was answered with a message that is no batch');
      if (batch && body < minBodyBytes)
        throw new Error(`a tick was answered with something other than a batch of ${minBodyBytes}+ bytes`);
      const end = at + 8 + length + body;
      if (end > pending.length) {
        remaining = end - pending.length;
        at = pending.length;
        break;
      }
      if (batch) done++;
      at = end;
    }
    // Only a partial prefix or flatbuffer is kept (bodies are skipped, never copied).
    pending = Buffer.from(pending.subarray(at));
    return done;
  };
}

/**
 * The worker's CPU per process call when the client costs (almost) nothing, as DuckDB's
 * C++ client nearly does: one conformance worker serving a unix socket; a sink is opened
 * with Silo's client, then one pre-encoded request is sent over and over on a second
 * connection (see {@link pingPong}). The client process then does no Arrow work, so the
 * worker does not share the machine's two cores with it.
 */
async function lightClientReps(
  batch: RecordBatch,
  env: NodeJS.ProcessEnv,
  dir: string,
  reps: number,
  calls: number,
): Promise<{ process: number[]; ticks: number[] }> {
  const socket = join(dir, 'light.sock');
  const child = spawn(process.execPath, [CONFORMANCE_WORKER, '--unix', socket], {
    env: { ...env, SILO_SQLITE_PATH: join(dir, 'light.db') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (let waited = 0; !existsSync(socket); waited += 50) {
      if (waited > 30_000) throw new Error(`the worker did not open ${socket} within 30 s`);
      await new Promise((done) => setTimeout(done, 50));
    }
    const conn = await WorkerConnection.connectUnix(socket);
    const request = await preparedProcessRequest(conn, batch);
    const raw = connect(socket);
    await new Promise((done) => raw.once('connect', done));
    const workerCpu = (): number => cpuNow(child.pid!).worker;
    const perCall = await pingPong({ write: (b) => raw.write(b), readable: raw }, request, reps, calls, workerCpu);
    raw.destroy();
    const rawTicks = connect(socket);
    await new Promise((done) => rawTicks.once('connect', done));
    const perTick = await tickReps(
      conn,
      { write: (b) => rawTicks.write(b), readable: rawTicks },
      batch,
      reps,
      calls,
      workerCpu,
    );
    rawTicks.destroy();
    await conn.close();
    return { process: perCall, ticks: perTick };
  } finally {
    child.kill();
  }
}

/**
 * A second in-memory connection to an in-process worker, for pre-encoded requests (each
 * written as a fresh copy, as bytes read off a channel would be), and this process's CPU,
 * which is then the worker's alone (and the light client's). `end()` closes it.
 */
function inProcessRawLink(handler: RequestHandler, label: string): RawLink & { end(): void; cpuUs(): number } {
  const toWorker = new PassThrough({ highWaterMark: 1 << 20 });
  const toClient = new PassThrough({ highWaterMark: 1 << 20 });
  void handler.serve(streamConnection(label, toWorker, toClient));
  return {
    write: (b) => toWorker.write(b.slice()),
    readable: toClient,
    end: () => toWorker.end(),
    cpuUs: () => {
      const { user, system } = process.cpuUsage();
      return user + system;
    },
  };
}

/** {@link pingPong}'s process calls with the worker in this process (no sockets, no process boundary). */
async function workerAloneReps(
  handler: RequestHandler,
  batch: RecordBatch,
  reps: number,
  calls: number,
): Promise<number[]> {
  const request = await preparedProcessRequest(new WorkerConnection(inMemoryChannel(handler)), batch);
  const link = inProcessRawLink(handler, 'in-process raw');
  const perCall = await pingPong(link, request, reps, calls, link.cpuUs);
  link.end();
  return perCall;
}

/** A raw byte connection to a worker: what a pre-encoded request is written to. */
interface RawLink {
  write(bytes: Uint8Array): void;
  readable: NodeJS.EventEmitter;
}

/**
 * The worker's CPU per finalize tick with a client that does no Arrow work:
 * `buffer_input` is filled with `reps × calls + 1` copies of `batch` through Silo's
 * client on `conn`, then a finalize stream is opened on `raw`, a second connection to the
 * same worker, and driven with the same pre-encoded tick over and over. Each answer is
 * one record-batch message (the first one preceded by the output schema), counted by
 * {@link messageCounter}.
 */
async function tickReps(
  conn: WorkerConnection,
  raw: RawLink,
  batch: RecordBatch,
  reps: number,
  calls: number,
  cpuUs: () => number,
): Promise<number[]> {
  const { ref, init, executionId } = await openBufferInputSink(conn, batch.schema);
  let last = executionId;
  for (let i = 0; i <= reps * calls; i++)
    last = (await conn.call('table_buffering_process', { ...ref, executionId, inputBatch: batch, batchIndex: null }))
      .result;
  const { result: ids } = await conn.call('table_buffering_combine', { ...ref, executionId, stateIds: [last] });
  // The header answer, then the first tick (carrying the tick stream's schema) and its batch.
  await pingPong(
    raw,
    encodeRequest(
      'init',
      { ...init, phase: 'TABLE_BUFFERING_FINALIZE', executionId, finalizeStateId: ids[0] },
      { requestId: '0123456789abcdef' },
    ),
    1,
    1,
    cpuUs,
  );
  const ticks = new IpcStreamWriter(EMPTY_SCHEMA, 'finalize ticks');
  const counter = messageCounter(batch.numRows * 8);
  await pingPong(raw, ticks.write(makeTickBatch()), 1, 1, cpuUs, counter);
  const perTick = await pingPong(raw, ticks.write(makeTickBatch()), reps, calls, cpuUs, counter);
  await conn.call('table_buffering_destructor', { ...ref, executionId });
  return perTick;
}

/** {@link tickReps} with the worker in this process. */
async function workerAloneTicks(
  handler: RequestHandler,
  batch: RecordBatch,
  reps: number,
  calls: number,
): Promise<number[]> {
  const conn = new WorkerConnection(inMemoryChannel(handler));
  const link = inProcessRawLink(handler, 'in-process ticks');
  const perTick = await tickReps(conn, link, batch, reps, calls, link.cpuUs);
  link.end();
  await conn.close();
  return perTick;
}

/** Prints a per-rep table of CPU µs per process call, and the median of its warm half. */
function printReps(title: string, perCall: readonly number[]): void {
  console.log('');
  console.log(`| ${title} | µs |`);
  console.log('|---|---:|');
  perCall.forEach((us, i) => console.log(`| rep ${i + 1} | ${us.toFixed(0)} |`));
  console.log(
    `| median of the second half (warm) | ${median(perCall.slice(Math.floor(perCall.length / 2))).toFixed(0)} |`,
  );
}

/** The conformance catalog's request handler in this process, on `storage`. */
async function inProcessHandler(storage: MemoryStorage | SqliteStorage): Promise<RequestHandler> {
  return new RequestHandler(
    await bootstrapWorker({
      catalog: CONFORMANCE_CATALOG,
      modules: [ConformanceModule],
      providers: [{ provide: STORAGE, useValue: storage }],
    }),
  );
}

async function main(): Promise<void> {
  const rows = Number(option('--rows', '200000'));
  const reps = Number(option('--reps', '3'));
  const storageKind = option('--storage', 'sqlite');
  const dir = mkdtempSync(join(tmpdir(), 'silo-call-path-'));
  const storage = storageKind === 'memory' ? new MemoryStorage() : new SqliteStorage({ path: join(dir, 'bench.db') });
  const spawned = process.argv.includes('--spawn');
  const statsDir = spawned ? join(dir, 'cpu') : null;
  const workerEnv = {
    ...process.env,
    SILO_STORAGE: storageKind,
    SILO_SQLITE_PATH: join(dir, 'bench.db'),
    ...(statsDir ? { SILO_CPU_STATS: statsDir } : {}),
  };
  const protocolChoice = parseProtocolChoice(option('--protocol', '2.0.0'));
  if (protocolChoice === 'auto') throw new Error('--protocol takes a version: 2.0.0, 1.3.0 or 1.0.0');
  const protocol = protocolChoice;
  let handler: RequestHandler | undefined;
  const conn = spawned
    ? WorkerConnection.spawn(
        [
          process.execPath,
          ...(process.env.SILO_BENCH_WORKER_FLAGS ?? '').split(' ').filter(Boolean),
          CONFORMANCE_WORKER,
        ],
        { env: workerEnv, protocol },
      )
    : new WorkerConnection(inMemoryChannel((handler = await inProcessHandler(storage))), { protocol });
  const input = makeInput(rows);
  const batches: RecordBatch[] = [];
  for (const b of input.batches)
    for (let at = 0; at < b.numRows; at += BATCH_ROWS) batches.push(b.slice(at, Math.min(b.numRows, at + BATCH_ROWS)));
  console.log(
    `call path: ${rows} rows in ${batches.length} batches of ${BATCH_ROWS}, ${storageKind} storage, ${spawned ? 'worker process' : 'in-process worker'}, protocol ${protocol.version}, node ${process.version}`,
  );
  const own: { processUs: number; tickUs: number }[] = [];
  // A worker built before SILO_CPU_STATS writes no counters: then only /proc figures are shown.
  const counterFile = statsDir !== null && conn.pid !== null ? join(statsDir, `silo-cpu-${conn.pid}.json`) : null;
  for (let waited = 0; counterFile !== null && !existsSync(counterFile) && waited < 5000; waited += 50)
    await new Promise((done) => setTimeout(done, 50));
  const counted = counterFile !== null && existsSync(counterFile);
  for (let r = 0; r < reps; r++) {
    const run = await oneRun(conn, batches, counted ? statsDir : null);
    if (run.own) own.push(run.own);
    if (run.rowsOut !== rows) throw new Error(`buffer_input returned ${run.rowsOut} rows, expected ${rows}`);
    const show = (what: string, c: PhaseCost): string =>
      `${what} ${c.wallUs.toFixed(0)} µs (${Math.round((BATCH_ROWS * 1e6) / c.wallUs).toLocaleString('en-US')} rows/s; CPU µs client ${c.clientCpuUs.toFixed(0)}` +
      (spawned ? `, worker ${c.workerCpuUs.toFixed(0)})` : ', worker included)');
    const headline = run.own
      ? `worker's own CPU: ${run.own.processUs.toFixed(0)} µs per process call, ${run.own.tickUs.toFixed(0)} µs per finalize tick | `
      : '';
    console.log(`rep ${r + 1}: ${headline}${show('process call', run.process)}; ${show('finalize tick', run.tick)}`);
  }
  await conn.close();
  if (statsDir !== null) {
    const range = (xs: number[]): string =>
      `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
    const lightReps = Number(option('--light-reps', '6'));
    const lightCalls = Number(option('--light-calls', '1000'));
    if (lightReps > 0) {
      const light = await lightClientReps(batches[0], workerEnv, dir, lightReps, lightCalls);
      printReps(
        `worker CPU per process call, client doing no Arrow work (unix socket, ${lightCalls} calls per rep)`,
        light.process,
      );
      printReps(
        `worker CPU per finalize tick, client doing no Arrow work (unix socket, ${lightCalls} ticks per rep)`,
        light.ticks,
      );
    }
    const starts = Number(option('--starts', '5'));
    console.log('');
    if (own.length > 0) {
      console.log('| worker CPU, own counters (median of reps) | µs |');
      console.log('|---|---:|');
      console.log(
        `| per table_buffering_process call (${BATCH_ROWS} rows) | ${median(own.map((o) => o.processUs)).toFixed(0)} |`,
      );
      console.log(`| per finalize tick | ${median(own.map((o) => o.tickUs)).toFixed(0)} |`);
      console.log('');
    }
    // --starts 0 skips the cold starts (and building their snapshots).
    if (starts > 0) {
      console.log(
        `| cold start, ${starts} fresh processes each, median (min–max) | spawn to the first answer, wall ms | worker CPU by then, ms |`,
      );
      console.log('|---|---:|---:|');
      // The same two entries from start-up snapshots (`silo snapshot`), when esbuild is installed.
      const snapshots = snapshotsOf(dir, [CONFORMANCE_WORKER, BENCH_WORKER]);
      for (const [name, command] of [
        ['conformance worker (~40 functions, class-validator rules)', [CONFORMANCE_WORKER]],
        ['bench worker (3 functions, no rules)', [BENCH_WORKER]],
        ['conformance worker, from its start-up snapshot', snapshots[0]],
        ['bench worker, from its start-up snapshot', snapshots[1]],
      ] as const) {
        if (command === undefined) continue;
        const s = await coldStarts(starts, command, workerEnv);
        console.log(`| ${name} | ${range(s.wallMs)} | ${range(s.cpuMs)} |`);
      }
      const bare = Array.from({ length: starts }, bareNodeCpuMs);
      console.log(`| \`node -e 0\`, for scale | | ${range(bare)} |`);
    }
  }
  if (handler !== undefined) {
    const aloneReps = Number(option('--light-reps', '6'));
    const aloneCalls = Number(option('--light-calls', '1000'));
    if (aloneReps > 0)
      printReps(
        `worker CPU per process call, the worker alone in this process (pre-encoded requests, ${aloneCalls} calls per rep)`,
        await workerAloneReps(handler, batches[0], aloneReps, aloneCalls),
      );
    if (aloneReps > 0)
      printReps(
        `worker CPU per finalize tick, the worker alone in this process (pre-encoded ticks, ${aloneCalls} ticks per rep)`,
        await workerAloneTicks(handler, batches[0], aloneReps, aloneCalls),
      );
  }
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
