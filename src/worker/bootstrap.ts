import type { DependencyContainer } from 'tsyringe';
import type { Provider } from '../container/providers';
import { LOGGER } from '../container/tokens';
import { Observability, type ObservabilityOptions } from '../observability/observability';
import { createSiloTracer, TRACER } from '../observability/silo-tracer';
import type { Logger } from '../providers/logging';
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
  /**
   * Spans, metrics and storage profiles: an {@link Observability}, its options, or
   * `false`. `bootstrapWorker` defaults to the environment's (`SILO_TRACING`,
   * `SILO_METRICS`, `SILO_STORAGE_PROFILE`); the TestBed observes nothing unless told.
   */
  readonly observability?: Observability | ObservabilityOptions | false;
}

/** A bootstrapped worker: its functions, its root container and its dispatcher. */
export interface SiloWorker {
  readonly catalog: string;
  readonly registry: FunctionRegistry;
  readonly container: DependencyContainer;
  readonly dispatcher: Dispatcher;
  /** What observes the worker's calls (`GET /metrics` renders its metrics); undefined when nothing does. */
  readonly observability?: Observability;
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
export function assembleWorker(
  options: WorkerOptions,
  defaults: readonly Provider[],
  validated?: FunctionRegistry,
): SiloWorker {
  const { functions, providers } = flattenModules(options.modules);
  const observability = observabilityOf(options.observability, () => container.resolve<Logger>(LOGGER));
  // The tracer first: a module or the caller may provide their own.
  const container = createRootContainer([
    { provide: TRACER, useValue: createSiloTracer(observability) },
    ...defaults,
    ...providers,
    ...(options.providers ?? []),
  ]);
  // A registry validated against the same modules and providers stays valid for a new container.
  const registry = validated ?? FunctionRegistry.build(functions, (token) => isProvidedIn(container, token));
  const dispatcher = new Dispatcher(registry, container, { instrumentation: observability, ...options.dispatcher });
  return {
    catalog: options.catalog,
    registry,
    container,
    dispatcher,
    observability,
    close: async () => {
      dispatcher.close();
      observability?.close();
    },
  };
}

function observabilityOf(given: WorkerOptions['observability'], logger: () => Logger): Observability | undefined {
  if (given === undefined || given === false) return undefined;
  return given instanceof Observability ? given : new Observability({ logger, ...given });
}
