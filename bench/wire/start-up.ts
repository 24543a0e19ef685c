/**
 * Worker start-up: from spawning one worker process to its answer to the first request
 * (`catalog_catalogs`), on an otherwise idle machine. Every query pays it several times
 * (each sink connection, each fresh finalize process), so it is reported on its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WorkerConnection } from '../../src/client';

/**
 * Milliseconds from spawn to the first response, for the worker `command`.
 *
 * @example
 * ```ts
 * const ms = await startUpMs([process.execPath, 'dist/samples/conformance/main.js'], process.env);
 * ```
 */
export async function startUpMs(
  command: readonly string[],
  env: (sqlitePath: string) => NodeJS.ProcessEnv,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'wire-start-'));
  try {
    const started = performance.now();
    const connection = WorkerConnection.spawn(command, { env: env(join(dir, 'run.db')) });
    try {
      await connection.call('catalog_catalogs', {});
      return performance.now() - started;
    } finally {
      await connection.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
