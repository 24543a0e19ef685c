import type { RecordBatch, Schema } from 'apache-arrow';
import { type HookKind, metadataWriter } from '../metadata';
import type { BindContext, BindResult, FinalizeContext, Output, SinkContext, StateId } from '../definition/contexts';
import { assertLegacyDecoratorCall } from './decorator-environment';

type MaybePromise<T> = T | Promise<T>;

/*
 * Each hook decorator is typed by the shape of the method it may decorate, so a hook
 * with its parameters in the wrong order (or an earlier release's order) does not
 * compile. The state and arguments types are `any` here: `@BufferingFunction()` checks
 * them against its `args` and `state` options (see BufferingHandlers).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
type ProcessHook = (batch: RecordBatch, ctx: SinkContext<any>) => MaybePromise<StateId | void>;
type CombineHook = (stateIds: Uint8Array[], ctx: SinkContext<any>) => MaybePromise<readonly StateId[] | void>;
type FinalizeHook = (state: any, out: Output, ctx: FinalizeContext<any>) => MaybePromise<void>;
type InitialStateHook = (ctx: FinalizeContext<any>) => unknown;
type CancelHook = (state: any, ctx: FinalizeContext<any>) => MaybePromise<void>;
type BindHook = (ctx: BindContext<any>) => MaybePromise<Schema | BindResult>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A method decorator accepting only methods of shape `F`. */
export type HookDecorator<F> = <M extends F>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

function hook<F>(kind: HookKind, decorator: string): () => HookDecorator<F> {
  return () =>
    ((...args: unknown[]) => {
      assertLegacyDecoratorCall(decorator, args);
      const [prototype, propertyKey, descriptor] = args as [object, string | symbol, PropertyDescriptor | undefined];
      metadataWriter.hook(prototype.constructor, {
        kind,
        propertyKey,
        decorator,
        isMethod: typeof descriptor?.value === 'function',
      });
    }) as HookDecorator<F>;
}

/**
 * The sink hook: called once per input batch (at most 2048 rows), possibly in many
 * processes at once. Store what later phases need in execution storage. May return a
 * state id (any bytes; DuckDB keeps only the last one per sink connection and hands
 * them to `@Combine()`); returning nothing means the execution id.
 *
 * Optional: a function without it ignores its input.
 *
 * Signature: `(batch: RecordBatch, ctx: SinkContext<Args>) => StateId | void | Promise<...>`.
 *
 * @example
 * ```ts
 * @Process() async process(batch: RecordBatch) {
 *   await this.rows.append(batch);
 * }
 * ```
 */
export const Process = hook<ProcessHook>('process', '@Process()');

/**
 * Runs once after every sink connection finished, with the last state id of each.
 * Returns the finalize state ids: one finalize stream runs per id.
 *
 * Optional: without it (or when it returns nothing) there is one finalize stream, whose
 * finalize state id is the execution id.
 *
 * Signature: `(stateIds: Uint8Array[], ctx: SinkContext<Args>) => StateId[] | void | Promise<...>`.
 *
 * @example
 * ```ts
 * @Combine() combine(stateIds: Uint8Array[], ctx: SinkContext<Args>) {
 *   return Array.from({ length: Number(ctx.args.partitions) }, (_, p) => String(p));
 * }
 * ```
 */
export const Combine = hook<CombineHook>('combine', '@Combine()');

/**
 * Produces output, one tick at a time: each call emits exactly one batch with
 * `out.emit(...)` or ends the stream with `out.finish()`. `state` is the stream's cursor
 * (an instance of the `state` class), mutated in place and serialized between ticks;
 * `ctx.finalizeStateId` says which of combine's ids this stream drains.
 *
 * Signature: `(state: State, out: Output, ctx: FinalizeContext<Args>) => void | Promise<void>`.
 *
 * @example
 * ```ts
 * @Finalize() finalize(state: BatchLogCursor, out: Output) {
 *   return this.rows.replay(state, out);
 * }
 * ```
 */
export const Finalize = hook<FinalizeHook>('finalize', '@Finalize()');

/**
 * Builds the cursor of one finalize stream, once, before its first tick. Without it the
 * state class's default instance is used.
 *
 * Signature: `(ctx: FinalizeContext<Args>) => State | Promise<State>`.
 *
 * @example
 * ```ts
 * @InitialFinalizeState() start(ctx: FinalizeContext) {
 *   return Object.assign(new Cursor(), { partition: bytesToText(ctx.finalizeStateId) });
 * }
 * ```
 */
export const InitialFinalizeState = hook<InitialStateHook>('initialFinalizeState', '@InitialFinalizeState()');

/**
 * Runs when DuckDB tears a finalize stream down early (LIMIT satisfied, user interrupt).
 * Errors thrown here are logged and swallowed.
 *
 * Signature: `(state: State, ctx: FinalizeContext<Args>) => void | Promise<void>`
 * (`state` is undefined for a function without a state class).
 *
 * @example
 * ```ts
 * @OnCancel() cancel(state: Cursor, ctx: FinalizeContext) { this.log.info(`cancelled at ${state.afterId}`); }
 * ```
 */
export const OnCancel = hook<CancelHook>('onCancel', '@OnCancel()');

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
export const OnBind = hook<BindHook>('onBind', '@OnBind()');
