import { performance } from 'node:perf_hooks';
import { STORAGE } from '../container/tokens';
import type { FunctionStorage } from '../providers/storage/function-storage';
import type { DependencyContainer } from 'tsyringe';

/** What `GET /healthz` reports. */
export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly storage: {
    readonly backend: string;
    readonly reachable: boolean;
    readonly ms: number;
    readonly error?: string;
  };
}

/** An execution id no execution has: asking storage about it reads without writing. */
const PROBE_SCOPE = { kind: 'execution' as const, id: new Uint8Array(16) };

/**
 * Whether the worker's storage answers within `timeoutMs`: one status read of a scope no
 * execution uses.
 */
export async function checkHealth(
  worker: { readonly container: DependencyContainer },
  timeoutMs = 2000,
): Promise<HealthReport> {
  const started = performance.now();
  let backend = 'unknown';
  let timer: NodeJS.Timeout | undefined;
  try {
    const storage = worker.container.resolve<FunctionStorage>(STORAGE);
    backend = storage.backend;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`storage did not answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    await Promise.race([storage.scopeStatus(PROBE_SCOPE), timeout]);
    return { status: 'ok', storage: { backend, reachable: true, ms: round(performance.now() - started) } };
  } catch (error) {
    return {
      status: 'unavailable',
      storage: { backend, reachable: false, ms: round(performance.now() - started), error: (error as Error).message },
    };
  } finally {
    clearTimeout(timer);
  }
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
