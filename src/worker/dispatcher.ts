import { randomBytes } from 'node:crypto';
import type { Schema } from 'apache-arrow';
import type { DependencyContainer } from 'tsyringe';
import { runInCall } from '../container/call-scope';
import { createExecutionContainer } from '../container/execution-container';
import type { ExecutionInfo } from '../container/execution-info';
import { EXECUTION_STORAGE, LOGGER, SEALER, STORAGE } from '../container/tokens';
import { describeSchemaDifference } from '../arrow/schema-compare';
import { SiloError, UserCodeError, messages } from '../errors';
import type { HookKind } from '../metadata';
import { type Instrumentation, NO_INSTRUMENTATION, observeCall, type RpcCall } from '../observability/instrumentation';
import type { Logger } from '../providers/logging';
import { Secrets, type Sealer } from '../providers/secrets';
import { Settings } from '../providers/settings';
import {
  BoundStorage,
  DEFAULT_DESTROYED_TOMBSTONE_TTL_MS,
  type FunctionStorage,
  type ScopeStatus,
  type StorageScope,
  toHex,
} from '../providers/storage';
import type { FunctionDefinition } from '../definition/function-definition';
import type { FunctionRegistry } from '../registration/function-registry';
import type {
  BindCall,
  CallOptions,
  CombineCall,
  DestructorCall,
  FinalizeInitCall,
  FunctionRef,
  ProcessCall,
  SinkInitCall,
} from './calls';
import type {
  BindContext,
  BindResult,
  ExecutionContext,
  FinalizeContext,
  SecretLookup,
  SinkContext,
} from '../definition/contexts';
import { FinalizeStream } from './finalize-stream';
import { type InitContext, decodeInitContext, encodeInitContext } from './init-context';
import { projectSchema } from './output-collector';
import { unavailableStorage } from '../providers/storage/unavailable-storage';

/** Tuning of a {@link Dispatcher}. */
export interface DispatcherOptions {
  /** How long an execution's data outlives its last activity before GC may remove it. Default 6 hours. */
  readonly leaseTtlMs?: number;
  /** Executions whose context and instance this process keeps in memory. Default 256. */
  readonly maxCachedExecutions?: number;
  /**
   * How long storage remembers an execution after its destructor (its tombstone), so a
   * late call is told the query ended instead of that the execution is unknown. Default 10 minutes.
   */
  readonly tombstoneTtlMs?: number;
  /** What observes each call (spans, metrics, storage profiles). Default: nothing. */
  readonly instrumentation?: Instrumentation;
}

/** What bind decided. */
export interface BindOutcome {
  readonly outputSchema: Schema;
  readonly opaqueData?: Uint8Array;
  /** Non-empty on a first pass that needs more secrets: DuckDB resolves them and binds again. */
  readonly secretLookups: readonly SecretLookup[];
}

/** An execution as this process knows it: its context, and the function instance serving it. */
interface LiveExecution {
  readonly context: InitContext;
  readonly definition: FunctionDefinition;
  readonly base: ExecutionContext;
  readonly instance: Record<string | symbol, unknown>;
  readonly container: DependencyContainer;
  readonly abort: AbortController;
  leaseRenewedAt: number;
}

const FRAMEWORK_NS = 'init';
const CONTEXT_KEY = 'context';

/** The attach id of calls without ATTACH opaque data (a client that attached nothing). */
const NO_ATTACH_ID = new TextEncoder().encode('default');

/**
 * The one implementation of the buffering lifecycle. Transports decode bytes into calls
 * on it; the TestBed calls it directly. It keeps no state another process needs: the
 * init context is persisted at sink init, and each later call finds it in this
 * process's cache or, failing that, in storage.
 *
 * @example
 * ```ts
 * const worker = await bootstrapWorker({ catalog: 'example', modules: [AppModule] });
 * const { outputSchema } = await worker.dispatcher.bind({ functionName: 'top_k', arguments, inputSchema });
 * ```
 */
export class Dispatcher {
  private readonly live = new Map<string, LiveExecution>();
  /**
   * How this worker was reached, for every context's `workerPath`: the transports set it
   * when they start serving (the command line by default, as DuckDB's stdio LOCATION is).
   */
  workerPath: string = process.argv.join(' ');
  private readonly leaseTtlMs: number;
  private readonly maxCached: number;
  private readonly tombstoneTtlMs: number;
  private storageBackend?: FunctionStorage;
  /** The observability seam: every call below reports to it. */
  readonly instrumentation: Instrumentation;

  constructor(
    readonly registry: FunctionRegistry,
    private readonly root: DependencyContainer,
    options: DispatcherOptions = {},
  ) {
    this.leaseTtlMs = options.leaseTtlMs ?? 6 * 60 * 60 * 1000;
    this.maxCached = options.maxCachedExecutions ?? 256;
    this.tombstoneTtlMs = options.tombstoneTtlMs ?? DEFAULT_DESTROYED_TOMBSTONE_TTL_MS;
    this.instrumentation = options.instrumentation ?? NO_INSTRUMENTATION;
  }

  private get storage(): FunctionStorage {
    if (this.storageBackend === undefined) {
      const backend = this.root.resolve<FunctionStorage>(STORAGE);
      this.storageBackend = this.instrumentation.wrapStorage ? this.instrumentation.wrapStorage(backend) : backend;
    }
    return this.storageBackend;
  }

  private get log(): Logger {
    return this.root.resolve<Logger>(LOGGER);
  }

  private definition(ref: FunctionRef): FunctionDefinition {
    const schema = ref.schemaPath && ref.schemaPath.length > 0 ? ref.schemaPath[ref.schemaPath.length - 1] : undefined;
    return this.registry.require(ref.functionName, schema);
  }

  private async call<T>(
    definition: FunctionDefinition,
    instance: Record<string | symbol, unknown>,
    hook: HookKind,
    args: unknown[],
    options?: CallOptions,
  ): Promise<T> {
    const key = definition.hooks[hook]!;
    const method = instance[key] as (...a: unknown[]) => unknown;
    try {
      return (await runInCall(options?.clientLog, () => method.apply(instance, args))) as T;
    } catch (e) {
      throw UserCodeError.wrap(`${definition.target.name}#${String(key)}`, e);
    }
  }

  private resolveInstance(
    definition: FunctionDefinition,
    container: DependencyContainer,
  ): Record<string | symbol, unknown> {
    try {
      return container.resolve(definition.target) as Record<string | symbol, unknown>;
    } catch (e) {
      throw new SiloError('SILO204', messages.functionNotBuilt(definition.target.name, (e as Error).message), {
        cause: e,
      });
    }
  }

  // --- bind -----------------------------------------------------------------------------

  /** Plan time: validates arguments, runs `@OnBind()` (default: output = input schema). */
  async bind(call: BindCall, options?: CallOptions): Promise<BindOutcome> {
    return observeCall(this.instrumentation, 'bind', call.functionName, undefined, () => this.bindNow(call, options));
  }

  private async bindNow(call: BindCall, options?: CallOptions): Promise<BindOutcome> {
    const definition = this.definition(call);
    const args = definition.args.bind(definition.options.name, call.arguments);
    if (!definition.hooks.onBind) return { outputSchema: call.inputSchema, secretLookups: [] };
    const secrets = new Secrets(call.secrets ?? []);
    const settings = new Settings(call.settings ?? {});
    const info: ExecutionInfo = {
      executionId: new Uint8Array(0),
      functionName: definition.options.name,
      schemaName: definition.options.schema,
      ...this.identity(call),
    };
    const container = createExecutionContainer(this.root, {
      info,
      secrets,
      settings,
      signal: new AbortController().signal,
      storage: this.storage,
    });
    container.register(EXECUTION_STORAGE, {
      useValue: BoundStorage.forUser(unavailableStorage(messages.executionStorageAtBind()), {
        kind: 'execution',
        id: new Uint8Array(0),
      }),
    });
    const instance = this.resolveInstance(definition, container);
    const ctx: BindContext = {
      functionName: definition.options.name,
      args,
      inputSchema: call.inputSchema,
      settings,
      secrets,
      ...this.identity(call),
      resolvedSecretsProvided: call.resolvedSecretsProvided ?? false,
    };
    const result = await this.call<Schema | BindResult>(definition, instance, 'onBind', [ctx], options);
    const bound: BindResult = result && 'outputSchema' in result ? result : { outputSchema: result as Schema };
    if (!bound.outputSchema || !Array.isArray(bound.outputSchema.fields)) {
      throw new SiloError(
        'SILO504',
        messages.onBindResultInvalid(`${definition.target.name}#${String(definition.hooks.onBind)}`, typeof result),
      );
    }
    return {
      outputSchema: bound.outputSchema,
      opaqueData: bound.opaqueData,
      // On the second pass DuckDB already resolved them; asking again would fail the query.
      secretLookups: call.resolvedSecretsProvided ? [] : [...(bound.secretLookups ?? [])],
    };
  }

  // --- sink -----------------------------------------------------------------------------

  /**
   * A sink connection starts. The primary one (no execution id) creates the execution:
   * mints its id, takes its lease and persists the init context. Every later one joins
   * an execution storage holds, and is refused for any other.
   */
  async initSink(call: SinkInitCall): Promise<{ executionId: Uint8Array }> {
    return observeCall(this.instrumentation, 'sink_init', call.bind.functionName, call.executionId, (observed) =>
      this.initSinkNow(call, observed),
    );
  }

  private async initSinkNow(call: SinkInitCall, observed: RpcCall | undefined): Promise<{ executionId: Uint8Array }> {
    const definition = this.definition(call.bind);
    definition.args.bind(definition.options.name, call.bind.arguments);
    if (call.executionId) {
      await this.execution(call.executionId, 'sink init', call.bind);
      return { executionId: call.executionId };
    }
    const executionId = new Uint8Array(randomBytes(16));
    observed?.setExecution(executionId);
    const context: InitContext = {
      executionId,
      bind: call.bind,
      outputSchema: call.outputSchema,
      bindOpaqueData: call.bindOpaqueData,
    };
    await this.persistContext(context);
    this.remember(this.build(context));
    return { executionId };
  }

  /** One input batch. Returns the state id. */
  async process(call: ProcessCall, options?: CallOptions): Promise<Uint8Array> {
    return observeCall(this.instrumentation, 'process', call.functionName, call.executionId, (observed) => {
      observed?.addInput(call.batch.numRows, call.batch.data.byteLength);
      return this.processNow(call, options);
    });
  }

  private async processNow(call: ProcessCall, options?: CallOptions): Promise<Uint8Array> {
    const live = await this.execution(call.executionId, 'process', call);
    // Checked here, before user code: a batch on another schema would otherwise fail
    // much later (in finalize), blaming the function.
    const bound = live.context.bind.inputSchema;
    const difference = describeSchemaDifference(bound, call.batch.schema, { ignoreNullability: true });
    if (difference !== null) {
      const described = bound.fields.map((f) => `${f.name} ${String(f.type)}`).join(', ');
      throw new SiloError(
        'SILO513',
        messages.inputBatchMismatch(
          live.definition.options.name,
          toHex(call.executionId),
          difference,
          `{${described}}`,
        ),
      );
    }
    // Without @Process() the input is not needed: the state id is the execution id.
    if (!live.definition.hooks.process) return call.executionId;
    const ctx: SinkContext = { ...live.base, outputSchema: live.context.outputSchema, batchIndex: call.batchIndex };
    const stateId = await this.call<unknown>(live.definition, live.instance, 'process', [call.batch, ctx], options);
    return stateId === undefined ? call.executionId : this.toId(live.definition, 'process', stateId);
  }

  /** After every sink connection finished: the finalize state ids. */
  async combine(call: CombineCall, options?: CallOptions): Promise<Uint8Array[]> {
    return observeCall(this.instrumentation, 'combine', call.functionName, call.executionId, () =>
      this.combineNow(call, options),
    );
  }

  private async combineNow(call: CombineCall, options?: CallOptions): Promise<Uint8Array[]> {
    const live = await this.execution(call.executionId, 'combine', call);
    // Without @Combine() (or when it returns nothing): one finalize stream for the execution.
    if (!live.definition.hooks.combine) return [call.executionId];
    const ctx: SinkContext = { ...live.base, outputSchema: live.context.outputSchema };
    const ids = await this.call<unknown>(live.definition, live.instance, 'combine', [[...call.stateIds], ctx], options);
    if (ids === undefined) return [call.executionId];
    if (!Array.isArray(ids)) {
      throw new SiloError(
        'SILO504',
        messages.combineResultNotArray(
          `${live.definition.target.name}#${String(live.definition.hooks.combine)}`,
          typeof ids,
        ),
      );
    }
    return ids.map((id) => this.toId(live.definition, 'combine', id));
  }

  private toId(definition: FunctionDefinition, hook: HookKind, value: unknown): Uint8Array {
    if (value instanceof Uint8Array) return value;
    if (typeof value === 'string') return new TextEncoder().encode(value);
    throw new SiloError(
      'SILO504',
      messages.stateIdInvalid(
        `${definition.target.name}#${String(definition.hooks[hook])}`,
        hook === 'process' ? 'a state id' : 'finalize state ids',
        value === null ? 'null' : typeof value,
      ),
    );
  }

  // --- finalize ---------------------------------------------------------------------------

  /** Opens the finalize stream of one finalize state id (or resumes one from serialized state). */
  async openFinalize(call: FinalizeInitCall, options?: CallOptions): Promise<FinalizeStream> {
    return observeCall(
      this.instrumentation,
      'finalize_open',
      call.bind?.functionName ?? '',
      call.executionId,
      (observed) => this.openFinalizeNow(call, options, observed),
    );
  }

  private async openFinalizeNow(
    call: FinalizeInitCall,
    options: CallOptions | undefined,
    observed: RpcCall | undefined,
  ): Promise<FinalizeStream> {
    const live = await this.execution(call.executionId, 'finalize', call.bind);
    if (call.bind === undefined) observed?.setFunction(live.definition.options.name);
    const { definition } = live;
    const full = live.context.outputSchema;
    const projected = definition.options.projectionPushdown ? projectSchema(full, call.projectionIds) : full;
    const abort = new AbortController();
    const ctx: FinalizeContext = {
      ...live.base,
      finalizeStateId: call.finalizeStateId,
      outputSchema: projected,
      fullOutputSchema: full,
      signal: abort.signal,
    };
    let state: object | undefined;
    // A continuation resumes the cursor it carries; @InitialFinalizeState() runs once per stream.
    if (call.resumeState) state = definition.state?.deserialize(call.resumeState);
    else if (definition.hooks.initialFinalizeState) {
      const made = await this.call<object | undefined>(
        definition,
        live.instance,
        'initialFinalizeState',
        [ctx],
        options,
      );
      state =
        definition.state && made && !(made instanceof definition.state.stateClass)
          ? Object.assign(definition.state.create(), made)
          : made;
    } else state = definition.state?.create();
    const invoke = (hook: 'finalize' | 'onCancel', args: unknown[], o: CallOptions | undefined) =>
      this.call(definition, live.instance, hook, args, o);
    return new FinalizeStream(
      invoke,
      `${definition.target.name}#${String(definition.hooks.finalize)}`,
      ctx,
      state,
      definition.state,
      definition.options.autoApplyFilters ? (call.filters ?? []) : [],
      abort,
      this.log,
      definition.hooks.onCancel !== undefined,
      this.instrumentation,
    );
  }

  // --- destructor -------------------------------------------------------------------------

  /**
   * End of the query: removes the execution's data and leaves its tombstone in storage,
   * so every worker refuses later calls for it, whichever process cached it. Never
   * throws; unknown ids are fine.
   */
  async destroy(call: DestructorCall): Promise<void> {
    return observeCall(
      this.instrumentation,
      'destructor',
      call.functionName ?? '',
      call.executionId.length > 0 ? call.executionId : undefined,
      () => this.destroyNow(call),
    );
  }

  private async destroyNow(call: DestructorCall): Promise<void> {
    const key = toHex(call.executionId);
    this.forget(key);
    if (call.executionId.length === 0) return;
    try {
      await this.instrumentation.executionEnding?.(call.executionId, this.storage);
      await this.storage.endScope(this.scope(call.executionId), this.tombstoneTtlMs);
    } catch (e) {
      this.log.warn(
        `Destructor could not end execution ${key}; GC removes its data when its lease expires: ${(e as Error).message}`,
        { execution: key, function: call.functionName },
      );
    }
  }

  /** Aborts every execution this process serves (worker shutdown). */
  close(): void {
    for (const live of this.live.values()) live.abort.abort();
    this.live.clear();
  }

  // --- executions -------------------------------------------------------------------------

  private scope(executionId: Uint8Array): StorageScope {
    return { kind: 'execution', id: executionId };
  }

  private frameworkStorage(executionId: Uint8Array): BoundStorage {
    return BoundStorage.forFramework(this.storage, this.scope(executionId));
  }

  private get sealer(): Sealer {
    return this.root.resolve<Sealer>(SEALER);
  }

  private async persistContext(context: InitContext): Promise<void> {
    // Lease first: storage GC treats execution data without a lease as written after the
    // execution ended, so nothing may be written before it.
    await this.storage.renewLease(this.scope(context.executionId), this.leaseTtlMs);
    await this.frameworkStorage(context.executionId).put(
      FRAMEWORK_NS,
      CONTEXT_KEY,
      encodeInitContext(context, this.sealer),
    );
  }

  private async loadContext(executionId: Uint8Array): Promise<InitContext | undefined> {
    const bytes = await this.frameworkStorage(executionId).get(FRAMEWORK_NS, CONTEXT_KEY);
    return bytes ? decodeInitContext(executionId, bytes, this.sealer) : undefined;
  }

  private build(context: InitContext): LiveExecution {
    const definition = this.definition(context.bind);
    const args = definition.args.bind(definition.options.name, context.bind.arguments);
    const secrets = new Secrets(context.bind.secrets ?? []);
    const settings = new Settings(context.bind.settings ?? {});
    const abort = new AbortController();
    const info: ExecutionInfo = {
      executionId: context.executionId,
      functionName: definition.options.name,
      schemaName: definition.options.schema,
      ...this.identity(context.bind),
    };
    const container = createExecutionContainer(this.root, {
      info,
      secrets,
      settings,
      signal: abort.signal,
      storage: this.storage,
    });
    const base: ExecutionContext = {
      functionName: definition.options.name,
      schemaName: definition.options.schema,
      args,
      executionId: context.executionId,
      ...this.identity(context.bind),
      inputSchema: context.bind.inputSchema,
      settings,
      secrets,
      bindOpaqueData: context.bindOpaqueData,
    };
    return {
      context,
      definition,
      base,
      instance: this.resolveInstance(definition, container),
      container,
      abort,
      leaseRenewedAt: Date.now(),
    };
  }

  /**
   * `catalog_transaction_begin`: a fresh transaction id, leased like an execution so that
   * storage GC collects its scope if DuckDB never ends it.
   */
  async beginTransaction(): Promise<Uint8Array> {
    const id = new Uint8Array(randomBytes(16));
    await this.storage.renewLease({ kind: 'transaction', id }, this.leaseTtlMs);
    return id;
  }

  /** `catalog_transaction_commit` / `_rollback`: the transaction's storage ends with it. */
  async endTransaction(id: Uint8Array): Promise<void> {
    if (id.length > 0) await this.storage.clearScope({ kind: 'transaction', id });
  }

  /** Who a call is: its ATTACH, its transaction and this worker, the same in every context. */
  private identity(
    bind: BindCall,
  ): Pick<ExecutionInfo, 'attachOpaqueData' | 'attachId' | 'transactionId' | 'workerPath'> {
    return {
      attachOpaqueData: bind.attachOpaqueData,
      // One derivation of "the ATTACH" for the contexts and the ATTACH_STORAGE scope.
      attachId: bind.attachOpaqueData && bind.attachOpaqueData.length > 0 ? bind.attachOpaqueData : NO_ATTACH_ID,
      transactionId: bind.transactionOpaqueData,
      workerPath: this.workerPath,
    };
  }

  private remember(live: LiveExecution): void {
    const key = toHex(live.context.executionId);
    this.live.delete(key);
    this.live.set(key, live);
    while (this.live.size > this.maxCached) {
      const oldest = this.live.keys().next().value as string;
      this.live.delete(oldest);
    }
  }

  private forget(key: string): void {
    this.live.get(key)?.abort.abort();
    this.live.delete(key);
  }

  /** The error for a call on an execution storage does not hold as live. */
  private gone(status: ScopeStatus, key: string, call: messages.ExecutionCallName): SiloError {
    if (status.state === 'destroyed')
      return new SiloError('SILO511', messages.executionEnded(key, call, status.expiresAt));
    if (status.state === 'collected')
      return new SiloError('SILO512', messages.executionCollected(key, call, this.leaseTtlMs));
    return new SiloError('SILO510', messages.executionUnknown(key, call, this.storage.backend));
  }

  /**
   * The execution for a call. Storage alone says whether it exists — the destructor may
   * have run on another worker, GC may have collected it — so every call asks it, and
   * renews the lease (every tenth of its TTL) only of an execution that is live. The
   * context and instance come from this process's cache, else from storage.
   */
  private async execution(
    executionId: Uint8Array,
    call: messages.ExecutionCallName,
    ref?: FunctionRef,
  ): Promise<LiveExecution> {
    if (executionId.length === 0) throw new SiloError('SILO510', messages.executionIdMissing(call));
    const key = toHex(executionId);
    const scope = this.scope(executionId);
    let live = this.live.get(key);
    const renew = !live || Date.now() - live.leaseRenewedAt > this.leaseTtlMs / 10;
    const status = renew
      ? await this.storage.extendLease(scope, this.leaseTtlMs)
      : await this.storage.scopeStatus(scope);
    if (status.state !== 'live') {
      this.forget(key);
      throw this.gone(status, key, call);
    }
    if (!live) {
      const context = await this.loadContext(executionId);
      if (!context) throw new SiloError('SILO510', messages.executionUnknown(key, call, this.storage.backend));
      live = this.build(context);
      this.remember(live);
    }
    if (renew) live.leaseRenewedAt = Date.now();
    if (ref && ref.functionName !== live.definition.options.name) {
      throw new SiloError(
        'SILO503',
        messages.executionOfOtherFunction(key, live.definition.options.name, ref.functionName),
      );
    }
    return live;
  }
}
