/**
 * `silo storage inspect`, `silo storage gc` and `silo storage vacuum`: the storage backend the environment selects
 * (`SILO_STORAGE`, `SILO_SQLITE_PATH`, `DATABASE_URL`, as the workers choose it) —
 * list its scopes with their lease expiry, remove scopes whose lease expired, end one
 * execution, or collect everything as if every lease had expired; and reclaim the space
 * of what was removed (`gc --vacuum`, `vacuum`).
 */
import {
  createStorageFromEnv,
  DEFAULT_DESTROYED_TOMBSTONE_TTL_MS,
  type FunctionStorage,
  fromHex,
  SqliteStorage,
  toHex,
} from '../../providers/storage';
import { CliError } from '../cli.error';

/**
 * Lists every scope that holds data or a lease.
 */
export async function storageInspectCommand(env: NodeJS.ProcessEnv = process.env, now = Date.now()): Promise<string> {
  return withStorage(env, async (storage) => {
    const all = await storage.listScopes({ tombstones: true });
    const lines = all.map((s) => {
      const when = (at: number) => `${new Date(at).toISOString()} (${describeDelta(at - now)})`;
      const lease =
        s.leaseExpiresAt === undefined
          ? 'no lease'
          : s.ended !== undefined
            ? `ended (${s.ended === 'destroyed' ? 'destructor' : 'collected by GC'}), remembered until ${when(s.leaseExpiresAt)}`
            : `lease ${s.leaseExpiresAt < now ? 'expired' : 'expires'} ${when(s.leaseExpiresAt)}`;
      return `${s.scope.kind.padEnd(9)}  ${toHex(s.scope.id).padEnd(32)}  ${lease}`;
    });
    // Tombstones that hold nothing are no leak: counted apart from the scopes holding data.
    const holding = await storage.listScopes();
    const isHolding = new Set(holding.map((s) => `${s.scope.kind}:${toHex(s.scope.id)}`));
    const tombstones = all.filter(
      (s) => s.ended !== undefined && !isHolding.has(`${s.scope.kind}:${toHex(s.scope.id)}`),
    ).length;
    const expired = holding.filter((s) => s.leaseExpiresAt !== undefined && s.leaseExpiresAt < now).length;
    const ended =
      tombstones === 0
        ? ''
        : `, and ${tombstones} ended execution${tombstones === 1 ? '' : 's'} remembered without data`;
    lines.push(
      `${holding.length} scope${holding.length === 1 ? '' : 's'} (${expired} with an expired lease)${ended} in ${describeBackend(storage, env)}`,
    );
    return `${lines.join('\n')}\n`;
  });
}

/**
 * Removes the data of scopes whose lease expired (killed workers, lost destructors).
 */
export async function storageGcCommand(
  env: NodeJS.ProcessEnv = process.env,
  options: StorageGcOptions = {},
): Promise<string> {
  if (options.execution !== undefined && options.allExpiredNow) {
    throw new CliError(
      'silo storage gc takes --execution ID or --all-expired-now, not both: --all-expired-now already removes every execution. Drop one of them.',
    );
  }
  if (options.execution !== undefined) {
    const id = parseExecutionId(options.execution);
    return withStorage(
      env,
      async (storage) =>
        `${await endExecution(storage, id, env)}\n${options.vacuum ? await vacuumLine(storage, env) : ''}`,
    );
  }
  return withStorage(env, async (storage) => {
    // Every lease counts as expired: running queries lose their data too (their next call is told so).
    const { scopesCollected } = await storage.collectGarbage(
      options.allExpiredNow ? Number.MAX_SAFE_INTEGER : undefined,
    );
    const what = options.allExpiredNow ? 'treating every lease as expired' : 'with an expired lease';
    const collected = `collected ${scopesCollected} scope${scopesCollected === 1 ? '' : 's'} ${what} from ${describeBackend(storage, env)}\n`;
    return options.vacuum ? `${collected}${await vacuumLine(storage, env)}` : collected;
  });
}

/**
 * `silo storage vacuum`: reclaims the space of deleted data — SQLite's file shrinks
 * (VACUUM, then a WAL checkpoint), PostgreSQL's tables are vacuumed (the space is reused
 * by PostgreSQL) — and reports the size before and after.
 */
export async function storageVacuumCommand(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return withStorage(env, (storage) => vacuumLine(storage, env));
}

/** A storage that can reclaim the space of deleted data (every built-in backend). */
interface Vacuumable {
  vacuum(): Promise<{ bytesBefore: number; bytesAfter: number }>;
}

async function vacuumLine(storage: FunctionStorage, env: NodeJS.ProcessEnv): Promise<string> {
  const where = describeBackend(storage, env);
  const vacuumable = storage as FunctionStorage & Partial<Vacuumable>;
  if (typeof vacuumable.vacuum !== 'function') {
    throw new CliError(
      `${where} has no vacuum(): its space is reclaimed by the backend itself, if at all. Run silo storage gc without --vacuum.`,
    );
  }
  const { bytesBefore, bytesAfter } = await vacuumable.vacuum();
  return `vacuumed ${where}: ${describeBytes(bytesBefore)} → ${describeBytes(bytesAfter)} (${describeBytes(Math.max(0, bytesBefore - bytesAfter))} reclaimed)\n`;
}

function describeBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Options of `silo storage gc`. */
interface StorageGcOptions {
  /** End this execution (hex id) now: remove its data, leave a tombstone (`--execution ID`). */
  readonly execution?: string;
  /** Collect as if every lease had expired now (`--all-expired-now`). */
  readonly allExpiredNow?: boolean;
  /** Then reclaim the space of what was removed (`--vacuum`; see {@link storageVacuumCommand}). */
  readonly vacuum?: boolean;
}

/**
 * Ends one execution in the storage the workers share, as its destructor would: removes
 * its data and leaves a tombstone, so a worker still running it refuses its next call.
 * Returns what it did, in a sentence.
 */
export async function endExecution(
  storage: FunctionStorage,
  executionId: Uint8Array,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const scope = { kind: 'execution', id: executionId } as const;
  const id = toHex(executionId);
  const where = describeBackend(storage, env);
  const status = await storage.scopeStatus(scope);
  const holdsData = (await storage.listScopes()).some((s) => s.scope.kind === 'execution' && toHex(s.scope.id) === id);
  if (status.state === 'absent' && !holdsData) return `execution ${id} is unknown to ${where}: nothing to clean`;
  await storage.endScope(scope, DEFAULT_DESTROYED_TOMBSTONE_TTL_MS);
  const before =
    status.state === 'live'
      ? 'it was live'
      : status.state === 'absent'
        ? 'it had no lease'
        : `it had already ended (${status.state})`;
  return `ended execution ${id} in ${where} (${before}): its data was removed, and workers refuse its calls from now on`;
}

function parseExecutionId(text: string): Uint8Array {
  const hex = text.trim().toLowerCase();
  if (!/^([0-9a-f]{2})+$/.test(hex)) {
    throw new CliError(
      `--execution must be an execution id in hex, as silo storage inspect lists it (e.g. 9f1c0a…), got "${text}".`,
    );
  }
  return fromHex(hex);
}

/**
 * Runs `use` on the storage the environment selects, and closes it.
 */
async function withStorage<T>(env: NodeJS.ProcessEnv, use: (storage: FunctionStorage) => Promise<T>): Promise<T> {
  const storage = createStorageFromEnv(env);
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

/**
 * Names a storage for messages: `sqlite:/path`, `postgres (schema silo)`, `memory`.
 */
export function describeBackend(storage: FunctionStorage, env: NodeJS.ProcessEnv): string {
  if (storage instanceof SqliteStorage) return `sqlite:${storage.path}`;
  const backend = (env.SILO_STORAGE?.trim() || 'sqlite').toLowerCase();
  return backend.startsWith('postgres') ? `postgres (schema ${env.SILO_POSTGRES_SCHEMA ?? 'silo'})` : backend;
}

function describeDelta(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return ms >= 0 ? `in ${s} s` : `${s} s ago`;
}
