import { injectable } from 'tsyringe';
import { metadataWriter } from '../metadata';
import { assertLegacyDecoratorCall } from './decorator-environment';
import type { BufferingFunctionOptions } from '../definition/buffering-function.options';
import type { BufferingHandlers } from '../definition/contexts';

/**
 * A class whose conventionally named hooks (`bind`, `process`, `combine`,
 * `initialFinalizeState`, `finalize`, `onCancel`), where present, fit the function's
 * arguments class `A` and state class `S`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type BufferingFunctionClass<A, S> = new (...args: any[]) => Partial<BufferingHandlers<A, S>>;

/**
 * Marks a class as a table-buffering (sink + source) function. Only records metadata:
 * the function exists for a worker once a module listing it is registered, and the
 * options are validated then, together with every other problem.
 *
 * The compiler checks the class's hooks named `process`, `combine`, `finalize`,
 * `initialFinalizeState`, `onCancel` and `bind` against the `args` and `state` classes
 * (see {@link BufferingHandlers}): a `finalize(state: Other, ...)` for `state: Cursor`
 * does not compile.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'sort_all', description: 'Emits its input sorted', args: SortArgs, state: Cursor })
 * export class SortAll {
 *   @Process() async process(batch: RecordBatch, ctx: SinkContext<SortArgs>) { ... }
 *   @Combine() async combine(stateIds: Uint8Array[], ctx: SinkContext<SortArgs>) { ... }
 *   @Finalize() async finalize(state: Cursor, out: Output, ctx: FinalizeContext<SortArgs>) { ... }
 * }
 * ```
 */
export function BufferingFunction<A = unknown, S = unknown>(
  options: BufferingFunctionOptions<A, S>,
): (target: BufferingFunctionClass<A, S>) => void {
  return (...args: unknown[]) => {
    assertLegacyDecoratorCall('@BufferingFunction()', args);
    const target = args[0] as new (...a: never[]) => unknown;
    metadataWriter.functionOptions(target, options);
    metadataWriter.inheritInjectionTokens(target);
    // tsyringe needs the constructor's parameter list recorded before it can build instances.
    injectable()(target);
  };
}
