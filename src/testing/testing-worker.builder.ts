import { randomBytes } from 'node:crypto';
import type { DependencyContainer } from 'tsyringe';
import { type Provider, type ProviderToken, providerToken } from '../container/providers';
import { CLOCK, LOGGER, SEALER, STORAGE, type Token, tokenName } from '../container/tokens';
import { SiloError, messages } from '../errors';
import type { Constructor } from '../metadata';
import { SystemClock } from '../providers/clock';
import { MemoryLogger } from '../providers/logging';
import { SecretSealer } from '../providers/secrets/secret.sealer';
import { MemoryStorage } from '../providers/storage';
import { flattenModules, type SiloModule } from '../registration/module';
import { TestingWorker } from './testing-worker';

/** What {@link createTestingWorker} takes. */
export interface TestingWorkerOptions {
  readonly modules: readonly SiloModule[];
  /** Catalog name (default `test`). */
  readonly catalog?: string;
}

/** The three ways to replace a provider. */
export interface OverrideBy<T> {
  useValue(value: T): TestingWorkerBuilder;
  useClass(cls: Constructor<T>): TestingWorkerBuilder;
  useFactory(factory: (container: DependencyContainer) => T): TestingWorkerBuilder;
}

/**
 * Builds an in-process worker for tests. Each `compile()` gets its own root container
 * and, unless overridden, its own `MemoryStorage`, so tests never share state.
 *
 * @example
 * ```ts
 * const worker = await createTestingWorker({ modules: [TopKModule] })
 *   .overrideProvider(STORAGE).useValue(new MemoryStorage())
 *   .compile();
 * const result = await worker.run('top_k', { input: table, args: { k: 3n } });
 * ```
 */
export class TestingWorkerBuilder {
  private readonly overrides: Provider[] = [];

  constructor(private readonly options: TestingWorkerOptions) {}

  /** Replaces the provider of `token`. The token must be provided by a module or the framework. */
  overrideProvider<T>(token: Token<T> | Constructor<T> | ProviderToken<T>): OverrideBy<T> {
    const add = (provider: Provider) => {
      this.overrides.push(provider);
      return this;
    };
    return {
      useValue: (value) => add({ provide: token, useValue: value }),
      useClass: (cls) => add({ provide: token, useClass: cls }),
      useFactory: (factory) => add({ provide: token, useFactory: factory }),
    };
  }

  /** Registers the modules (validating every function) and returns the worker. */
  async compile(): Promise<TestingWorker> {
    const defaults = testingDefaults();
    const { providers } = flattenModules(this.options.modules);
    const known = new Set<unknown>([...defaults, ...providers].map(providerToken));
    for (const o of this.overrides) {
      const token = providerToken(o);
      if (!known.has(token))
        throw new SiloError('SILO201', messages.overrideUnknownToken(tokenName(token), [...known].map(tokenName)));
    }
    // Built once: every phase of every run, and every chaos container, shares these values.
    return new TestingWorker(this.options.catalog ?? 'test', this.options.modules, defaults, [...this.overrides]);
  }
}

/** In tests: memory storage and logs, the real clock, a throwaway sealing key. */
function testingDefaults(): Provider[] {
  return [
    { provide: STORAGE, useValue: new MemoryStorage() },
    { provide: LOGGER, useValue: new MemoryLogger() },
    { provide: CLOCK, useValue: new SystemClock() },
    { provide: SEALER, useValue: new SecretSealer(new Uint8Array(randomBytes(32)), 'the TestBed') },
  ];
}

/**
 * Starts a TestBed for the given modules. Chain `overrideProvider(TOKEN).useValue(...)`
 * as needed, then `compile()`.
 *
 * @example
 * ```ts
 * const worker = await createTestingWorker({ modules: [AppModule] }).compile();
 * const { output, logs, leaks } = await worker.run('sum_by_key', { input, sinkConnections: 4 });
 * ```
 */
export function createTestingWorker(options: TestingWorkerOptions): TestingWorkerBuilder {
  return new TestingWorkerBuilder(options);
}
