/**
 * `runFunction`: one query of a buffering function, driven over the wire exactly as the
 * DuckDB extension drives it (vgi-wire §5.1, §8) — discovery and bind on a pooled
 * connection, N sink worker processes, combine on one of them, a fresh process per
 * finalize stream, the destructor on an idle process — then every process is closed.
 * Over HTTP (§2.3) the same lifecycle runs as independent requests, spread round robin
 * over the given worker URLs.
 */
import { type RecordBatch, type Schema, Table } from 'apache-arrow';
import { conformBatchToSchema } from '../../arrow';
import {
  type DriveOptions,
  type DrivePlan,
  finalizeParallelism,
  nullableSchema,
  planDrive,
  planProjection,
  type ProjectionPlan,
  vectorCount,
  vectorsOf,
  withinLimit,
} from '../../lifecycle';
import { bindArgumentsByName } from './argument-binding';
import { bindFunction } from './bind-call';
import { RunCancelledError, RunConfigurationError } from '../client.error';
import { discoverIn, findFunction } from '../discovery';
import { runFinalize } from './finalize-phase';
import { type HttpRequestInfo } from '../http/http-connection';
import { HttpFleet } from '../http/http-fleet';
import { parseProtocolChoice, ProtocolSetting, protocolVersionOf } from '../protocol-choice';
import {
  type DestructorOutcome,
  type RunFunctionOptions,
  type RunFunctionResult,
  type RunInputSource,
  type RunLog,
  type RunPids,
  type RunProgress,
  type RunRequest,
  type RunTimings,
} from './run-function.types';
import { combineOn, runSink } from './sink-phase';
import { type ConnectionLauncher, type VgiConnection, type WorkerRole } from '../connection/vgi-connection';
import { type ProtocolSource, type ReceivedLog } from '../connection/worker-connection';
import { WorkerLauncher } from '../connection/worker-launcher';

/**
 * Runs a buffering function through real worker processes it starts (`command`), or
 * through HTTP workers already serving (`urls`, each request to the next one).
 *
 * @example
 * ```ts
 * const { output, pids } = await runFunction({
 *   command: [process.execPath, 'dist/samples/worker.js'],
 *   env: { ...process.env, SILO_STORAGE: 'sqlite', SILO_SQLITE_PATH: '/tmp/silo.db' },
 *   function: 'top_k',
 *   input: trips,
 *   args: { k: 5n, by: 'fare' },
 *   sinkConnections: 4,
 * });
 *
 * const overHttp = await runFunction({
 *   urls: ['http://10.0.0.7:8080/vgi', 'http://10.0.0.8:8080/vgi'],
 *   authToken: process.env.SILO_AUTH_TOKEN,
 *   function: 'top_k',
 *   input: trips,
 *   args: { k: 5n, by: 'fare' },
 *   sinkConnections: 4,
 * });
 * overHttp.requests.map((r) => r.url); // alternating between the two workers
 * ```
 */
export async function runFunction(options: RunFunctionOptions): Promise<RunFunctionResult> {
  const started = Date.now();
  const drive = driveOptionsOf(options);
  // Checked before any process starts; the function's flags refine the plan after discovery.
  const requested = planDrive({}, drive);
  const logs: RunLog[] = [];
  const onLog = (log: ReceivedLog, role: WorkerRole): void => {
    const entry: RunLog = {
      level: log.level,
      message: log.message,
      extra: log.extra,
      pid: log.pid,
      phase: phaseOf(log.method, role),
      ...(log.url !== undefined ? { url: log.url } : {}),
    };
    logs.push(entry);
    options.onLog?.(entry);
  };
  const requests: RunRequest[] = [];
  const entries = new WeakMap<HttpRequestInfo, RunRequest>();
  const onRequest = (request: HttpRequestInfo, role: WorkerRole): void => {
    // A stream's /exchange turns and its cancel belong to the stream's phase, as its /init does.
    const entry: RunRequest = {
      phase: phaseOf(request.call === 'exchange' || request.call === 'cancel' ? 'init' : request.call, role),
      call: request.call,
      url: request.url,
    };
    entries.set(request, entry);
    requests.push(entry);
    options.onRequest?.(entry);
  };
  // A worker that refused the connection never had the request (it went to the next one): not a request it served.
  const refused: RunRequest[] = [];
  const onRefused = (request: HttpRequestInfo): void => {
    const entry = entries.get(request)!;
    const at = requests.indexOf(entry);
    if (at >= 0) requests.splice(at, 1);
    refused.push(entry);
  };
  const protocol = new ProtocolSetting(parseProtocolChoice(options.protocol));
  const launcher = launcherFor(options, onLog, onRequest, onRefused, protocol.source);
  const run = new RunState(options, launcher, protocol);
  try {
    return await run.execute(drive, requested, { logs, requests, refused }, started);
  } catch (error) {
    // Whatever an abort broke (a killed worker, a refused call) is reported as the cancel it is.
    if (options.signal?.aborted) throw new RunCancelledError(cancelReason(options.signal), run.destructor);
    throw error;
  } finally {
    run.detach();
    await launcher.closeAll();
  }
}

/** The shared drive options of a run, `sinkWorkers` read as the `sinkConnections` it stands for. */
function driveOptionsOf(options: RunFunctionOptions): DriveOptions {
  const { sinkConnections, sinkWorkers } = options;
  if (sinkConnections !== undefined && sinkWorkers !== undefined && sinkConnections !== sinkWorkers)
    throw new RunConfigurationError(
      `sinkConnections (${sinkConnections}) and sinkWorkers (${sinkWorkers}) disagree; sinkWorkers is the old name of sinkConnections: give only sinkConnections.`,
    );
  return {
    batchSize: options.batchSize,
    sinkConnections: sinkConnections ?? sinkWorkers,
    batchesPerMorsel: options.batchesPerMorsel,
    projection: options.projection,
    limit: options.limit,
  };
}

/** Why the caller aborted: the signal's reason (`abort('interrupted (Ctrl-C)')`), or `aborted`. */
function cancelReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason === undefined) return 'aborted';
  return reason instanceof Error ? reason.message : String(reason);
}

/** The mutable state of one run: progress counters, timings, the execution to destroy. */
class RunState {
  readonly progress: { -readonly [K in keyof RunProgress]: RunProgress[K] } = {
    phase: 'discovery',
    totalRows: 0,
    totalBatches: 0,
    rowsIn: 0,
    batchesIn: 0,
    streamsTotal: 0,
    streamsDone: 0,
    rowsOut: 0,
  };
  readonly timings: { -readonly [K in keyof RunTimings]: RunTimings[K] } = {
    discoveryMs: 0,
    bindMs: 0,
    sinkMs: 0,
    combineMs: 0,
    finalizeMs: 0,
    destructorMs: 0,
    totalMs: 0,
  };
  private sinkConnections: VgiConnection[] = [];
  /** What the destructor did, once the run minted an execution and tried to end it. */
  destructor: DestructorOutcome | null = null;
  private readonly onAbort = (): void => {
    // DuckDB abandons busy connections on an interrupt; their calls then fail. Finalize
    // streams are cancelled between ticks instead.
    if (['discovery', 'bind', 'sink', 'combine'].includes(this.progress.phase))
      for (const c of this.sinkConnections) c.kill();
  };

  constructor(
    private readonly options: RunFunctionOptions,
    private readonly launcher: ConnectionLauncher,
    /** The version every connection of the run speaks, settled by discovery. */
    private readonly protocol: ProtocolSetting,
  ) {
    options.signal?.addEventListener('abort', this.onAbort);
  }

  detach(): void {
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }

  private enter(phase: RunProgress['phase']): number {
    this.progress.phase = phase;
    this.report();
    return Date.now();
  }

  private report(): void {
    this.options.onProgress?.({ ...this.progress });
  }

  private aborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  /** The error of a run the caller aborted: the reason it gave, whichever step noticed. */
  private cancelled(): RunCancelledError {
    return new RunCancelledError(cancelReason(this.options.signal), this.destructor);
  }

  async execute(
    drive: DriveOptions,
    requested: DrivePlan,
    records: Pick<RunFunctionResult, 'logs' | 'requests' | 'refused'>,
    started: number,
  ): Promise<RunFunctionResult> {
    const { options } = this;
    // Every sink process starts now, so they boot while discovery and bind run. The first
    // one serves discovery and bind, then becomes the primary sink connection (a pooled
    // connection reused, as DuckDB's pool would).
    const launched = Array.from({ length: requested.sinkConnections }, () => this.launcher.start('sink'));
    this.sinkConnections = launched;
    // One process for the first finalize stream boots alongside (never a sink process).
    this.launcher.prestart(1);
    const first = launched[0];
    let t = this.enter('discovery');
    const discovery = await discoverIn(this.protocol, first, { catalog: options.catalog });
    const fn = findFunction(discovery, options.schema ? `${options.schema}.${options.function}` : options.function);
    const flags = fn.info;
    const plan = planDrive(flags, drive);
    for (const extra of launched.slice(plan.sinkConnections)) this.launcher.release(extra);
    this.sinkConnections = launched.slice(0, plan.sinkConnections);
    this.timings.discoveryMs = Date.now() - t;

    t = this.enter('bind');
    const inputSchema = nullableSchema(options.input.schema);
    const input = inputBatches(options.input, inputSchema, plan.batchSize);
    const attachOpaqueData = discovery.attach.attachOpaqueData;
    const bound = await bindFunction(first, {
      fn,
      arguments: bindArgumentsByName(fn, typeof options.args === 'function' ? options.args(fn) : (options.args ?? {})),
      inputSchema,
      attachOpaqueData,
      settings: options.settings,
      secrets: options.secrets,
    });
    const outputSchema = bound.response.outputSchema;
    const projection = planProjection(
      flags,
      outputSchema.fields.map((f) => f.name),
      options.projection,
    );
    this.timings.bindMs = Date.now() - t;
    if (this.aborted()) throw this.cancelled();

    // The first batch is read before the sink starts: an empty input mints nothing.
    const head = await input.next();
    this.progress.totalRows = options.input.numRows ?? 0;
    // A source's batches are counted from its row count when it knows it (full batches but the last).
    this.progress.totalBatches = isInputSource(options.input)
      ? vectorCount([options.input.numRows ?? 0], plan.batchSize)
      : vectorCount(
          options.input.batches.map((b) => b.numRows),
          plan.batchSize,
        );
    const functionName = `${discovery.catalog}.${fn.schemaPath.join('.')}.${fn.name}`;
    const base = { outputSchema, functionName, protocol: protocolVersionOf(discovery.protocol), ...records };
    // DuckDB never sinks an empty input: no init, no combine, no finalize, no destructor.
    if (head.done === true)
      return this.finish(started, {
        ...base,
        output: emptyOutput(outputSchema, projection),
        executionId: new Uint8Array(0),
        finalizeStateIds: [],
        ticks: [],
        limited: false,
        pids: { sink: [], combine: null, finalize: [], destructor: null },
      });

    const ref = { functionName: fn.name, schemaPath: fn.schemaPath, attachOpaqueData };
    let executionId: Uint8Array | null = null;
    const pids: { -readonly [K in keyof RunPids]: RunPids[K] } = {
      sink: [],
      combine: null,
      finalize: [],
      destructor: null,
    };
    let idle: VgiConnection | null = null;
    try {
      t = this.enter('sink');
      const sink = await runSink({
        ...ref,
        bindCall: bound.bindCall,
        outputSchema,
        bindOpaqueData: bound.response.opaqueData,
        inputSchema,
        batches: prepend(head.value, input),
        connections: this.sinkConnections,
        batchesPerMorsel: plan.batchesPerMorsel,
        batchIndex: plan.batchIndex,
        stopped: () => this.aborted(),
        onMinted: (id) => (executionId = id),
        onBatch: (rows) => {
          this.progress.rowsIn += rows;
          this.progress.batchesIn += 1;
          this.report();
        },
      });
      executionId = sink.executionId;
      pids.sink = sink.used.map((c) => c.pid).filter((p): p is number => p !== null);
      this.timings.sinkMs = Date.now() - t;
      if (this.aborted()) throw this.cancelled();

      t = this.enter('combine');
      const finalizeStateIds = await combineOn(sink, ref);
      pids.combine = sink.combiner.pid;
      this.timings.combineMs = Date.now() - t;

      this.progress.streamsTotal = finalizeStateIds.length;
      t = this.enter('finalize');
      const { limit } = plan;
      const source = await runFinalize({
        bindCall: bound.bindCall,
        outputSchema,
        bindOpaqueData: bound.response.opaqueData,
        executionId,
        projectionIds: projection.pushed,
        finalizeStateIds,
        parallelism: finalizeParallelism(flags, options.finalizeParallelism, plan.sinkConnections),
        pooled: options.finalizeProcesses === 'pooled',
        launcher: this.launcher,
        stopped: () => this.aborted() || this.progress.rowsOut >= limit,
        keepBatches: options.keepOutput !== false,
        onBatch: (batch) => {
          // What the caller streams is what result.output holds: projected, cut at the limit.
          const before = this.progress.rowsOut;
          this.progress.rowsOut += batch.numRows;
          if (options.onOutputBatch !== undefined) {
            const projected = projection.local ? new Table([batch]).select([...projection.local]).batches[0] : batch;
            const kept = withinLimit(projected, before, limit);
            if (kept !== null) options.onOutputBatch(kept);
          }
          this.report();
        },
        onStreamDone: () => {
          this.progress.streamsDone += 1;
          this.report();
        },
      });
      pids.finalize = [...source.pids];
      idle = source.idle;
      this.timings.finalizeMs = Date.now() - t;
      if (this.aborted()) throw this.cancelled();

      const output = assembleOutput(source.batches.flat(), outputSchema, projection, limit);
      t = this.enter('destructor');
      pids.destructor = await this.destroy([idle, sink.combiner], { ...ref, executionId });
      this.timings.destructorMs = Date.now() - t;
      return this.finish(started, {
        ...base,
        output,
        executionId,
        finalizeStateIds,
        ticks: source.ticks,
        limited: source.stoppedEarly && !this.aborted(),
        pids,
      });
    } catch (error) {
      // Best effort, as DuckDB's operator teardown: the destructor still runs, on any healthy process.
      if (executionId !== null) await this.destroy([idle, ...this.sinkConnections], { ...ref, executionId });
      throw error;
    }
  }

  /**
   * Runs the destructor on the first usable connection among `candidates`, else on an
   * unused or new process; returns its pid. Never raises: the extension swallows
   * destructor errors.
   */
  private async destroy(
    candidates: readonly (VgiConnection | null)[],
    request: {
      functionName: string;
      schemaPath: readonly string[];
      attachOpaqueData: Uint8Array;
      executionId: Uint8Array;
    },
  ): Promise<number | null> {
    let target: VgiConnection | null = null;
    let failure: string | undefined;
    try {
      // A process started ahead for a finalize stream that never ran serves as well as a new one.
      target =
        candidates.find((c): c is VgiConnection => c !== null && c.usable) ??
        (this.launcher.spareCount > 0 ? this.launcher.fresh() : this.launcher.start('destructor'));
      await target.call('table_buffering_destructor', request);
    } catch (error) {
      // The extension swallows destructor errors (vgi-wire §4.12); the caller learns of it
      // through onDestructor, and the storage lease GC covers a lost one.
      failure = error instanceof Error ? error.message : String(error);
    }
    const pid = target?.pid ?? null;
    this.destructor = {
      executionId: request.executionId,
      ran: failure === undefined,
      pid,
      ...(failure === undefined ? {} : { failure }),
    };
    this.options.onDestructor?.(this.destructor);
    return pid;
  }

  private finish(started: number, result: Omit<RunFunctionResult, 'timings'>): RunFunctionResult {
    this.timings.totalMs = Date.now() - started;
    this.enter('done');
    return { ...result, timings: { ...this.timings } };
  }
}

/**
 * The launcher of the run's workers: processes from `command`, or a fleet of HTTP URLs.
 * Exactly one of the two must be given; options that only apply to the other are refused
 * rather than silently ignored.
 */
function launcherFor(
  options: RunFunctionOptions,
  onLog: (log: ReceivedLog, role: WorkerRole) => void,
  onRequest: (request: HttpRequestInfo, role: WorkerRole) => void,
  onRefused: (request: HttpRequestInfo) => void,
  protocol: ProtocolSource,
): ConnectionLauncher {
  const { command, urls } = options;
  if (command !== undefined && urls !== undefined) {
    throw new RunConfigurationError(
      'Both command and urls are given. Give exactly one: command to start worker processes, or urls to use HTTP workers that are already serving.',
    );
  }
  if (urls !== undefined) {
    const processOnly = (['env', 'cwd'] as const).filter((key) => options[key] !== undefined);
    if (processOnly.length > 0) {
      throw new RunConfigurationError(
        `${processOnly.join(' and ')} configure${processOnly.length === 1 ? 's' : ''} worker processes this run starts, but urls names HTTP workers that already run: set their environment where they are served (silo serve <entry> --http PORT), and remove ${processOnly.join(' and ')}.`,
      );
    }
    const { authToken, connectTimeoutMs, requestTimeoutMs, compressRequests } = options;
    return new HttpFleet(urls, {
      authToken,
      connectTimeoutMs,
      requestTimeoutMs,
      compressRequests,
      protocol,
      onLog,
      onRequest,
      onRefused,
    });
  }
  if (command === undefined) {
    throw new RunConfigurationError(
      'Neither command nor urls is given. Give command (e.g. [process.execPath, "dist/worker.js"]) to start worker processes, or urls (e.g. ["http://127.0.0.1:8080/vgi"]) to use HTTP workers.',
    );
  }
  if (options.authToken !== undefined) {
    throw new RunConfigurationError(
      'authToken is sent to HTTP workers, but command starts worker processes, which take no bearer token. Remove authToken, or give urls instead of command.',
    );
  }
  const httpOnly = (['connectTimeoutMs', 'requestTimeoutMs', 'compressRequests'] as const).filter(
    (key) => options[key] !== undefined,
  );
  if (httpOnly.length > 0) {
    throw new RunConfigurationError(
      `${httpOnly.join(' and ')} appl${httpOnly.length === 1 ? 'ies' : 'y'} to HTTP requests, but command starts worker processes. Remove ${httpOnly.join(' and ')}, or give urls instead of command.`,
    );
  }
  return new WorkerLauncher({
    command,
    env: options.env,
    cwd: options.cwd,
    protocol,
    onLog,
    onStderr: options.onStderr,
  });
}

function phaseOf(method: string, role: WorkerRole): RunLog['phase'] {
  if (method.startsWith('catalog_')) return 'discovery';
  if (method === 'bind') return 'bind';
  if (method === 'init') return role === 'finalize' ? 'finalize' : 'sink-init';
  if (method === 'table_buffering_process') return 'process';
  if (method === 'table_buffering_combine') return 'combine';
  return 'destructor';
}

/**
 * DuckDB's vectors: batches of at most `size` rows, each on the (all-nullable) input
 * schema, read from the input only as they are asked for. Empty batches are skipped.
 */
async function* inputBatches(
  input: Table | RunInputSource,
  schema: Schema,
  size: number,
): AsyncGenerator<RecordBatch, void, undefined> {
  const source: AsyncIterator<RecordBatch> | Iterator<RecordBatch> = isInputSource(input)
    ? input.batches()
    : input.batches[Symbol.iterator]();
  for (;;) {
    const next = await source.next();
    if (next.done === true) return;
    yield* vectorsOf(conformBatchToSchema(next.value, schema, 'the run input'), size);
  }
}

/** A source to pull rather than a table (told apart by shape: a table from another copy of apache-arrow is still a table). */
function isInputSource(input: Table | RunInputSource): input is RunInputSource {
  return typeof input.batches === 'function';
}

/** `first`, then the rest of `rest`. */
async function* prepend(
  first: RecordBatch,
  rest: AsyncIterator<RecordBatch>,
): AsyncGenerator<RecordBatch, void, undefined> {
  yield first;
  for (;;) {
    const next = await rest.next();
    if (next.done === true) return;
    yield next.value;
  }
}

function emptyOutput(schema: Schema, projection: ProjectionPlan): Table {
  const table = new Table(schema);
  return projection.columns ? table.select([...projection.columns]) : table;
}

function assembleOutput(batches: RecordBatch[], schema: Schema, projection: ProjectionPlan, limit: number): Table {
  if (batches.length === 0) return emptyOutput(schema, projection);
  let table = new Table(batches);
  if (projection.local) table = table.select([...projection.local]);
  return table.numRows > limit ? table.slice(0, limit) : table;
}
