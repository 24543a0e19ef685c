/**
 * Turns the `<entry>` of `silo serve|list|run` into the command that starts a worker:
 *
 * - a `.js` / `.cjs` / `.mjs` file → `node <file>`;
 * - a `.ts` file → `node -r <repo>/test/support/register-ts.js <file>`, only inside the
 *   Silo repository (where that loader exists); elsewhere, build the entry first;
 * - anything else containing a space → a full shell command, run with `/bin/sh -c` as
 *   the DuckDB extension runs its LOCATION.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { CliError } from './cli.error';

/** A resolved worker command. */
interface EntryCommand {
  /** argv: program first. */
  readonly command: string[];
  /** How the entry was understood, for messages. */
  readonly kind: 'js' | 'ts' | 'shell';
}

const JS = ['.js', '.cjs', '.mjs'];

/**
 * Resolves `<entry>`; `extraArgs` (e.g. `--unix /tmp/s.sock`) are appended.
 */
export function resolveEntryCommand(
  entry: string,
  extraArgs: readonly string[] = [],
  cwd = process.cwd(),
): EntryCommand {
  const trimmed = entry.trim();
  if (trimmed === '')
    throw new CliError('The worker entry is empty. Give a .js or .ts file, or a full command in quotes.');
  const path = resolve(cwd, trimmed);
  if (existsSync(path) && statSync(path).isFile()) {
    const ext = extname(path).toLowerCase();
    if (JS.includes(ext)) return { command: [process.execPath, path, ...extraArgs], kind: 'js' };
    if (ext === '.ts') {
      const register = findTsLoader();
      if (register === null) {
        throw new CliError(
          `The entry "${entry}" is TypeScript, which this installation cannot run directly. Compile it (npx tsc) and pass the .js file.`,
        );
      }
      return { command: [process.execPath, '-r', register, path, ...extraArgs], kind: 'ts' };
    }
    throw new CliError(
      `The entry "${entry}" is neither a .js nor a .ts file. Give a worker entry file, or a full command in quotes (e.g. "node dist/worker.js").`,
    );
  }
  if (/\s/.test(trimmed))
    return { command: ['/bin/sh', '-c', [trimmed, ...extraArgs.map(shellQuote)].join(' ')], kind: 'shell' };
  throw new CliError(
    `The entry "${entry}" does not exist (looked for ${path}). Give the path of a worker entry file, or a full command in quotes.`,
  );
}

/**
 * The repository's TypeScript loader, when this command runs inside the Silo repository.
 */
export function findTsLoader(from = __dirname): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'vgi-silo') {
        const loader = join(dir, 'test', 'support', 'register-ts.js');
        return existsSync(loader) ? loader : null;
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

/**
 * An argv as one `/bin/sh -c` command line, each argument quoted where it needs it: how
 * DuckDB's `LOCATION` starts a worker.
 */
export function toShellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
