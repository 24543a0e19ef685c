/**
 * `silo sql <entry> ["<query>"]`: a real DuckDB in this process with the `vgi` extension
 * from npm, the entry ATTACHed, the query run and its result printed as `silo run` prints
 * one (a table, or `--out FILE`). DuckDB reads CSV and Parquet itself. Without a query, an
 * interactive prompt runs each statement as it is completed with `;`.
 */
import { createInterface } from 'node:readline';
import { EmbeddedDuckDb, type SqlResult } from '../../duckdb';
import { CliError } from '../cli.error';
import { resolveEntryCommand, toShellCommand } from '../entry-command';
import { writeTableFile } from '../table-files';
import { formatTable } from '../table-printer';
import { type CommandIo, positiveInt } from './run.command';

/** Options of {@link sqlCommand}. */
interface SqlCommandOptions {
  /** The catalog to attach; default: ask the worker (DuckDB names the database after it). */
  readonly catalog?: string;
  /** The database alias; default the catalog name. */
  readonly as?: string;
  /** Write the last result here (.csv, .json, .ndjson, .arrow) instead of printing it. */
  readonly out?: string;
  /** Rows to print. */
  readonly rows?: string;
  /** `false` (from `--no-pool`): a fresh worker process per call. */
  readonly pool?: boolean;
  readonly quiet?: boolean;
}

/** Where the statements come from when no query is given: a terminal prompt, or piped text. */
interface SqlInput {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

/**
 * The LOCATION DuckDB starts a worker with (it runs it with `/bin/sh -c`): an HTTP base URL
 * or `unix://` path as given, an entry file as the command that runs it.
 */
function workerLocation(entry: string): { readonly location: string; readonly http: boolean } {
  if (/^https?:\/\//i.test(entry)) return { location: entry, http: true };
  if (entry.startsWith('unix://')) return { location: entry, http: false };
  return { location: toShellCommand(resolveEntryCommand(entry).command), http: false };
}

/**
 * Opens DuckDB, attaches `entry`, runs `query` (or a prompt) and prints each result.
 */
export async function sqlCommand(
  entry: string,
  query: string | undefined,
  options: SqlCommandOptions,
  io: CommandIo & SqlInput,
): Promise<void> {
  const shownRows = positiveInt('--rows', options.rows ?? '20', 1, Number.MAX_SAFE_INTEGER);
  const { location, http } = workerLocation(entry);
  const started = Date.now();
  const db = await EmbeddedDuckDb.open({ httpfs: http });
  try {
    const alias = await db.attach({ location, catalog: options.catalog, alias: options.as, pool: options.pool });
    if (!options.quiet) io.stderr.write(`silo sql: DuckDB with the vgi extension, ${location} attached as ${alias}\n`);
    if (query !== undefined) {
      const result = await db.query(query);
      emit(result, options, shownRows, io);
      if (!options.quiet) io.stderr.write(`${result.rows.length} row(s) in ${Date.now() - started} ms\n`);
      return;
    }
    await prompt(db, alias, options, shownRows, io);
  } finally {
    db.close();
  }
}

function emit(result: SqlResult, options: SqlCommandOptions, shownRows: number, io: CommandIo): void {
  if (result.columns.length === 0) return;
  if (options.out !== undefined) {
    writeTableFile(options.out, result.toTable());
    if (!options.quiet) io.stderr.write(`wrote ${result.rows.length} row(s) to ${options.out}\n`);
    return;
  }
  io.stdout.write(`${formatTable(result.toTable(), shownRows)}\n`);
}

/** Statements end with `;`; a failed one is reported and the prompt goes on. */
async function prompt(
  db: EmbeddedDuckDb,
  alias: string,
  options: SqlCommandOptions,
  shownRows: number,
  io: CommandIo & SqlInput,
): Promise<void> {
  const interactive = io.stdin.isTTY === true;
  const lines = createInterface({ input: io.stdin, output: interactive ? io.stderr : undefined, prompt: `${alias}> ` });
  if (interactive) {
    io.stderr.write('End each statement with ";". Ctrl-D quits.\n');
    lines.prompt();
  }
  let pending = '';
  let failures = 0;
  for await (const line of lines) {
    pending += `${line}\n`;
    if (!line.trimEnd().endsWith(';')) continue;
    const statement = pending;
    pending = '';
    try {
      emit(await db.query(statement), options, shownRows, io);
    } catch (error) {
      failures++;
      io.stderr.write(`${(error as Error).message}\n`);
    }
    if (interactive) lines.prompt();
  }
  if (pending.trim() !== '')
    throw new CliError(`The input ended inside a statement (no closing ";"): ${pending.trim().slice(0, 80)}`);
  // Piped statements are a script: a failed one fails the command.
  if (!interactive && failures > 0) process.exitCode = 1;
}
