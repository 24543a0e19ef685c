import type { Provider } from '../container/providers';
import { messages, SiloError } from '../errors';
import { CLOCK, LOGGER, SEALER, STORAGE } from '../container/tokens';
import { SystemClock } from '../providers/clock';
import { StderrLogger } from '../providers/logging';
import { SecretSealer } from '../providers/secrets/secret.sealer';
import { createStorageFromEnv } from '../providers/storage/storage-from-env';
import { observabilityFromEnv } from '../observability/observability';
import { type SiloWorker, type WorkerOptions, assembleWorker } from './bootstrap';
import { untilRestored } from './startup-snapshot';

/**
 * The defaults of a real worker: storage chosen by the environment (SQLite shared by
 * every worker process of the host unless `SILO_STORAGE` says otherwise), JSON logs on
 * stderr, the system clock, and the host's sealing key. Built lazily, on first use.
 */
function workerDefaults(): Provider[] {
  return [
    { provide: STORAGE, useFactory: () => createStorageFromEnv() },
    { provide: LOGGER, useFactory: () => new StderrLogger() },
    { provide: CLOCK, useValue: new SystemClock() },
    { provide: SEALER, useFactory: () => SecretSealer.fromEnvironment() },
  ];
}

/**
 * Builds a worker from explicit modules, validating every function (one error lists
 * every problem). Override any default with `providers`.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { bootstrapWorker } from 'vgi-silo';
 * import { TopKModule } from './top-k.module';
 *
 * const worker = await bootstrapWorker({ catalog: 'example', modules: [TopKModule] });
 * ```
 */
export async function bootstrapWorker(options: WorkerOptions): Promise<SiloWorker> {
  // Building a start-up snapshot (`silo snapshot`): everything up to here is in the heap it
  // saves; the rest runs in each process started from it.
  await untilRestored();
  const leaseTtlMs = options.dispatcher?.leaseTtlMs ?? leaseTtlFromEnv(process.env);
  const observability = options.observability ?? observabilityFromEnv(process.env);
  return assembleWorker(
    { ...options, observability, dispatcher: { ...options.dispatcher, leaseTtlMs } },
    workerDefaults(),
  );
}

/**
 * `SILO_LEASE_TTL_MS`: how long an execution's data outlives its last activity before
 * garbage collection may remove it (the dispatcher's default, 6 hours, when unset). A
 * fleet that loses workers mid-query sets it shorter so orphans go sooner.
 */
export function leaseTtlFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.SILO_LEASE_TTL_MS?.trim();
  if (!raw) return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new SiloError('SILO338', messages.leaseTtlInvalid(String(raw)));
  }
  return ms;
}
