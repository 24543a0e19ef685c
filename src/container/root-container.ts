// tsyringe exports no container constructor; a child of its global container is the
// only way to make a fresh one. Silo never registers anything on the global container,
// so each child is an isolated root. This is the one place that touches it.
// eslint-disable-next-line no-restricted-imports
import { container as tsyringeGlobalContainer, type DependencyContainer } from 'tsyringe';
import { SiloError, messages } from '../errors';
import { EXECUTION_SCOPED_TOKENS } from './tokens';
import { type Provider, registerProvider } from './providers';

/** Reflect's metadata API must exist before any decorator runs. */
export function assertReflectMetadata(reflect: object = Reflect): void {
  const r = reflect as { getMetadata?: unknown; defineMetadata?: unknown };
  if (typeof r.getMetadata !== 'function' || typeof r.defineMetadata !== 'function') {
    throw new SiloError('SILO301', messages.reflectMetadataMissing());
  }
}

/**
 * Builds an isolated root container: framework defaults first, then module providers
 * in module order (a later registration of a token wins).
 */
export function createRootContainer(providers: readonly Provider[]): DependencyContainer {
  assertReflectMetadata();
  const root = tsyringeGlobalContainer.createChildContainer();
  for (const p of providers) registerProvider(root, p);
  return root;
}

/** Whether a function's constructor can get `token` inside an execution. */
export function isProvidedIn(root: DependencyContainer, token: unknown): boolean {
  if (EXECUTION_SCOPED_TOKENS.includes(token as symbol)) return true;
  return (
    (typeof token === 'symbol' || typeof token === 'string' || typeof token === 'function') &&
    root.isRegistered(token as never, false)
  );
}
