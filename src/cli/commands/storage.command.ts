/**
 * `silo storage inspect|gc`: the storage backend the environment selects
 * (`SILO_STORAGE`, `SILO_SQLITE_PATH`, `DATABASE_URL`, as the workers choose it) —
 * list its scopes with their lease expiry, or remove scopes whose lease expired.
 */
import { createStorageFromEnv, type FunctionStorage, SqliteStorage, toHex } from '../../providers/storage';

/**
 * Lists every scope that holds data or a lease.
 *
 * @example
 * ```ts
 * console.log(await storageInspectCommand());
 * // execution  00b33845…  lease expires 2025-01-01T10:00:00.000Z (in 3540 s)
 * ```
 */
export async function storageInspectCommand(env: NodeJS.ProcessEnv = process.env, now = Date.now()): Promise<string> {
  return withStorage(env, async (storage) => {
    const scopes = await storage.listScopes();
    const lines = scopes.map((s) => {
      const lease =
        s.leaseExpiresAt === undefined
          ? 'no lease'
          : `lease ${s.leaseExpiresAt < now ? 'expired' : 'expires'} ${new Date(s.leaseExpiresAt).toISOString()} (${describeDelta(s.leaseExpiresAt - now)})`;
      return `${s.scope.kind.padEnd(9)}  ${toHex(s.scope.id).padEnd(32)}  ${lease}`;
    });
    const expired = scopes.filter((s) => s.leaseExpiresAt !== undefined && s.leaseExpiresAt < now).length;
    lines.push(`${scopes.length} scope${scopes.length === 1 ? '' : 's'} (${expired} with an expired lease) in ${describeBackend(storage, env)}`);
    return `${lines.join('\n')}\n`;
  });
}

/**
 * Removes the data of scopes whose lease expired (killed workers, lost destructors).
 *
 * @example
 * ```ts
 * console.log(await storageGcCommand()); // 'collected 2 scopes with an expired lease from sqlite:/…/storage.db'
 * ```
 */
export async function storageGcCommand(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return withStorage(env, async (storage) => {
    const { scopesCollected } = await storage.collectGarbage();
    return `collected ${scopesCollected} scope${scopesCollected === 1 ? '' : 's'} with an expired lease from ${describeBackend(storage, env)}\n`;
  });
}

async function withStorage<T>(env: NodeJS.ProcessEnv, use: (storage: FunctionStorage) => Promise<T>): Promise<T> {
  const storage = createStorageFromEnv(env);
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

function describeBackend(storage: FunctionStorage, env: NodeJS.ProcessEnv): string {
  if (storage instanceof SqliteStorage) return `sqlite:${storage.path}`;
  const backend = (env.SILO_STORAGE?.trim() || 'sqlite').toLowerCase();
  return backend.startsWith('postgres') ? `postgres (schema ${env.SILO_POSTGRES_SCHEMA ?? 'silo'})` : backend;
}

function describeDelta(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return ms >= 0 ? `in ${s} s` : `${s} s ago`;
}
