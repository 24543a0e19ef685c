import { SiloError } from '../../errors/silo.error';
import type { FunctionStorage } from './function-storage';
import { MemoryStorage } from './memory-storage.provider';
import { PostgresStorage } from './postgres-storage.provider';
import { SqliteStorage } from './sqlite-storage.provider';

/**
 * The values `SILO_STORAGE` accepts.
 */
const STORAGE_BACKENDS = ['memory', 'sqlite', 'postgres'] as const;

/**
 * One of {@link STORAGE_BACKENDS}.
 */
export type StorageBackendName = (typeof STORAGE_BACKENDS)[number];

/**
 * Creates the storage backend the environment asks for:
 *
 * - `SILO_STORAGE=sqlite` (the default): {@link SqliteStorage} on `SILO_SQLITE_PATH`, else
 *   `$XDG_STATE_HOME/silo/storage.db`, else `~/.local/state/silo/storage.db`.
 * - `SILO_STORAGE=postgres`: {@link PostgresStorage} on `DATABASE_URL`, tables in
 *   `SILO_POSTGRES_SCHEMA` (default `silo`). `DATABASE_URL` alone does not select it.
 * - `SILO_STORAGE=memory`: {@link MemoryStorage}, for a single process only.
 *
 * @example
 * ```ts
 * const storage = createStorageFromEnv();                            // sqlite by default
 * const fleet = createStorageFromEnv({ SILO_STORAGE: 'postgres', DATABASE_URL: url });
 * ```
 */
export function createStorageFromEnv(env: NodeJS.ProcessEnv = process.env): FunctionStorage {
  const raw = env.SILO_STORAGE?.trim();
  const name = raw ? raw.toLowerCase() : 'sqlite';
  switch (name) {
    case 'memory':
      return new MemoryStorage();
    case 'sqlite':
      return new SqliteStorage({ env });
    case 'postgres':
    case 'postgresql':
      if (!env.DATABASE_URL) {
        throw new SiloError(
          'SILO327',
          'SILO_STORAGE=postgres needs DATABASE_URL (e.g. postgres://user@host:5432/db). Set it, or choose SILO_STORAGE=sqlite for a single host.',
        );
      }
      return new PostgresStorage({ env });
    default:
      throw new SiloError(
        'SILO325',
        `SILO_STORAGE="${raw}" is not a storage backend. Valid values: ${STORAGE_BACKENDS.join(', ')} (default sqlite).`,
      );
  }
}
