/**
 * The worker's observability: one span per RPC through `@opentelemetry/api` (when
 * installed), metrics for `GET /metrics` (and OpenTelemetry metrics), and storage
 * profiles. Implements the dispatcher's {@link Instrumentation} seam.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { BoundStorage } from '../providers/storage/bound-storage';
import type { FunctionStorage, StorageScope } from '../providers/storage/function-storage';
import type { Logger } from '../providers/logging';
import { type Instrumentation, type RpcCall, type RpcPhase } from './instrumentation';
import { jsonLinesTracer } from './json-lines-tracer';
import { type MetricHandle, MetricsRegistry } from './metrics-registry';
import { type ModuleLoader, type OpenTelemetryApi, loadOpenTelemetryApi } from './otel-api';
import type {
  Attributes,
  OtelContext as Context,
  OtelMeter as Meter,
  OtelSpan as Span,
  OtelTracer as Tracer,
} from './otel.types';
import { formatProfile, mergeProfiles, payloadBytes, type StorageProfile } from './storage-profile';
import { executionTraceContext } from './trace-ids';

/** What a worker observes. */
export interface ObservabilityOptions {
  /** Spans per RPC: `true`, `false`, or `'auto'` (default): on when `@opentelemetry/api` is installed. */
  readonly tracing?: boolean | 'auto';
  /** The tracer to use instead of the global provider's (`trace.getTracer('vgi-silo')`). */
  readonly tracer?: Tracer;
  /** Counters and histograms for `GET /metrics`. Default true. */
  readonly metrics?: boolean;
  /** Mirror the metrics to this OpenTelemetry meter (default: the global `vgi-silo` meter when the API is installed). */
  readonly meter?: Meter;
  /** Append every span as a JSON line to this file instead of using the global provider (`SILO_TRACE_FILE`; what `silo run --trace` reads). */
  readonly traceFile?: string;
  /** Per-execution storage profiles, logged by the destructor. Default false. */
  readonly storageProfile?: boolean;
  /** Where profiles are logged. */
  readonly logger?: () => Logger;
  /** Loads `@opentelemetry/api` (tests simulate it being absent). */
  readonly loadApi?: ModuleLoader;
}

const SILO_TRACER_NAME = 'vgi-silo';
const PROFILE_NS = 'profile';
const hexOf = (id: Uint8Array): string => Buffer.from(id).toString('hex');
const now = (): number => performance.now();
/** Epoch milliseconds of a `performance.now()` reading, as spans take start times. */
const epochMs = (t: number): number => performance.timeOrigin + t;

/** The call a piece of code runs in, and its innermost span (user child spans nest). */
interface ActiveScope {
  readonly call: ObservedCall | undefined;
  readonly span: Span | undefined;
}

/**
 * Reads `SILO_TRACING` (`0`/`off`, `1`/`on`, default auto), `SILO_METRICS` (default on),
 * `SILO_STORAGE_PROFILE` (`1` turns profiles on) and `SILO_TRACE_FILE` (spans as JSON lines to that file).
 *
 * @example
 * ```ts
 * observabilityFromEnv({ SILO_STORAGE_PROFILE: '1' }); // { tracing: 'auto', metrics: true, storageProfile: true }
 * ```
 */
export function observabilityFromEnv(env: NodeJS.ProcessEnv = process.env): ObservabilityOptions {
  const flag = (raw: string | undefined): boolean | undefined => {
    const v = raw?.trim().toLowerCase();
    if (v === undefined || v === '' || v === 'auto') return undefined;
    return !['0', 'off', 'false', 'no'].includes(v);
  };
  const traceFile = env.SILO_TRACE_FILE?.trim() || undefined;
  return {
    tracing: flag(env.SILO_TRACING) ?? 'auto',
    metrics: flag(env.SILO_METRICS) ?? true,
    storageProfile: flag(env.SILO_STORAGE_PROFILE) ?? false,
    ...(traceFile ? { traceFile } : {}),
  };
}

/**
 * Observes a worker's calls.
 *
 * @example
 * ```ts
 * const observability = new Observability({ tracing: true, storageProfile: true });
 * const worker = await bootstrapWorker({ catalog: 'example', modules: [AppModule], observability });
 * observability.metrics?.renderPrometheus();
 * ```
 */
export class Observability implements Instrumentation {
  /** The worker's metrics (undefined when metrics are off). */
  readonly metrics: MetricsRegistry | undefined;
  readonly storageProfile: boolean;
  /** Whether tracing is wanted (`tracing` is not `false`). */
  private readonly tracingWanted: boolean;
  private readonly tracerOption: Tracer | undefined;
  private readonly traceFile: string | undefined;
  private readonly loadApi: ModuleLoader | undefined;
  /** Whether `@opentelemetry/api` was looked for yet (it is loaded once, when first needed). */
  private apiLoaded = false;
  /** The loaded API (also when tracing is off: the metrics' global meter comes from it). */
  private otel: OpenTelemetryApi | undefined;
  private tracerInUse: Tracer | undefined;
  /**
   * The no-op provider the API's proxy delegates to while no SDK is registered, when
   * {@link tracer} is the global one: its calls then start no span at all.
   */
  private noopProvider: object | undefined;
  private readonly scope = new AsyncLocalStorage<ActiveScope>();
  private readonly profiles = new Map<string, { profile: StorageProfile; dirty: boolean }>();
  private rawStorage?: FunctionStorage;
  private readonly logger?: () => Logger;
  private gcObserver?: PerformanceObserver;
  /** Series handles per function and phase, and per storage operation: the call path does no label lookups. */
  private readonly callSeries = new Map<string, CallSeries>();
  /** The trace parent of recent executions (each is a hash): one per execution, not per call. */
  private readonly contexts = new Map<string, Context>();
  /** Executions with a call in flight, by id (the live-executions gauge). */
  private readonly inFlight = new Map<string, number>();
  /** Names this process's profiles in storage: its pid, and a nonce for workers sharing a pid (tests, pid reuse). */
  private readonly profileKey = `${process.pid}-${randomBytes(3).toString('hex')}`;

  constructor(options: ObservabilityOptions = {}) {
    this.tracingWanted = (options.tracing ?? 'auto') !== false;
    this.tracerOption = options.tracer;
    this.traceFile = options.traceFile;
    this.loadApi = options.loadApi;
    this.storageProfile = options.storageProfile ?? false;
    this.logger = options.logger;
    // Loading the API costs a new worker ~25 ms of start-up. It is loaded now when the
    // options ask for it or an SDK already registered something (the global meter is
    // fixed when the metrics are defined); otherwise by the first call that finds an SDK
    // registered (see recordingTracer). A worker without an SDK never loads it.
    const wanted = this.tracingWanted || options.metrics !== false;
    const now =
      options.tracing === true ||
      options.tracer !== undefined ||
      options.traceFile !== undefined ||
      otelRegistrations() !== undefined;
    if (wanted && now) this.loadOtel();
    this.metrics =
      options.metrics === false
        ? undefined
        : this.defineMetrics(options.meter ?? this.otel?.metrics.getMeter(SILO_TRACER_NAME));
  }

  /**
   * The OpenTelemetry API, when installed and tracing is on. Until an SDK is registered
   * (and unless the options named a tracer or a trace file) it is not loaded: `undefined`.
   */
  get api(): OpenTelemetryApi | undefined {
    this.loadOtelOnceRegistered();
    return this.tracingWanted ? this.otel : undefined;
  }

  /** The tracer of the calls' spans, on the same terms as {@link api}. */
  get tracer(): Tracer | undefined {
    this.loadOtelOnceRegistered();
    return this.tracerInUse;
  }

  /** Whether calls produce spans (once an SDK is registered, for the global tracer). */
  get tracing(): boolean {
    return this.tracer !== undefined;
  }

  /** @internal whether spans may be produced now or later (so storage is timed for them). */
  get mayTrace(): boolean {
    return this.tracingWanted && (!this.apiLoaded || this.tracerInUse !== undefined);
  }

  /**
   * The tracer a call's span comes from, or `undefined` when tracing is off or no
   * OpenTelemetry SDK is registered (yet): the API's proxy would hand out a span that
   * records nothing, so the call skips its attributes, trace context and upkeep.
   * Checked per call, so an SDK registered after the worker started is picked up.
   */
  recordingTracer(): Tracer | undefined {
    if (!this.tracingWanted) return undefined;
    if (!this.apiLoaded) {
      // No SDK has registered a tracer provider: nothing would record, and the API stays unloaded.
      if (otelRegistrations()?.trace === undefined) return undefined;
      this.loadOtel();
    }
    const { tracerInUse: tracer, otel: api, noopProvider } = this;
    if (tracer === undefined || api === undefined) return undefined;
    if (noopProvider === undefined) return tracer;
    const provider = api.trace.getTracerProvider() as { getDelegate?: () => object };
    return typeof provider.getDelegate === 'function' && provider.getDelegate() === noopProvider ? undefined : tracer;
  }

  private loadOtelOnceRegistered(): void {
    if (!this.apiLoaded && this.tracingWanted && otelRegistrations() !== undefined) this.loadOtel();
  }

  /** Looks for the API (once) and, when tracing is wanted, sets up the tracer. */
  private loadOtel(): void {
    if (this.apiLoaded) return;
    this.apiLoaded = true;
    const api = loadOpenTelemetryApi(this.loadApi);
    this.otel = api;
    if (api === undefined || !this.tracingWanted) return;
    const given = this.tracerOption ?? (this.traceFile ? jsonLinesTracer(api, this.traceFile) : undefined);
    this.tracerInUse = given ?? api.trace.getTracer(SILO_TRACER_NAME);
    this.noopProvider = given === undefined ? unregisteredDelegate(api) : undefined;
  }

  private defineMetrics(meter: Meter | undefined): MetricsRegistry {
    const m = new MetricsRegistry(meter);
    m.counter('silo_calls_total', 'RPC calls served, by function and phase.');
    m.counter('silo_call_errors_total', 'RPC calls that failed, by function, phase and error code.');
    m.histogram('silo_call_duration_seconds', 'Time to serve one RPC call, by phase.');
    m.counter('silo_rows_in_total', 'Rows received (input batches), by function.');
    m.counter('silo_rows_out_total', 'Rows produced (finalize output), by function.');
    m.counter('silo_bytes_in_total', 'Arrow buffer bytes received, by function.');
    m.counter('silo_bytes_out_total', 'Arrow buffer bytes produced, by function.');
    m.counter('silo_storage_operations_total', 'Storage operations, by operation.');
    m.histogram('silo_storage_operation_duration_seconds', 'Latency of one storage operation, by operation.');
    m.gauge('silo_live_executions', 'Executions with a call in flight in this process.', () => this.inFlight.size);
    m.counter('silo_gc_collections_total', 'Garbage collections of this process, by kind.');
    m.gauge('silo_process_resident_memory_bytes', 'Resident set size of this process.', () =>
      process.memoryUsage.rss(),
    );
    try {
      this.gcObserver = new PerformanceObserver((list) => {
        for (const entry of list.getEntries())
          m.add('silo_gc_collections_total', 1, {
            kind: gcKind((entry as unknown as { detail?: { kind?: number } }).detail?.kind),
          });
      });
      this.gcObserver.observe({ entryTypes: ['gc'] });
    } catch {
      // Runtimes without GC performance entries just report none.
    }
    return m;
  }

  /** Stops observing garbage collection (the observer otherwise lives with the process). */
  close(): void {
    this.gcObserver?.disconnect();
  }

  begin(phase: RpcPhase, functionName: string, executionId: Uint8Array | undefined): RpcCall | undefined {
    if (this.metrics === undefined && this.tracer === undefined && !this.storageProfile) return undefined;
    return new ObservedCall(this, phase, functionName, executionId);
  }

  /** @internal the scope storage calls are charged to, and user spans nest in. */
  get active(): AsyncLocalStorage<ActiveScope> {
    return this.scope;
  }

  /** @internal */
  enter(id: string): void {
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
  }

  /** @internal */
  leave(id: string): void {
    const n = (this.inFlight.get(id) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(id);
    else this.inFlight.set(id, n);
  }

  /** The span context every span of `executionId` is a child of. */
  executionContext(executionId: Uint8Array, idHex: string): Context {
    let ctx = this.contexts.get(idHex);
    if (ctx === undefined) {
      const api = this.otel!;
      const { traceId, spanId } = executionTraceContext(executionId);
      ctx = api.trace.setSpanContext(api.ROOT_CONTEXT, {
        traceId,
        spanId,
        traceFlags: api.TraceFlags.SAMPLED,
        isRemote: true,
      });
      if (this.contexts.size >= 256) this.contexts.delete(this.contexts.keys().next().value as string);
      this.contexts.set(idHex, ctx);
    }
    return ctx;
  }

  /** @internal the metric series of calls of `functionName` in `phase`. */
  seriesOf(functionName: string, phase: RpcPhase): CallSeries | undefined {
    const m = this.metrics;
    if (m === undefined) return undefined;
    const k = `${functionName}\0${phase}`;
    let s = this.callSeries.get(k);
    if (s === undefined) {
      const labels = { function: functionName, phase };
      const fn = { function: functionName };
      s = {
        calls: m.handle('silo_calls_total', labels),
        duration: m.handle('silo_call_duration_seconds', labels),
        rowsIn: m.handle('silo_rows_in_total', fn),
        bytesIn: m.handle('silo_bytes_in_total', fn),
        rowsOut: m.handle('silo_rows_out_total', fn),
        bytesOut: m.handle('silo_bytes_out_total', fn),
      };
      this.callSeries.set(k, s);
    }
    return s;
  }

  wrapStorage(storage: FunctionStorage): FunctionStorage {
    this.rawStorage = storage;
    if (this.metrics === undefined && !this.mayTrace && !this.storageProfile) return storage;
    const wrapped = new Map<PropertyKey, unknown>();
    return new Proxy(storage, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function' || prop === 'constructor' || typeof prop === 'symbol') return value;
        let fn = wrapped.get(prop);
        if (fn === undefined) {
          fn = this.timed(prop, value as (...a: unknown[]) => unknown, target);
          wrapped.set(prop, fn);
        }
        return fn;
      },
    });
  }

  private timed(op: string, fn: (...a: unknown[]) => unknown, target: FunctionStorage): (...a: unknown[]) => unknown {
    const count = this.metrics?.handle('silo_storage_operations_total', { operation: op });
    const latency = this.metrics?.handle('silo_storage_operation_duration_seconds', { operation: op });
    return (...args: unknown[]) => {
      const started = now();
      const result = fn.apply(target, args);
      if (!(result instanceof Promise)) return result;
      return result.then((value: unknown) => {
        const ms = now() - started;
        count?.add(1);
        latency?.record(ms / 1000);
        this.storageDone(op, args, value, ms);
        return value;
      });
    };
  }

  private storageDone(op: string, args: unknown[], value: unknown, ms: number): void {
    if (this.tracerInUse !== undefined) this.scope.getStore()?.call?.chargeStorage(ms);
    if (!this.storageProfile) return;
    const scope = args[0] as StorageScope | undefined;
    if (scope?.kind !== 'execution' || !(scope.id instanceof Uint8Array) || scope.id.length === 0) return;
    const id = hexOf(scope.id);
    let entry = this.profiles.get(id);
    if (entry === undefined) {
      // Executions whose destructor ran elsewhere leave their entry here: keep the newest only.
      if (this.profiles.size >= 256) this.profiles.delete(this.profiles.keys().next().value as string);
      this.profiles.set(id, (entry = { profile: {}, dirty: false }));
    }
    let bytes = 0;
    for (let i = 1; i < args.length; i++) bytes += payloadBytes(args[i]);
    bytes += payloadBytes(value);
    mergeProfiles(entry.profile, { [op]: { count: 1, bytes, ms } });
    entry.dirty = true;
  }

  /**
   * @internal After a call of `executionId`: this process's profile of it goes to storage,
   * where the destructor (in whichever process) finds it.
   */
  async flushProfile(executionId: Uint8Array | undefined): Promise<void> {
    if (!this.storageProfile || executionId === undefined || this.rawStorage === undefined) return;
    const entry = this.profiles.get(hexOf(executionId));
    if (entry === undefined || !entry.dirty) return;
    entry.dirty = false;
    const bytes = new TextEncoder().encode(JSON.stringify(entry.profile));
    try {
      await BoundStorage.forFramework(this.rawStorage, { kind: 'execution', id: executionId }).put(
        PROFILE_NS,
        this.profileKey,
        bytes,
      );
    } catch {
      // A profile that cannot be saved (the execution just ended) is lost, not an error of the call.
    }
  }

  async executionEnding(executionId: Uint8Array): Promise<void> {
    if (!this.storageProfile || this.rawStorage === undefined || executionId.length === 0) return;
    const id = hexOf(executionId);
    const total: StorageProfile = {};
    const byProcess: Record<string, StorageProfile> = {};
    try {
      const saved = await BoundStorage.forFramework(this.rawStorage, { kind: 'execution', id: executionId }).scan(
        PROFILE_NS,
      );
      for (const e of saved)
        byProcess[new TextDecoder().decode(e.key)] = JSON.parse(new TextDecoder().decode(e.value)) as StorageProfile;
    } catch {
      // Reported from this process's share alone.
    }
    const own = this.profiles.get(id);
    if (own) byProcess[this.profileKey] = own.profile;
    this.profiles.delete(id);
    for (const p of Object.values(byProcess)) mergeProfiles(total, p);
    this.logger?.().info(`storage profile of execution ${id}:\n${formatProfile(total)}`, {
      event: 'storage_profile',
      execution: id,
      processes: Object.keys(byProcess).length,
      profile: total,
      by_process: byProcess,
    });
  }
}

/** The metric series one kind of call updates. */
interface CallSeries {
  readonly calls: MetricHandle;
  readonly duration: MetricHandle;
  readonly rowsIn: MetricHandle;
  readonly bytesIn: MetricHandle;
  readonly rowsOut: MetricHandle;
  readonly bytesOut: MetricHandle;
}

/** Node's GC kind flags, named as Prometheus labels. */
function gcKind(kind: number | undefined): string {
  switch (kind) {
    case 1:
      return 'minor';
    case 2:
      return 'major';
    case 4:
      return 'incremental';
    case 8:
      return 'weakcb';
    default:
      return 'other';
  }
}

/**
 * What the API's proxy provider delegates to while no SDK is registered (its shared
 * no-op provider), or `undefined` when this build of the API does not say.
 */
function unregisteredDelegate(api: OpenTelemetryApi): object | undefined {
  try {
    return api.ProxyTracerProvider ? new api.ProxyTracerProvider().getDelegate() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where `@opentelemetry/api` 1.x keeps what an SDK registers (`trace`, `metrics`,
 * `context`, ...): one global object shared by every copy of the API in the process, so
 * reading it needs none of them loaded. `undefined` while nothing was ever registered.
 */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');

function otelRegistrations(): { readonly trace?: unknown } | undefined {
  return (globalThis as { [OTEL_GLOBAL]?: { readonly trace?: unknown } })[OTEL_GLOBAL];
}

/** The error code of a failure (`SILO513`), or its class name. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  return error instanceof Error ? error.name : 'unknown';
}

class ObservedCall implements RpcCall {
  private readonly started = now();
  private span: Span | undefined;
  private rowsIn = 0;
  private bytesIn = 0;
  private rowsOut = 0;
  private bytesOut = 0;
  private storageMs = 0;
  private storageOps = 0;
  private idHex: string | undefined;

  constructor(
    private readonly owner: Observability,
    private readonly phase: RpcPhase,
    private functionName: string,
    private executionId: Uint8Array | undefined,
  ) {
    if (executionId !== undefined && executionId.length > 0) this.joined(executionId);
    // A primary sink init mints its execution during the call: its span starts once the trace is known.
    else if (phase !== 'sink_init') this.startSpan(undefined);
  }

  private joined(executionId: Uint8Array): void {
    this.executionId = executionId;
    this.idHex = hexOf(executionId);
    this.owner.enter(this.idHex);
    this.startSpan(executionId);
  }

  private startSpan(executionId: Uint8Array | undefined): void {
    const tracer = this.owner.recordingTracer();
    const api = this.owner.api;
    if (tracer === undefined || api === undefined) return;
    const attributes: Attributes = {
      'silo.function': this.functionName,
      'silo.phase': this.phase,
      'process.pid': process.pid,
    };
    if (executionId) attributes['silo.execution_id'] = hexOf(executionId);
    const parent = executionId ? this.owner.executionContext(executionId, this.idHex!) : api.ROOT_CONTEXT;
    const span = tracer.startSpan(
      `silo.${this.phase}`,
      { kind: api.SpanKind.SERVER, attributes, startTime: epochMs(this.started) },
      parent,
    );
    // The API without an SDK (or a sampler that dropped it) gives a span that records nothing: skip its upkeep.
    this.span = span.isRecording() ? span : undefined;
  }

  setExecution(executionId: Uint8Array): void {
    if (this.executionId === undefined || this.executionId.length === 0) this.joined(executionId);
  }

  setFunction(functionName: string): void {
    this.functionName = functionName;
    this.span?.setAttribute('silo.function', functionName);
  }

  addInput(rows: number, bytes: number): void {
    this.rowsIn += rows;
    this.bytesIn += bytes;
  }

  addOutput(rows: number, bytes: number): void {
    this.rowsOut += rows;
    this.bytesOut += bytes;
  }

  /** @internal */
  chargeStorage(ms: number): void {
    this.storageMs += ms;
    this.storageOps += 1;
  }

  /** @internal the span user code's child spans hang under. */
  get currentSpan(): Span | undefined {
    return this.span;
  }

  run<T>(fn: () => T): T {
    // Without a span nothing needs the call's context (a primary sink init gets its span inside): no async scope is entered.
    if (this.span === undefined && !(this.phase === 'sink_init' && this.owner.recordingTracer())) return fn();
    const scope = this.owner.active;
    const api = this.owner.api;
    const inner = (): T =>
      this.span && api ? api.context.with(api.trace.setSpan(api.context.active(), this.span), fn) : fn();
    return scope.run({ call: this, span: this.span }, inner);
  }

  end(error?: unknown): Promise<void> | undefined {
    const ms = now() - this.started;
    const series = this.owner.seriesOf(this.functionName, this.phase);
    if (series) {
      series.calls.add(1);
      series.duration.record(ms / 1000);
      if (error !== undefined)
        this.owner.metrics!.add('silo_call_errors_total', 1, {
          function: this.functionName,
          phase: this.phase,
          code: errorCode(error),
        });
      if (this.rowsIn > 0) series.rowsIn.add(this.rowsIn);
      if (this.bytesIn > 0) series.bytesIn.add(this.bytesIn);
      if (this.rowsOut > 0) series.rowsOut.add(this.rowsOut);
      if (this.bytesOut > 0) series.bytesOut.add(this.bytesOut);
    }
    if (this.phase === 'sink_init' && this.span === undefined && this.executionId === undefined)
      this.startSpan(undefined);
    const span = this.span;
    if (span) {
      span.setAttributes({
        'silo.rows_in': this.rowsIn,
        'silo.bytes_in': this.bytesIn,
        'silo.rows_out': this.rowsOut,
        'silo.bytes_out': this.bytesOut,
        'silo.storage.ms': Math.round(this.storageMs * 1000) / 1000,
        'silo.storage.operations': this.storageOps,
      });
      if (error !== undefined) {
        const api = this.owner.api!;
        span.recordException(error instanceof Error ? error : String(error));
        span.setAttribute('silo.error.code', errorCode(error));
        span.setStatus({
          code: api.SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
      }
      span.end(epochMs(this.started + ms));
    }
    if (this.idHex !== undefined) this.owner.leave(this.idHex);
    return this.owner.storageProfile && this.phase !== 'destructor'
      ? this.owner.flushProfile(this.executionId)
      : undefined;
  }
}
