/**
 * `silo init <dir>`: scaffolds a project — package.json depending on this vgi-silo and
 * its peers, TypeScript and Jest set up for decorators, one function with its test, a
 * worker entry, and a README with the ATTACH SQL — into a new or empty directory.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from '../cli.error';
import { initFiles } from '../init-template';
import { packageManifest } from '../package-version';

/** Options of `silo init`. */
interface InitCommandOptions {
  /** The catalog the worker serves (default: the directory's name as an identifier). */
  readonly catalog?: string;
}

/**
 * Writes the project into `dir` (created when missing; refused when it holds files) and
 * returns what to do next.
 */
export function initCommand(dir: string, options: InitCommandOptions = {}): string {
  const root = resolve(dir);
  let existing: string[] = [];
  try {
    existing = readdirSync(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR')
      throw new CliError(`silo init ${dir}: "${root}" is a file. Give a new or empty directory.`);
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new CliError(`silo init ${dir}: cannot read "${root}": ${(e as Error).message}.`);
  }
  if (existing.length > 0) {
    throw new CliError(
      `silo init ${dir}: "${root}" is not empty (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}). Give a new or empty directory, so no file of yours is overwritten.`,
    );
  }
  const packageName = npmName(basename(root));
  const catalog = options.catalog ?? identifier(basename(root));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(catalog)) {
    throw new CliError(
      `silo init --catalog "${catalog}": a catalog name is a plain SQL identifier (letters, digits and underscores, not starting with a digit).`,
    );
  }
  const manifest = packageManifest();
  if (manifest === undefined)
    throw new CliError(
      'silo init cannot find the package.json of vgi-silo beside the silo command; reinstall vgi-silo.',
    );
  const files = initFiles({ packageName, catalog, manifest });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text, { flag: 'wx' });
  }
  return [
    `created ${packageName} in ${root} (vgi-silo ^${manifest.version}, catalog ${catalog}):`,
    ...Object.keys(files).map((f) => `  ${f}`),
    '',
    'next:',
    `  cd ${dir}`,
    '  npm install',
    '  npm test',
    '  npm run build && npx silo list dist/worker.js',
    '',
  ].join('\n');
}

/** A valid npm package name from a directory name: lower case, unsafe characters as dashes. */
function npmName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[-._]+|-+$/g, '');
  return cleaned === '' ? 'silo-functions' : cleaned;
}

/** A SQL identifier from a directory name. */
function identifier(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return cleaned === '' ? 'functions' : /^\d/.test(cleaned) ? `_${cleaned}` : cleaned;
}
