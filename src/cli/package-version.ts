/**
 * The version of the installed vgi-silo, read from its package.json. The compiled CLI
 * (`dist/src/cli`) and the sources (`src/cli`) sit at different depths, so the file is
 * found by walking up to the package root rather than by a fixed relative path.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The `version` of the nearest package.json named `vgi-silo` above this file.
 */
export function packageVersion(from: string = __dirname): string {
  return packageManifest(from)?.version ?? 'unknown';
}

/** The fields of vgi-silo's package.json that `silo init` reads. */
export interface PackageManifest {
  readonly version: string;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

/**
 * The nearest package.json named `vgi-silo` above this file, or `undefined`.
 */
export function packageManifest(from: string = __dirname): PackageManifest | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Partial<PackageManifest> & {
        name?: string;
      };
      if (pkg.name === 'vgi-silo' && pkg.version) return pkg as PackageManifest;
    } catch {
      // no package.json here (or not ours): keep walking up
    }
    if (dirname(dir) === dir) return undefined;
  }
}
