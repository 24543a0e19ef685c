#!/usr/bin/env node
/**
 * The `silo` command:
 *
 *   silo serve <entry> [--unix PATH | --http PORT]   serve a worker (stdio by default)
 *   silo list <entry>                                the catalog's functions, arguments and flags
 *   silo run <entry> <function> --input F            run a function through real worker processes
 *   silo run --url URL [--url URL...] <function> ... run it through HTTP workers, each request to the next
 *   silo sql <entry> ["<query>"]                     SQL in a real DuckDB with the entry ATTACHed (a prompt without a query)
 *   silo init <dir>                                  a new project: one function, its test, a worker entry
 *   silo snapshot <entry.js> [--out FILE]            a V8 start-up snapshot of the worker (starts without loading modules)
 *   silo storage inspect                             the scopes in the storage the workers share
 *   silo storage gc [--execution ID] [--vacuum]      remove expired scopes' data (then reclaim its space)
 *   silo storage vacuum                              reclaim the space of deleted data
 *   silo storage profile [FILE]                      summarise SILO_STORAGE_PROFILE=1 workers' storage profiles
 *
 * `<entry>` is a .js file, a .ts file (inside the Silo repository), or a full command in
 * quotes; for `list` and `run` also an HTTP worker's base URL (`http://host:port/vgi`).
 */
import { Command, CommanderError } from 'commander';
import { DEFAULT_CONNECT_TIMEOUT_MS, RunConfigurationError } from '../client';
import { isSiloError } from '../errors';
import { VECTOR_SIZE } from '../lifecycle';
import { CliError } from './cli.error';
import { packageVersion } from './package-version';
import { initCommand } from './commands/init.command';
import { listCommand } from './commands/list.command';
import { runCommand } from './commands/run.command';
import { serveCommand } from './commands/serve.command';
import { snapshotCommand } from './commands/snapshot.command';
import { sqlCommand } from './commands/sql.command';
import { storageGcCommand, storageInspectCommand, storageVacuumCommand } from './commands/storage.command';
import { storageProfileFromFile } from './commands/storage-profile.command';

/**
 * Builds the `silo` program (exported so tests can drive it without a child process).
 */
function buildProgram(): Command {
  const program = new Command('silo')
    .description('Serve, inspect and run Silo VGI buffering functions without DuckDB.')
    .version(packageVersion(), '-V, --version', 'print the vgi-silo version')
    .showHelpAfterError('(run silo --help for usage)')
    .exitOverride();

  program
    .command('serve')
    .description(
      'serve a worker entry over stdio, a unix socket with --unix, or HTTP with --http PORT [--host ADDR] [--prefix PATH] (extra flags go to the worker)',
    )
    .argument('<entry>', 'worker entry: a .js or .ts file, or a full command in quotes')
    .argument('[workerArgs...]', 'more flags passed to the worker, e.g. --http 8080 --host 0.0.0.0')
    .option('--unix <path>', 'serve this unix socket instead of stdio')
    .allowUnknownOption()
    .action(async (entry: string, workerArgs: string[], opts: { unix?: string }) => {
      process.exitCode = await serveCommand(entry, [...(opts.unix ? ['--unix', opts.unix] : []), ...workerArgs]);
    });

  program
    .command('list')
    .description("list the worker's catalog: schemas, functions, arguments, flags and descriptions")
    .argument('<entry>', "worker entry: a .js or .ts file, a full command in quotes, or an HTTP worker's base URL")
    .option('--catalog <name>', 'the catalog to attach (default: the only one)')
    .option('--json', 'print JSON instead of text')
    .option('--auth-token <token>', 'bearer token for an HTTP worker (default: $SILO_AUTH_TOKEN)')
    .option(
      '--connect-timeout <seconds>',
      `give up connecting to an HTTP worker after this long (default ${DEFAULT_CONNECT_TIMEOUT_MS / 1000})`,
    )
    .option('--request-timeout <seconds>', 'give up on an HTTP answer after this long (default: no limit)')
    .option(
      '--protocol <version>',
      'the protocol version to speak: 2.0.0 (alias vgi.v2), 1.3.0, 1.0.0, or auto to ask the worker (default auto)',
    )
    .action(async (entry: string, opts: Parameters<typeof listCommand>[1]) => {
      process.stdout.write(await listCommand(entry, opts));
    });

  program
    .command('run')
    .description(
      'run a function the way DuckDB would: N sink worker processes, combine, fresh finalize processes, destructor — or, with HTTP workers, ' +
        'the same requests spread over their URLs in turn (silo run --url URL --url URL <function> ...)',
    )
    .usage('<entry> <function> --input FILE [options]  |  --url URL [--url URL ...] <function> --input FILE [options]')
    .argument(
      '<entry>',
      "worker entry: a .js or .ts file, a full command in quotes, or an HTTP worker's base URL (then <function> follows); omit it when --url names the workers",
    )
    .argument('[function]', 'the function: name or schema.name')
    .requiredOption(
      '--input <file>',
      'input rows, read as the sink takes them: .csv (header row), .json / .ndjson, .arrow / .arrows, or .parquet (through DuckDB)',
    )
    .option(
      '--arg <name=value>',
      'an argument, parsed by its declared type (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option(
      '--url <url>',
      'an HTTP worker base URL, as silo serve --http prints it (repeatable: each request goes to the next)',
      (value: string, all: string[] | undefined) => [...(all ?? []), value],
    )
    .option('--auth-token <token>', 'bearer token for HTTP workers (default: $SILO_AUTH_TOKEN)')
    .option(
      '--connect-timeout <seconds>',
      `an HTTP worker not connected within this long counts as refused: the request goes to the next URL (default ${DEFAULT_CONNECT_TIMEOUT_MS / 1000})`,
    )
    .option(
      '--request-timeout <seconds>',
      'abandon the run when an HTTP worker has not answered a request within this long (default: no limit)',
    )
    .option('--gzip', 'gzip request bodies of 16 KiB or more sent to HTTP workers (for slow links)')
    .option(
      '--workers <n>',
      'sink connections (DuckDB threads): worker processes, or parallel request streams over HTTP',
      '1',
    )
    .option('--batch-size <n>', `rows per input batch, at most ${VECTOR_SIZE}`, String(VECTOR_SIZE))
    .option(
      '--out <file>',
      'write the result, as it arrives, to .csv, .json, .ndjson, .arrow or .parquet instead of printing it; - writes it to stdout',
    )
    .option(
      '--format <format>',
      'format of --out: csv, json, ndjson, arrow or parquet (default: the file extension; csv for --out -)',
    )
    .option('--limit <n>', 'stop after n output rows (cancels the finalize streams, like SQL LIMIT)')
    .option('--rows <n>', 'rows to print', '20')
    .option('--catalog <name>', 'the catalog to attach (default: the only one)')
    .option(
      '--protocol <version>',
      'the protocol version to speak: 2.0.0 (alias vgi.v2), 1.3.0, 1.0.0, or auto to ask the worker (default auto)',
    )
    .option('-q, --quiet', 'no progress and no summary on stderr')
    .option('-v, --verbose', "show the workers' log batches and stderr")
    .option(
      '--trace',
      "print a per-phase timeline of the run from the workers' spans: which process ran what, how long, rows in and out",
    )
    .action(async (first: string, second: string | undefined, opts: Parameters<typeof runCommand>[2]) => {
      // `silo run --url A --url B fn`: with the workers given by --url, the one argument is the function.
      if (second === undefined && (opts.url ?? []).length === 0) {
        throw new CliError(
          'silo run needs <entry> <function>: a worker entry (or HTTP worker URL) and the function to run; with --url URL the entry may be omitted.',
        );
      }
      const [entry, fn] = second === undefined ? [undefined, first] : [first, second];
      await runCommand(entry, fn, opts, { stdout: process.stdout, stderr: process.stderr });
    });

  program
    .command('sql')
    .description(
      'run SQL in a real DuckDB (from npm) with the vgi extension loaded and the entry ATTACHed; DuckDB reads CSV and Parquet itself. ' +
        'Without a query: a prompt (or statements piped on stdin), each ending with ";"',
    )
    .argument(
      '<entry>',
      "worker entry: a .js or .ts file, a full command in quotes, unix://PATH, or an HTTP worker's base URL",
    )
    .argument('[query]', "the SQL, e.g. \"SELECT * FROM samples.top_k(3, (SELECT * FROM 'trips.csv'), by := 'fare')\"")
    .option('--catalog <name>', 'the catalog to attach (default: ask the worker; the database is named after it)')
    .option('--as <alias>', 'the database name in DuckDB (default: the catalog name)')
    .option('--out <file>', 'write the result to .csv, .json, .ndjson or .arrow instead of printing it')
    .option('--rows <n>', 'rows to print', '20')
    .option('--no-pool', 'a fresh worker process for every call (ATTACH option pool false)')
    .option('-q, --quiet', 'no summary on stderr')
    .action(async (entry: string, query: string | undefined, opts: Parameters<typeof sqlCommand>[2]) => {
      await sqlCommand(entry, query, opts, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
    });

  program
    .command('init')
    .description(
      'create a project: package.json (vgi-silo and its peers), TypeScript and Jest set up for decorators, one function, its test, a worker entry, a README with the ATTACH SQL',
    )
    .argument('<dir>', 'a new or empty directory')
    .option('--catalog <name>', 'the catalog the worker serves (default: the directory name)')
    .action((dir: string, opts: { catalog?: string }) => {
      process.stdout.write(initCommand(dir, opts));
    });

  program
    .command('snapshot')
    .description(
      "build a V8 start-up snapshot of a built worker entry (bundled with esbuild): workers started as 'node --snapshot-blob FILE' skip loading their modules",
    )
    .argument('<entry>', 'the built worker entry (.js)')
    .option('--out <file>', 'the snapshot file (default: the entry with .blob, beside it)')
    .option(
      '--external <package...>',
      'packages to leave out of the bundle, besides the native addons Silo knows (better-sqlite3, pg, DuckDB)',
    )
    .action(async (entry: string, opts: { out?: string; external?: string[] }) => {
      process.stdout.write(await snapshotCommand(entry, opts));
    });

  const storage = program
    .command('storage')
    .description('the storage backend the workers share (SILO_STORAGE, SILO_SQLITE_PATH, DATABASE_URL)');
  storage
    .command('inspect')
    .description('list scopes (executions, attaches) with their lease expiry')
    .action(async () => {
      process.stdout.write(await storageInspectCommand());
    });
  storage
    .command('gc')
    .description('remove the data of scopes whose lease expired (and tombstones of ended executions whose time is up)')
    .option(
      '--execution <id>',
      'end this execution now, as its destructor would: remove its data; workers refuse its later calls',
    )
    .option('--all-expired-now', 'collect as if every lease had expired now: removes the data of running queries too')
    .option(
      '--vacuum',
      'then reclaim the space of the removed data (SQLite: VACUUM shrinks the file; PostgreSQL: VACUUM the tables) and report the size before and after',
    )
    .action(async (opts: { execution?: string; allExpiredNow?: boolean; vacuum?: boolean }) => {
      process.stdout.write(await storageGcCommand(process.env, opts));
    });
  storage
    .command('profile [file]')
    .description(
      'summarise the storage profiles of workers run with SILO_STORAGE_PROFILE=1 (calls, bytes and time per operation, per execution) from their log file or stdin',
    )
    .action(async (file: string | undefined) => {
      process.stdout.write(await storageProfileFromFile(file));
    });
  storage
    .command('vacuum')
    .description(
      'reclaim the space of deleted data (SQLite: VACUUM shrinks the file; PostgreSQL: VACUUM the tables); reports the size before and after',
    )
    .action(async () => {
      process.stdout.write(await storageVacuumCommand(process.env));
    });
  return program;
}

/**
 * Runs the program on `argv` and sets the exit code: 0, 1 for a failed run, 2 for a usage
 * or input error.
 */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the problem (or the help / version text).
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const usage = error instanceof CliError || error instanceof RunConfigurationError;
    const message = isSiloError(error) || error instanceof Error ? error.message : String(error);
    process.stderr.write(`silo: ${message}\n`);
    if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = usage ? 2 : 1;
  }
}

if (require.main === module) void main(process.argv);
