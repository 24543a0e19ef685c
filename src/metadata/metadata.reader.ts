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

/** The prototype chain of a class, nearest first, up to (not including) Function.prototype. */
function classChain(target: object): object[] {
  const chain: object[] = [];
  for (let c: object | null = target; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) chain.push(c);
  return chain;
}

function own<T>(key: string, target: object): T[] {
  return (Reflect.getOwnMetadata(key, target) as T[] | undefined) ?? [];
}

/** Typed readers of the metadata the decorators wrote. */
export const metadataReader = {
  /** Options of `@BufferingFunction()` on this very class (never inherited). */
  functionOptions(target: object): Record<string, unknown> | undefined {
    return Reflect.getOwnMetadata(FUNCTION_OPTIONS_KEY, target) as Record<string, unknown> | undefined;
  },

  /** Hooks declared on this class itself. */
  ownHooks(target: object): HookMetadata[] {
    return own<HookMetadata>(HOOKS_KEY, target);
  },

  /**
   * Hooks in effect: for each kind, those declared by the nearest class in the chain
   * that declares that kind. A subclass overriding a method keeps its parent's hook.
   */
  effectiveHooks(target: object): HookMetadata[] {
    const found = new Map<string, HookMetadata[]>();
    for (const c of classChain(target)) {
      const byKind = new Map<string, HookMetadata[]>();
      for (const h of own<HookMetadata>(HOOKS_KEY, c)) byKind.set(h.kind, [...(byKind.get(h.kind) ?? []), h]);
      for (const [kind, hooks] of byKind) if (!found.has(kind)) found.set(kind, hooks);
    }
    return [...found.values()].flat();
  },

  /** Argument declarations, parents first; a redeclared property keeps the subclass's. */
  arguments(target: object): ArgumentMetadata[] {
    const byKey = new Map<string, ArgumentMetadata[]>();
    for (const c of classChain(target).reverse()) {
      const mine = new Map<string, ArgumentMetadata[]>();
      for (const a of own<ArgumentMetadata>(ARGUMENTS_KEY, c))
        mine.set(a.propertyKey, [...(mine.get(a.propertyKey) ?? []), a]);
      for (const [k, v] of mine) byKey.set(k, v);
    }
    return [...byKey.values()].flat();
  },

  /** State field declarations, parents first; a redeclared property keeps the subclass's. */
  stateFields(target: object): StateFieldMetadata[] {
    const byKey = new Map<string, StateFieldMetadata>();
    for (const c of classChain(target).reverse())
      for (const f of own<StateFieldMetadata>(STATE_FIELDS_KEY, c)) byKey.set(f.propertyKey, f);
    return [...byKey.values()];
  },

  /**
   * Constructor parameter types emitted by TypeScript (inherited from the parent when the
   * class declares no constructor), or undefined when metadata emission is off.
   */
  paramTypes(target: object): unknown[] | undefined {
    const types = Reflect.getMetadata(DESIGN_PARAM_TYPES_KEY, target) as unknown[] | undefined;
    return types ? [...types] : undefined;
  },

  /** True when the class itself (not a parent) declares its constructor's parameter types. */
  hasOwnParamTypes(target: object): boolean {
    return Reflect.hasOwnMetadata(DESIGN_PARAM_TYPES_KEY, target);
  },

  /** Explicit `@Inject(TOKEN)` tokens by parameter index, as tsyringe will use them (own only). */
  injectionTokens(target: object): Record<number, unknown> {
    return {
      ...((Reflect.getOwnMetadata(TSYRINGE_INJECTION_TOKENS_KEY, target) as Record<number, unknown> | undefined) ?? {}),
    };
  },
};
