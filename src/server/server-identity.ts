/**
 * Who answers: `vgi_rpc.server_id` on every response batch and the `list_protocols`
 * server fields (vgi-wire §3.3, §9).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ServerIdentity } from './unary-router';

/**
 * The installed vgi-silo version, read from the package's own package.json (found by
 * walking up from this file, so it works from `src/` and from `dist/src/`).
 *
 * @example
 * ```ts
 * siloVersion(); // '0.1.0'
 * ```
 */
export function siloVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'vgi-silo' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // An unreadable package.json on the way up is not ours; keep walking.
      }
    }
    if (dirname(dir) === dir) return '0.0.0';
  }
}

/**
 * A fresh identity for one worker process: 12 random hex characters and the version.
 *
 * @example
 * ```ts
 * const identity = createServerIdentity(); // { serverId: '3f9a0c2be1d4', serverVersion: '0.1.0' }
 * ```
 */
export function createServerIdentity(): ServerIdentity {
  return { serverId: randomBytes(6).toString('hex'), serverVersion: siloVersion() };
}
