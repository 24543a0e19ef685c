/**
 * `@opentelemetry/api` is an optional peer: loaded on first use, once, and everything
 * that needs it is a no-op when it is not installed.
 */
import type { OpenTelemetryApi } from './otel.types';

export type { OpenTelemetryApi };

/** How the module is loaded; tests pass one that fails to simulate it being absent. */
export type ModuleLoader = (id: string) => unknown;

let cached: { api: OpenTelemetryApi | undefined } | undefined;

/**
 * The installed `@opentelemetry/api`, or `undefined` when it is not installed (or fails
 * to load). Loaded once per process unless a `load` function is given.
 */
export function loadOpenTelemetryApi(load?: ModuleLoader): OpenTelemetryApi | undefined {
  if (load) return tryLoad(load);
  // A plain require, so bundlers and the package's CommonJS build both keep it optional.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cached ??= { api: tryLoad((id) => require(id) as unknown) };
  return cached.api;
}

function tryLoad(load: ModuleLoader): OpenTelemetryApi | undefined {
  try {
    const api = load('@opentelemetry/api') as OpenTelemetryApi | undefined;
    return api && typeof api.trace?.getTracer === 'function' ? api : undefined;
  } catch {
    return undefined;
  }
}
