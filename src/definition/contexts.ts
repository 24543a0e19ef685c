import type { RecordBatch, Schema } from 'apache-arrow';
import type { Secrets } from '../providers/secrets';
import type { Settings } from '../providers/settings';

/** A secret the function asks DuckDB for at bind, once it has seen its arguments. */
export interface SecretLookup {
  /** DuckDB secret type, e.g. `s3`. */
  readonly type: string;
  /** Look up by scope (e.g. `s3://bucket/prefix`). */
  readonly scope?: string;
  /** Look up by secret name instead of scope. */
  readonly name?: string;
}

/** What `@OnBind()` may return instead of a bare schema. */
export interface BindResult {
  readonly outputSchema: Schema;
  /** Bytes DuckDB hands back with every later call of this query. */
  readonly opaqueData?: Uint8Array;
  /** Secrets to resolve before the second bind pass. Ignored on the second pass. */
  readonly secretLookups?: readonly SecretLookup[];
}

/**
 * What `@OnBind()` receives (plan time).
 *
 * @example
 * ```ts
 * @OnBind() bind(ctx: BindContext<TopKArgs>) {
 *   if (!ctx.inputSchema.fields.some((f) => f.name === ctx.args.by)) throw new Error(`no column ${ctx.args.by}`);
 *   return ctx.inputSchema;
 * }
 * ```
 */
export interface BindContext<A = unknown> {
  readonly functionName: string;
  readonly args: A;
  /** Schema of the TABLE input. */
  readonly inputSchema: Schema;
  readonly settings: Settings;
  readonly secrets: Secrets;
  readonly attachOpaqueData?: Uint8Array;
  /** The ATTACH this query runs under: its opaque data, or the bytes of `default` without one. */
  readonly attachId: Uint8Array;
  /** The DuckDB transaction of the query; `undefined` when the client sent none. */
  readonly transactionId?: Uint8Array;
  /** How this worker was reached: its command line (stdio), `unix://PATH`, or its HTTP base URL. */
  readonly workerPath: string;
  /** True on the second bind pass, after DuckDB resolved the requested secrets. */
  readonly resolvedSecretsProvided: boolean;
}

/** What every phase after bind receives, rebuilt from the persisted init context. */
export interface ExecutionContext<A = unknown> {
  readonly functionName: string;
  readonly schemaName: string;
  readonly args: A;
  readonly executionId: Uint8Array;
  readonly attachOpaqueData?: Uint8Array;
  /** The ATTACH this query runs under: its opaque data, or the bytes of `default` without one. */
  readonly attachId: Uint8Array;
  /** The DuckDB transaction the query was bound in; `undefined` when the client sent none. */
  readonly transactionId?: Uint8Array;
  /** How this worker was reached: its command line (stdio), `unix://PATH`, or its HTTP base URL. */
  readonly workerPath: string;
  readonly inputSchema: Schema;
  readonly settings: Settings;
  readonly secrets: Secrets;
  /** Bytes `@OnBind()` returned as `opaqueData`, if any. */
  readonly bindOpaqueData?: Uint8Array;
}

/**
 * What `@Process()` and `@Combine()` receive, as their last parameter.
 *
 * @example
 * ```ts
 * @Process() async process(batch: RecordBatch, ctx: SinkContext<Args>) {
 *   await this.rows.append(batch);
 * }
 * ```
 */
export interface SinkContext<A = unknown> extends ExecutionContext<A> {
  /** The full bound output schema. */
  readonly outputSchema: Schema;
  /** DuckDB's batch index (process only, when `requiresInputBatchIndex`). */
  readonly batchIndex?: bigint;
}

/**
 * What `@InitialFinalizeState()`, `@Finalize()` and `@OnCancel()` receive, as their last
 * parameter.
 *
 * @example
 * ```ts
 * @Finalize() finalize(state: Cursor, out: Output, ctx: FinalizeContext<Args>) {
 *   if (ctx.signal.aborted) return out.finish();
 * }
 * ```
 */
export interface FinalizeContext<A = unknown> extends ExecutionContext<A> {
  /** The finalize state id this stream drains: one of the ids `@Combine()` returned. */
  readonly finalizeStateId: Uint8Array;
  /** The schema DuckDB reads: the bound output, narrowed to the projection. */
  readonly outputSchema: Schema;
  /** The full bound output schema (what `out.emit` may receive). */
  readonly fullOutputSchema: Schema;
  /** Aborted when the stream is cancelled. */
  readonly signal: AbortSignal;
}

/**
 * The finalize output of one tick: call `emit(batch)` once, or `finish()`, or both
 * (emit the last batch, then finish).
 *
 * @example
 * ```ts
 * out.emit(batchFromColumns(ctx.fullOutputSchema, { n: [1n, 2n, 3n] }));
 * ```
 */
export interface Output {
  /** The full bound output schema: emitted batches are read by column name against it. */
  readonly schema: Schema;
  /** Emits one batch: columns are picked by name, narrowed to the projection, filtered when asked. */
  emit(batch: RecordBatch): void;
  /** Ends the stream. */
  finish(): void;
}

/**
 * A state id as a hook may return it: bytes, or a string (sent as its UTF-8 bytes).
 * `@Process()` may also return nothing (the state id is then the execution id), and
 * `@Combine()` nothing (one finalize stream, whose id is the execution id).
 */
export type StateId = Uint8Array | string;

type MaybePromise<T> = T | Promise<T>;

/**
 * The hooks of a buffering function, typed by its arguments class `A` and its state
 * class `S`. `@BufferingFunction()` checks the methods named `bind`, `process`,
 * `combine`, `initialFinalizeState`, `finalize` and `onCancel` against it on its own
 * (the types come from its `args` and `state` options); declaring
 * `implements BufferingHandlers<A, S>` states it on the class too and makes `finalize`
 * required by name.
 *
 * Every hook takes its own inputs first and its context last.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'replay', args: ReplayArgs, state: BatchLogCursor })
 * export class Replay implements BufferingHandlers<ReplayArgs, BatchLogCursor> {
 *   @Process() process(batch: RecordBatch, ctx: SinkContext<ReplayArgs>) { ... }
 *   @Finalize() finalize(state: BatchLogCursor, out: Output, ctx: FinalizeContext<ReplayArgs>) { ... }
 * }
 * ```
 */
export interface BufferingHandlers<A = unknown, S = unknown> {
  /** `@OnBind()`: the output schema at plan time. */
  bind?: (ctx: BindContext<A>) => MaybePromise<Schema | BindResult>;
  /** `@Process()`: one input batch; returns the state id (default: the execution id). */
  process?: (batch: RecordBatch, ctx: SinkContext<A>) => MaybePromise<StateId | void>;
  /** `@Combine()`: the last state id of every sink connection; returns the finalize state ids (default: one, the execution id). */
  combine?: (stateIds: Uint8Array[], ctx: SinkContext<A>) => MaybePromise<readonly StateId[] | void>;
  /** `@InitialFinalizeState()`: the cursor of one finalize stream, before its first tick. */
  initialFinalizeState?: (ctx: FinalizeContext<A>) => MaybePromise<S>;
  /** `@Finalize()`: one tick: `out.emit(batch)` or `out.finish()`. */
  finalize: (state: S, out: Output, ctx: FinalizeContext<A>) => MaybePromise<void>;
  /** `@OnCancel()`: the stream was torn down early (`state` is undefined without a state class). */
  onCancel?: (state: S, ctx: FinalizeContext<A>) => MaybePromise<void>;
}
