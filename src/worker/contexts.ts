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
 * What `@Process()` and `@Combine()` receive.
 *
 * @example
 * ```ts
 * @Process() async process(batch: RecordBatch, ctx: SinkContext<Args>) {
 *   await this.storage.append('buf', '', serializeBatch(batch));
 *   return ctx.executionId;
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
 * What `@InitialFinalizeState()`, `@Finalize()` and `@OnCancel()` receive.
 *
 * @example
 * ```ts
 * @Finalize() finalize(ctx: FinalizeContext, fid: Uint8Array, state: Cursor, out: Output) {
 *   if (ctx.signal.aborted) return out.finish();
 * }
 * ```
 */
export interface FinalizeContext<A = unknown> extends ExecutionContext<A> {
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
