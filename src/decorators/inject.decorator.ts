import { inject, injectable } from 'tsyringe';
import type { Token } from '../container/tokens';
import { SiloError, messages } from '../errors';

/** A class, abstract or not, whose instances are `T`: a token that is its own type. */
type ClassToken<T> = abstract new (...args: never[]) => T;

/** Any class: what a constructor parameter decorator is applied to. */
type AnyClass = abstract new (...args: never[]) => unknown;

/**
 * Resolves to `unknown` (no constraint) when a `T` fits constructor parameter `I` of `C`,
 * and otherwise to an object type whose one property names the mismatch, which is what
 * the compiler then reports as missing.
 */
export type InjectedInto<T, C extends AnyClass, I extends number> = [T] extends [ConstructorParameters<C>[I]]
  ? unknown
  : {
      readonly 'the token provides a type this constructor parameter does not accept': {
        provided: T;
        parameter: ConstructorParameters<C>[I];
      };
    };

/**
 * A constructor parameter decorator that checks, at compile time, that the injected type
 * fits the parameter it decorates. The compiler passes the parameter's position as a
 * literal type, which is how the check finds the parameter.
 */
export type InjectDecorator<T> = <C extends AnyClass, I extends number>(
  target: C & InjectedInto<T, C, I>,
  propertyKey: undefined,
  parameterIndex: I,
) => void;

/**
 * Injects a provider by token into a constructor parameter. Required for every
 * interface-typed parameter (`BoundStorage`, `Logger`, ...), because TypeScript emits
 * no runtime type for interfaces. The token's type is checked against the parameter's:
 * `@Inject(LOGGER) clock: Clock` does not compile. Only constructor parameters can be
 * injected; on a method parameter it does not compile either.
 *
 * @example
 * ```ts
 * constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage,
 *             @Inject(LOGGER) private readonly log: Logger) {}
 * ```
 */
export function Inject<T>(token: Token<T> | ClassToken<T>): InjectDecorator<T> {
  const decorate = inject(token as symbol);
  return (target, propertyKey, parameterIndex) => {
    decorate(target, propertyKey, parameterIndex);
  };
}

/**
 * Marks a service class (not a function) as constructible by the container, so it can
 * be listed in a module's `providers` and injected by type. It takes no options: a class
 * is provided where a module lists it, never registered globally.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class Ranker { constructor(@Inject(CLOCK) private readonly clock: Clock) {} }
 * export const RankingModule = defineModule({ functions: [TopK], providers: [Ranker] });
 * ```
 */
export function Injectable(...options: []): <C extends AnyClass>(target: C) => void {
  // Plain JavaScript can still pass tsyringe's `{ token }`, which would register the class
  // on the global container every Silo root descends from.
  if (options.length > 0) throw new SiloError('SILO124', messages.injectableOptions());
  const decorate = injectable();
  return (target) => {
    decorate(target as unknown as new (...args: unknown[]) => unknown);
  };
}
