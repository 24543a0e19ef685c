/// <reference types="reflect-metadata" />
import {
  ARGUMENTS_KEY,
  DESIGN_PARAM_TYPES_KEY,
  FUNCTION_OPTIONS_KEY,
  HOOKS_KEY,
  STATE_FIELDS_KEY,
  TSYRINGE_INJECTION_TOKENS_KEY,
} from './metadata.keys';
import type { ArgumentMetadata, HookMetadata, StateFieldMetadata } from './metadata.types';

/**
 * The single writer of Silo metadata. Decorators compute a plain object and call one
 * of these; nothing else writes. Lists are stored as the class's *own* metadata (a copy
 * extended with the new entry), so a subclass never mutates its parent's list.
 */
function appendOwn<T>(key: string, target: object, entry: T): void {
  const own = (Reflect.getOwnMetadata(key, target) as T[] | undefined) ?? [];
  Reflect.defineMetadata(key, [...own, entry], target);
}

export const metadataWriter = {
  functionOptions(target: object, options: object): void {
    Reflect.defineMetadata(FUNCTION_OPTIONS_KEY, { ...options }, target);
  },
  hook(target: object, hook: HookMetadata): void {
    appendOwn(HOOKS_KEY, target, hook);
  },
  argument(target: object, argument: ArgumentMetadata): void {
    appendOwn(ARGUMENTS_KEY, target, argument);
  },
  /**
   * A subclass without its own constructor runs its parent's, but tsyringe reads
   * `@Inject()` tokens only from the class itself; copy the parent's so both agree.
   */
  inheritInjectionTokens(target: object): void {
    if (Reflect.hasOwnMetadata(DESIGN_PARAM_TYPES_KEY, target)) return;
    if (Reflect.hasOwnMetadata(TSYRINGE_INJECTION_TOKENS_KEY, target)) return;
    const inherited = Reflect.getMetadata(TSYRINGE_INJECTION_TOKENS_KEY, target) as object | undefined;
    if (inherited) Reflect.defineMetadata(TSYRINGE_INJECTION_TOKENS_KEY, { ...inherited }, target);
  },
  stateField(target: object, field: StateFieldMetadata): void {
    appendOwn(STATE_FIELDS_KEY, target, field);
  },
};
