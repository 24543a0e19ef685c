/**
 * `silo run <entry> <function> --input FILE`: runs a buffering function the way DuckDB
 * would — through real worker processes it starts from `<entry>`, or through HTTP workers
 * already serving (`<entry>` an `http(s)://` URL, and/or `--url URL` repeated: each
 * request goes to the next) — with progress on stderr, and prints the result (or writes
 * it with `--out`).
 */
import {
  type DestructorOutcome,
  describeCommand,
  describeProtocol,
  type ProtocolChoice,
  type RunFunctionOptions,
  type RunFunctionResult,
  RunCancelledError,
  runFunction,
} from '../../client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VECTOR_SIZE } from '../../lifecycle';
import { formatTimeline, readSpanRecords } from '../../observability';
import { createStorageFromEnv, toHex } from '../../providers/storage';
import { parseArgAssignments } from '../arg-values';
import { CliError } from '../cli.error';
import { createProgressReporter } from '../progress-reporter';
import { RunOutput } from '../run-output';
import { resolveTableOutput } from '../table-files';
import { openTableSource } from '../table-source';
import { type HttpClientSettings, resolveWorkerTarget, type WorkerTarget } from '../worker-target';
import { describeBackend, endExecution } from './storage.command';

/** Options of `silo run` as commander hands them over (strings). */
interface RunCommandOptions {
  readonly input?: string;
  readonly arg?: readonly string[];
  readonly workers?: string;
  readonly batchSize?: string;
  /** A file, or `-` for stdout. */
  readonly out?: string;
  /** The format of `--out`: csv, json, ndjson or arrow (default: the file's extension; csv for stdout). */
  readonly format?: string;
  readonly catalog?: string;
  readonly limit?: string;
  readonly rows?: string;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
  /** HTTP worker base URLs (`--url`, repeatable). */
  readonly url?: readonly string[];
  /** Bearer token for HTTP workers (`--auth-token`; default `SILO_AUTH_TOKEN`). */
  readonly authToken?: string;
  /** Seconds a connection to an HTTP worker may take before it counts as unreachable (`--connect-timeout`). */
  readonly connectTimeout?: string;
  /** Seconds an HTTP worker may take to answer a request (`--request-timeout`). */
  readonly requestTimeout?: string;
  /** Gzip request bodies to HTTP workers (`--gzip`). */
  readonly gzip?: boolean;
  /** `--protocol VERSION`: 2.0.0 (vgi.v2), 1.3.0, 1.0.0 or auto (the default). */
  readonly protocol?: string;
  /** `--trace`: the workers write their spans to a scratch file; the per-phase timeline is printed on stderr. */
  readonly trace?: boolean;
}

/** Where the command writes. */
export interface CommandIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/**
 * Runs `silo run`. `entry` is a worker entry, an HTTP worker URL, or `undefined` when the
 * workers are given with `--url` only.
 */
export async function runCommand(
  entry: string | undefined,
  functionName: string,
  options: RunCommandOptions,
  io: CommandIo,
): Promise<RunFunctionResult> {
  // The summary's time is the whole command's: reading the input is part of the run.
  const started = Date.now();
  if (!options.input)
    throw new CliError(
      'silo run needs --input FILE (.csv, .json, .ndjson, .arrow or .parquet) with the rows to feed the function.',
    );
  const sinkConnections = positiveInt('--workers', options.workers ?? '1', 1, 256);
  const batchSize = positiveInt('--batch-size', options.batchSize ?? String(VECTOR_SIZE), 1, VECTOR_SIZE);
  const limit =
    options.limit === undefined ? undefined : positiveInt('--limit', options.limit, 1, Number.MAX_SAFE_INTEGER);
  const shownRows = positiveInt('--rows', options.rows ?? '20', 1, Number.MAX_SAFE_INTEGER);
  const target = resolveWorkerTarget(entry, options);
  if (options.trace && target.kind !== 'process') {
    throw new CliError(
      'silo run --trace needs worker processes: HTTP workers write their spans where their own tracing sends them. Drop --trace, or run the entry instead of --url.',
    );
  }
  const traceDir = options.trace ? mkdtempSync(join(tmpdir(), 'silo-trace-')) : undefined;
  const traceFile = traceDir ? join(traceDir, 'spans.jsonl') : undefined;
  const output = resolveTableOutput(options.out, options.format);
  const reading = { bytes: 0, total: 0 };
  const progress = createProgressReporter(io.stderr, {
    quiet: options.quiet,
    input: { totalBytes: () => reading.total, bytesRead: () => reading.bytes },
  });
  // Read as the sink takes batches: memory holds a few batches, not the file.
  const input = await openTableSource(options.input, {
    batchRows: batchSize,
    onRead: (bytes, total) => {
      reading.bytes = bytes;
      reading.total = total;
      progress.inputRead();
    },
  }).catch((error: unknown) => {
    progress.stop();
    throw error;
  });
  const sink = new RunOutput(output, shownRows, io.stdout);
  const abort = new AbortController();
  // Kept for the whole run (not once): a second Ctrl-C must not kill the command while
  // it cleans up. The workers are in their own process groups and outlive the signal.
  const onSigint = (): void => abort.abort('interrupted (Ctrl-C)');
  const onSigterm = (): void => abort.abort('terminated (SIGTERM)');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  let destructor: DestructorOutcome | null = null;
  let result: RunFunctionResult;
  try {
    result = await runFunction({
      ...workersOf(target),
      ...(traceFile ? { env: { ...process.env, SILO_TRACE_FILE: traceFile } } : {}),
      catalog: options.catalog,
      protocol: options.protocol as ProtocolChoice | undefined,
      function: functionName,
      input,
      args: (fn) => parseArgAssignments(options.arg ?? [], fn),
      sinkConnections,
      batchSize,
      limit,
      signal: abort.signal,
      onProgress: (p) => progress.update(p),
      // Each output batch goes to --out as it arrives (or is kept only to be shown).
      keepOutput: false,
      onOutputBatch: (batch) => sink.push(batch),
      onLog: options.verbose
        ? (log) => io.stderr.write(`[${log.phase} ${log.url ?? `pid ${log.pid ?? '?'}`}] ${log.level} ${log.message}\n`)
        : undefined,
      onStderr: options.verbose
        ? (pid, chunk) => io.stderr.write(chunk.replace(/^(?=.)/gm, `[worker ${pid ?? '?'}] `))
        : undefined,
      onDestructor: (outcome) => (destructor = outcome),
    });
  } catch (error) {
    progress.stop();
    if (traceDir) rmSync(traceDir, { recursive: true, force: true });
    await sink.abandon();
    const cleaned = await cleanUpAfterDestructor(target, destructor, io);
    if (error instanceof RunCancelledError) {
      process.exitCode = 130;
      throw cleaned === null ? error : new RunCancelledError(error.reason, cleaned);
    }
    throw error;
  } finally {
    progress.stop();
    await input.close();
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
  }
  if (traceFile) {
    io.stderr.write(`${formatTimeline(readSpanRecords(traceFile), result.executionId)}\n`);
    rmSync(traceDir!, { recursive: true, force: true });
  }
  await cleanUpAfterDestructor(target, destructor, io);
  // Without rows the output is still opened on the result's schema (a CSV keeps its header).
  await sink.finish(result.output.schema);
  if (!options.quiet) {
    io.stderr.write(
      `silo: protocol ${describeProtocol(result.protocol)}${(options.protocol ?? 'auto') === 'auto' ? ', the newest the workers accept' : ''}\n`,
    );
    io.stderr.write(
      `silo: ${result.functionName} over ${plural(input.rowsRead(), 'row')} → ${plural(sink.rows, 'row')}${output ? ` written to ${output.destination}` : ''} in ${Date.now() - started} ms ` +
        `(${describeWorkers(target, result, destructor)})\n`,
    );
  }
  return result;
}

/**
 * When the destructor could not run (its workers were gone), ends the execution in the
 * storage the worker processes share — the one this environment selects, which they
 * inherit — and says so on stderr. Returns the outcome with who cleaned it, or `null`
 * when there was nothing to do. HTTP workers' storage is theirs: the message then names
 * the command to run there.
 */
async function cleanUpAfterDestructor(
  target: WorkerTarget,
  outcome: DestructorOutcome | null,
  io: CommandIo,
): Promise<DestructorOutcome | null> {
  if (outcome === null || outcome.ran) return null;
  const id = toHex(outcome.executionId);
  if (target.kind !== 'process' || (process.env.SILO_STORAGE?.trim().toLowerCase() ?? '') === 'memory') {
    io.stderr.write(
      `silo: the destructor of execution ${id} could not run (${outcome.failure ?? 'no worker answered'}); its data stays in the workers' storage until its lease expires: run silo storage gc --execution ${id} where that storage is.\n`,
    );
    return null;
  }
  try {
    const storage = createStorageFromEnv(process.env);
    try {
      const done = await endExecution(storage, outcome.executionId, process.env);
      io.stderr.write(
        `silo: the destructor of execution ${id} could not run (${outcome.failure ?? 'no worker answered'}); silo ${done}.\n`,
      );
      return { ...outcome, cleanedBy: `silo ended it in ${describeBackend(storage, process.env)}` };
    } finally {
      await storage.close();
    }
  } catch (error) {
    io.stderr.write(
      `silo: the destructor of execution ${id} could not run, and silo could not end it in storage either (${(error as Error).message}); run silo storage gc --execution ${id}.\n`,
    );
    return null;
  }
}

function workersOf(target: WorkerTarget): Pick<RunFunctionOptions, 'command' | 'urls'> & HttpClientSettings {
  return target.kind === 'process' ? { command: target.command } : { urls: target.urls, ...target.settings };
}

/** Who served the run: the pids of each phase, or how many requests each HTTP worker got. */
function describeWorkers(
  target: WorkerTarget,
  result: RunFunctionResult,
  destructor: DestructorOutcome | null,
): string {
  if (target.kind === 'process') {
    const { pids } = result;
    const destroyedBy = destructor?.ran === false ? 'failed' : (pids.destructor ?? '-');
    return `${describeCommand(target.command)}; sink pids ${pids.sink.join(',')}, combine ${pids.combine ?? '-'}, finalize ${pids.finalize.join(',') || '-'}, destructor ${destroyedBy}`;
  }
  const perUrl = new Map<string, number>();
  for (const r of result.requests) perUrl.set(r.url, (perUrl.get(r.url) ?? 0) + 1);
  const refused = new Map<string, number>();
  for (const r of result.refused) refused.set(r.url, (refused.get(r.url) ?? 0) + 1);
  const refusals = [...refused].map(([url, n]) => `; ${url} refused ${plural(n, 'connection')}`).join('');
  return `${plural(result.requests.length, 'HTTP request')}: ${[...perUrl].map(([url, n]) => `${n} to ${url}`).join(', ')}${refusals}`;
}

/**
 * Parses a whole number option within bounds.
 */
export function positiveInt(option: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new CliError(`${option} must be a whole number ${range}, got "${text}".`);
  }
  return value;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
