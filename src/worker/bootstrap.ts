import type { DependencyContainer } from 'tsyringe';
import type { Provider } from '../container/providers';
import { createRootContainer, isProvidedIn } from '../container/root-container';
import { FunctionRegistry } from '../registration/function-registry';
import { type SiloModule, flattenModules } from '../registration/module';
import { Dispatcher, type DispatcherOptions } from './dispatcher';

/** What {@link bootstrapWorker} takes. */
export interface WorkerOptions {
  /** The catalog name DuckDB attaches (`ATTACH 'example' (TYPE vgi, ...)`). */
  readonly catalog: string;
  /** The modules whose functions this worker serves. */
  readonly modules: readonly SiloModule[];
  /** Providers that override everything else (for example a storage backend). */
  readonly providers?: readonly Provider[];
  readonly dispatcher?: DispatcherOptions;
}

/** A bootstrapped worker: its functions, its root container and its dispatcher. */
export interface SiloWorker {
  readonly catalog: string;
  readonly registry: FunctionRegistry;
  readonly container: DependencyContainer;
  readonly dispatcher: Dispatcher;
  /** Aborts running executions. Storage is closed by whoever created it. */
  close(): Promise<void>;
}

/**
 * Builds a worker from explicit modules: one isolated root container (framework
 * defaults, then module providers in module order, then `providers`), and a registry in
 * which every function passed every rule (or one error listing every problem).
 *
 * Used by worker entries and, with other defaults, by the TestBed, which passes the
 * registry it validated once so each simulated process only gets a fresh container.
 */
export function assembleWorker(options: WorkerOptions, defaults: readonly Provider[], validated?: FunctionRegistry): SiloWorker {
  const { functions, providers } = flattenModules(options.modules);
  const container = createRootContainer([...defaults, ...providers, ...(options.providers ?? [])]);
  // A registry validated against the same modules and providers stays valid for a new container.
  const registry = validated ?? FunctionRegistry.build(functions, (token) => isProvidedIn(container, token));
  const dispatcher = new Dispatcher(registry, container, options.dispatcher);
  return {
    catalog: options.catalog,
    registry,
    container,
    dispatcher,
    close: async () => dispatcher.close(),
  };
}
