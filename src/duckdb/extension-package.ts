/**
 * Where a real DuckDB and its `vgi` extension come from: `@duckdb/node-api` and the
 * extension binaries on npm (`@haybarn/ext-vgi-h1-5-3`, `@haybarn/ext-httpfs-h1-5-3`).
 * Both are optional: only `silo sql`, the main job and the tests through DuckDB load them,
 * and a missing package is an error that names the npm command installing it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as DuckDb from '@duckdb/node-api';
import { SiloError } from '../errors';

/** The `@duckdb/node-api` module. */
export type DuckDbModule = typeof DuckDb;

/** The DuckDB for Node.js this release is tested with (the extension is built for DuckDB 1.5.3). */
export const DUCKDB_PACKAGE = '@duckdb/node-api@1.5.3-r.3';

/** The npm packages of the extensions, at the versions this release is tested with. */
export const EXTENSION_PACKAGES = {
  /** The `vgi` extension users install today: protocol 1.0.0, commit 15fe529. */
  vgi: '@haybarn/ext-vgi-h1-5-3@202606.15.192504',
  /** httpfs, needed for `LOCATION 'http://…'`; DuckDB cannot download it here. */
  httpfs: '@haybarn/ext-httpfs-h1-5-3@202606.9.140951',
} as const;

/** An extension Silo can load from npm. */
export type ExtensionName = keyof typeof EXTENSION_PACKAGES;

const nameOf = (spec: string): string => spec.slice(0, spec.lastIndexOf('@'));

/** The npm command that installs `specs` as development dependencies. */
export function installCommand(...specs: string[]): string {
  return `npm install --save-dev ${specs.join(' ')}`;
}

/**
 * The path of an extension's binary for this platform. The meta package lists one optional
 * dependency per platform (`…-linux-x64`, `…-darwin-arm64`, …); npm installs the one that fits.
 */
export function extensionBinaryPath(
  extension: ExtensionName,
  paths: readonly string[] = [process.cwd(), __dirname],
): string {
  const spec = EXTENSION_PACKAGES[extension];
  const meta = nameOf(spec);
  let manifest: { optionalDependencies?: Record<string, string> };
  try {
    manifest = JSON.parse(
      readFileSync(require.resolve(`${meta}/package.json`, { paths: [...paths] }), 'utf8'),
    ) as typeof manifest;
  } catch (cause) {
    throw new SiloError(
      'SILO350',
      `The DuckDB ${extension} extension is not installed (npm package ${meta}). Install it with: ${installCommand(spec)}`,
      { cause },
    );
  }
  const platform = `${process.platform}-${process.arch}`;
  const leaf = Object.keys(manifest.optionalDependencies ?? {}).find((name) => name.endsWith(`-${platform}`));
  if (leaf === undefined) {
    const offered = Object.keys(manifest.optionalDependencies ?? {}).join(', ');
    throw new SiloError(
      'SILO351',
      `${meta} has no build for ${platform} (it ships ${offered}). Run DuckDB on one of those platforms.`,
    );
  }
  let leafManifest: string;
  try {
    leafManifest = require.resolve(`${leaf}/package.json`, { paths: [...paths] });
  } catch (cause) {
    throw new SiloError(
      'SILO352',
      `${meta} is installed but its binary for ${platform} (${leaf}) is not: npm skipped the optional dependency. Reinstall with optional dependencies: ${installCommand(spec)} --include=optional`,
      { cause },
    );
  }
  return join(dirname(leafManifest), 'bin', `${extension}.duckdb_extension`);
}

/**
 * The `@duckdb/node-api` module, loaded on first use (it is an optional peer, not a
 * dependency). When it is missing, throws `missing(cause)`: by default SILO353, naming the
 * command that installs it with the vgi extension.
 */
export function loadDuckDb(missing: (cause: unknown) => Error = missingDuckDb): DuckDbModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@duckdb/node-api') as DuckDbModule;
  } catch (cause) {
    throw missing(cause);
  }
}

function missingDuckDb(cause: unknown): Error {
  return new SiloError(
    'SILO353',
    `DuckDB for Node.js is not installed (npm package ${nameOf(DUCKDB_PACKAGE)}). Install it with the vgi extension: ${installCommand(DUCKDB_PACKAGE, EXTENSION_PACKAGES.vgi)}`,
    { cause },
  );
}

/** A DuckDB instance of `@duckdb/node-api`, and a connection to it. */
export type DuckDbInstance = Awaited<ReturnType<DuckDbModule['DuckDBInstance']['create']>>;
export type DuckDbConnection = Awaited<ReturnType<DuckDbInstance['connect']>>;

/**
 * Opens a DuckDB database (`':memory:'` or a file) with extension auto-install and
 * auto-load off — a missing extension is then an error, never a download — and connects.
 */
export async function openDuckDb(
  duckdb: DuckDbModule,
  path: string,
  config: Readonly<Record<string, string>> = {},
): Promise<{ instance: DuckDbInstance; connection: DuckDbConnection }> {
  const instance = await duckdb.DuckDBInstance.create(path, {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    ...config,
  });
  try {
    return { instance, connection: await instance.connect() };
  } catch (error) {
    instance.closeSync();
    throw error;
  }
}
