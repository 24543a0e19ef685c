/**
 * Shared setup of the tests through a real DuckDB: one in-process DuckDB with the `vgi`
 * extension, one ATTACH of a repository worker run from its TypeScript entry, and a
 * temporary SQLite storage every worker process of the file shares.
 *
 * DuckDB spawns the workers itself, with its process environment, and reads
 * `QUERY_FARM_TELEMETRY_OPT_OUT` with `getenv`. Inside Jest `process.env` is a copy
 * that neither sees, so the variables are written to the host process's environment
 * (and put back afterwards).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInThisContext } from 'node:vm';
import { resolveEntryCommand, toShellCommand } from '../../src/cli/entry-command';
import { EmbeddedDuckDb, type SqlResult } from '../../src/duckdb';

/** The repository root. */
export const REPO = resolve(__dirname, '..', '..');

/** The conformance worker's entry (catalog `example`). */
export const CONFORMANCE_ENTRY = join(REPO, 'samples', 'conformance', 'main.ts');

/** The samples worker's entry (catalog `samples`: top_k, per_key_sum, dedup, external_sort). */
export const SAMPLES_ENTRY = join(REPO, 'samples', 'worker.ts');

/** The environment native code and child processes of this process really see. */
export const hostEnv: NodeJS.ProcessEnv = (runInThisContext('process') as NodeJS.Process).env;

/** argv that runs a repository `.ts` entry from source (`node -r register-ts.js <file>`). */
export function workerArgv(entry: string, extraArgs: readonly string[] = []): string[] {
  return resolveEntryCommand(entry, extraArgs, REPO).command;
}

/** The same as one command line, as DuckDB's `LOCATION` takes it (run with `/bin/sh -c`). */
export function workerCommand(entry: string, extraArgs: readonly string[] = []): string {
  return toShellCommand(workerArgv(entry, extraArgs));
}

/** A temporary directory holding the workers' SQLite storage, and the variables pointing at it. */
export interface DuckDbStorage {
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
  /** Restores the host environment and removes the directory. */
  dispose(): void;
}

/**
 * Creates a temporary storage directory and sets `SILO_STORAGE=sqlite`, `SILO_SQLITE_PATH`
 * and a random `SILO_SECRET_KEY` in the host environment, so every worker DuckDB spawns
 * (sink, finalize and destructor phases run in different processes) shares one file.
 */
export function useDuckDbStorage(prefix = 'silo-duckdb-'): DuckDbStorage {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const env: Record<string, string> = {
    SILO_STORAGE: 'sqlite',
    SILO_SQLITE_PATH: join(dir, 'storage.db'),
    SILO_SECRET_KEY: randomBytes(32).toString('hex'),
    QUERY_FARM_TELEMETRY_OPT_OUT: '1',
  };
  const previous = Object.fromEntries(Object.keys(env).map((k) => [k, hostEnv[k]]));
  Object.assign(hostEnv, env);
  return {
    dir,
    env,
    dispose: () => {
      for (const [k, v] of Object.entries(previous)) {
        if (v === undefined) delete hostEnv[k];
        else hostEnv[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What {@link openWithWorker} sets up. */
export interface WorkerDb {
  readonly db: EmbeddedDuckDb;
  /** The attached database's name. */
  readonly alias: string;
  readonly storage: DuckDbStorage;
  /** The `LOCATION` the worker was attached with (DuckDB names it in errors). */
  readonly location: string;
  close(): void;
}

/** Options of {@link openWithWorker}. */
export interface OpenWithWorkerOptions {
  /** A repository `.ts` entry, or a ready `LOCATION` (`unix://…`). */
  readonly entry?: string;
  readonly location?: string;
  /** Named ATTACH (`ATTACH '<catalog>' AS <alias> (… LOCATION …)`); omitted, the bare form. */
  readonly catalog?: string;
  readonly alias?: string;
  /** DuckDB settings, e.g. `{ threads: '2' }`. */
  readonly config?: Readonly<Record<string, string>>;
}

/** Temporary storage, an in-memory DuckDB, and one ATTACH of the worker. */
export async function openWithWorker(options: OpenWithWorkerOptions): Promise<WorkerDb> {
  const storage = useDuckDbStorage();
  // The extension pools workers per LOCATION for the whole process, across DuckDB
  // instances, and a worker keeps the environment it was spawned with: naming the storage
  // in the LOCATION keeps one file's pooled workers from serving the next file.
  const location =
    options.location ??
    toShellCommand(['env', ...storageAssignments(storage), ...workerArgv(options.entry ?? CONFORMANCE_ENTRY)]);
  let db: EmbeddedDuckDb | undefined;
  try {
    db = await EmbeddedDuckDb.open({ resolveFrom: [REPO], config: options.config });
    const alias = await db.attach({ location, catalog: options.catalog, alias: options.alias });
    const opened = db;
    return {
      db: opened,
      alias,
      storage,
      location,
      close: () => {
        opened.close();
        endPooledWorkers(storage.env.SILO_SQLITE_PATH);
        storage.dispose();
      },
    };
  } catch (error) {
    db?.close();
    storage.dispose();
    throw error;
  }
}

/** `SILO_STORAGE=…`, `SILO_SQLITE_PATH=…`, `SILO_SECRET_KEY=…`: arguments of `env`. */
function storageAssignments(storage: DuckDbStorage): string[] {
  return ['SILO_STORAGE', 'SILO_SQLITE_PATH', 'SILO_SECRET_KEY'].map((k) => `${k}=${storage.env[k]}`);
}

/**
 * Live worker processes whose storage is `sqlitePath`: the ones spawned for one
 * {@link openWithWorker}. Linux `/proc` only; elsewhere none are found.
 */
export function workersOn(sqlitePath: string): number[] {
  if (!existsSync('/proc/self/stat')) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`SILO_SQLITE_PATH=${sqlitePath}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Ends the workers DuckDB left pooled for `sqlitePath` (the pool outlives the DuckDB instance). */
export function endPooledWorkers(sqlitePath: string): void {
  for (const pid of workersOn(sqlitePath)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** The message of the error `sql` fails with; fails the test when it succeeds. */
export async function queryError(db: EmbeddedDuckDb, sql: string): Promise<string> {
  try {
    await db.query(sql);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected the query to fail, it succeeded: ${sql}`);
}

/** Rows with bigint and Date cells written as text, for exact comparisons. */
export function plainRows(result: SqlResult): Record<string, unknown>[] {
  return result.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plainValue(v)])));
}

function plainValue(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))) as unknown;
}

/** The rows as sorted JSON lines: compares results whose order DuckDB does not guarantee. */
export function sortedLines(result: SqlResult): string[] {
  return plainRows(result)
    .map((r) => JSON.stringify(r))
    .sort();
}
