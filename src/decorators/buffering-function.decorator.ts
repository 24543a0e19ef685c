import { injectable } from 'tsyringe';
import { metadataWriter } from '../metadata';
import { assertLegacyDecoratorCall } from './decorator-environment';
import type { BufferingFunctionOptions } from './buffering-function.options';

/**
 * Marks a class as a table-buffering (sink + source) function. Only records metadata:
 * the function exists for a worker once a module listing it is registered, and the
 * options are validated then, together with every other problem.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'sort_all', description: 'Emits its input sorted', state: Cursor })
 * export class SortAll {
 *   constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}
 *   @Process() async process(batch: RecordBatch, ctx: SinkContext) { ... }
 *   @Combine() async combine(stateIds: Uint8Array[], ctx: SinkContext) { ... }
 *   @Finalize() async finalize(ctx: FinalizeContext, fid: Uint8Array, state: Cursor, out: Output) { ... }
 * }
 * ```
 */
export function BufferingFunction(options: BufferingFunctionOptions): ClassDecorator {
  return (...args: unknown[]) => {
    assertLegacyDecoratorCall('@BufferingFunction()', args);
    const target = args[0] as new (...a: never[]) => unknown;
    metadataWriter.functionOptions(target, options);
    metadataWriter.inheritInjectionTokens(target);
    // tsyringe needs the constructor's parameter list recorded before it can build instances.
    injectable()(target);
  };
}
