import { type DependencyContainer, Lifecycle } from 'tsyringe';
import type { Constructor } from '../metadata';

/** A token a provider can be registered under: a typed token, a class, or a string. */
export type ProviderToken<T = unknown> = symbol | Constructor<T> | string;

/** A fixed value. */
export interface ValueProvider<T = unknown> {
  readonly provide: ProviderToken<T>;
  readonly useValue: T;
}

/** A class the container builds (once per container: providers are singletons of their scope). */
export interface ClassProvider<T = unknown> {
  readonly provide: ProviderToken<T>;
  readonly useClass: Constructor<T>;
}

/** A factory called once with the container. */
export interface FactoryProvider<T = unknown> {
  readonly provide: ProviderToken<T>;
  readonly useFactory: (container: DependencyContainer) => T;
}

/**
 * What a module's `providers` list holds: a class (provided as itself) or an explicit
 * value, class or factory provider.
 *
 * @example
 * ```ts
 * providers: [Ranker, { provide: STORAGE, useValue: new MemoryStorage() }]
 * ```
 */
export type Provider<T = unknown> = Constructor<T> | ValueProvider<T> | ClassProvider<T> | FactoryProvider<T>;

/** The token a provider registers. */
export function providerToken(provider: Provider): ProviderToken {
  return typeof provider === 'function' ? provider : provider.provide;
}

/** Registers one provider in a container, as a singleton of that container. */
export function registerProvider(container: DependencyContainer, provider: Provider): void {
  if (typeof provider === 'function') {
    container.register(provider, { useClass: provider }, { lifecycle: Lifecycle.Singleton });
  } else if ('useValue' in provider) {
    container.register(provider.provide, { useValue: provider.useValue });
  } else if ('useClass' in provider) {
    container.register(provider.provide, { useClass: provider.useClass }, { lifecycle: Lifecycle.Singleton });
  } else {
    container.register(provider.provide, { useFactory: cachedFactory(provider.useFactory) });
  }
}

/** One instance per registration: tsyringe allows no singleton lifecycle for factories. */
function cachedFactory<T>(factory: (c: DependencyContainer) => T): (c: DependencyContainer) => T {
  let built = false;
  let value: T;
  return (c) => {
    if (!built) {
      value = factory(c);
      built = true;
    }
    return value;
  };
}
