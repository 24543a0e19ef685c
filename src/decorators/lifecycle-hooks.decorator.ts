import { type HookKind, metadataWriter } from '../metadata';
import { assertLegacyDecoratorCall } from './decorator-environment';

function hook(kind: HookKind, decorator: string): () => MethodDecorator & PropertyDecorator {
  return () =>
    (...args: unknown[]) => {
      assertLegacyDecoratorCall(decorator, args);
      const [prototype, propertyKey, descriptor] = args as [object, string | symbol, PropertyDescriptor | undefined];
      metadataWriter.hook(prototype.constructor, {
        kind,
        propertyKey,
        decorator,
        isMethod: typeof descriptor?.value === 'function',
      });
    };
}

/**
 * The sink hook: called once per input batch (at most 2048 rows), possibly in many
 * processes at once. Store what later phases need in execution storage and return a
 * state id (any bytes; DuckDB keeps only the last one per sink connection).
 *
 * Signature: `(batch: RecordBatch, ctx: SinkContext<Args>) => Uint8Array | Promise<Uint8Array>`.
 *
 * @example
 * ```ts
 * @Process() async process(batch: RecordBatch, ctx: SinkContext) {
 *   await this.storage.append('buf', '', serializeBatch(batch));
 *   return ctx.executionId;
 * }
 * ```
 */
export const Process = hook('process', '@Process()');

/**
 * Runs once after every sink connection finished, with the last state id of each.
 * Returns the finalize state ids: one finalize stream runs per id.
 *
 * Signature: `(stateIds: Uint8Array[], ctx: SinkContext<Args>) => Uint8Array[] | Promise<Uint8Array[]>`.
 *
 * @example
 * ```ts
 * @Combine() combine(_stateIds: Uint8Array[], ctx: SinkContext) { return [ctx.executionId]; }
 * ```
 */
export const Combine = hook('combine', '@Combine()');

/**
 * Produces output, one tick at a time: each call emits exactly one batch with
 * `out.emit(...)` or ends the stream with `out.finish()`. `state` is the stream's cursor
 * (an instance of the `state` class), mutated in place and serialized between ticks.
 *
 * Signature: `(ctx: FinalizeContext<Args>, finalizeStateId: Uint8Array, state: State, out: Output) => void | Promise<void>`.
 *
 * @example
 * ```ts
 * @Finalize() async finalize(ctx: FinalizeContext, fid: Uint8Array, state: Cursor, out: Output) {
 *   const [entry] = await this.storage.logScan('buf', '', { afterId: state.afterId, limit: 1 });
 *   if (!entry) return out.finish();
 *   out.emit(deserializeBatch(entry.value));
 *   state.afterId = entry.id;
 * }
 * ```
 */
export const Finalize = hook('finalize', '@Finalize()');

/**
 * Builds the cursor of one finalize stream, once, before its first tick. Without it the
 * state class's default instance is used.
 *
 * Signature: `(finalizeStateId: Uint8Array, ctx: FinalizeContext<Args>) => State | Promise<State>`.
 *
 * @example
 * ```ts
 * @InitialFinalizeState() start(fid: Uint8Array) { return Object.assign(new Cursor(), { value: BigInt(fid[0]) }); }
 * ```
 */
export const InitialFinalizeState = hook('initialFinalizeState', '@InitialFinalizeState()');

/**
 * Runs when DuckDB tears a finalize stream down early (LIMIT satisfied, user interrupt).
 * Errors thrown here are logged and swallowed.
 *
 * Signature: `(ctx: FinalizeContext<Args>, finalizeStateId: Uint8Array, state: State | undefined) => void | Promise<void>`.
 *
 * @example
 * ```ts
 * @OnCancel() cancel(ctx: FinalizeContext, fid: Uint8Array, state: Cursor) { this.log.info(`cancelled at ${state.afterId}`); }
 * ```
 */
export const OnCancel = hook('onCancel', '@OnCancel()');

/**
 * Decides the output schema at plan time (default: the input schema), and may ask
 * DuckDB for secrets it can only name after seeing the arguments.
 *
 * Signature: `(ctx: BindContext<Args>) => Schema | BindResult | Promise<Schema | BindResult>`.
 *
 * @example
 * ```ts
 * @OnBind() bind(ctx: BindContext) { return new Schema([new Field('n', new Int64(), true)]); }
 * ```
 */
export const OnBind = hook('onBind', '@OnBind()');
