import { type ValueTypeName, type ValueTypes, metadataWriter } from '../metadata';
import type { TypedPropertyDecorator } from './arguments.decorator';
import { assertLegacyDecoratorCall } from './decorator-environment';

/**
 * Declares a field of a finalize-state class with its Arrow type. Only declared fields
 * travel between ticks; the state is serialized as a one-row Arrow batch of exactly
 * these fields and validated (types and class-validator constraints) on the way back.
 * Field initializers are the defaults.
 *
 * @example
 * ```ts
 * class Cursor {
 *   @StateField('utf8') ns = 'buf';
 *   @StateField('int64') afterId = -1n;
 * }
 * ```
 */
export function StateField<T extends ValueTypeName>(
  type: T,
  options: { readonly doc?: string } = {},
): TypedPropertyDecorator<ValueTypes[T]> {
  return (...args: unknown[]) => {
    assertLegacyDecoratorCall('@StateField()', args);
    const [prototype, propertyKey] = args as [object, string | symbol];
    metadataWriter.stateField(prototype.constructor, { propertyKey: String(propertyKey), type, doc: options.doc });
  };
}
