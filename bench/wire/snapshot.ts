/**
 * Start-up snapshots of worker entries for the benchmarks, built as a user builds them
 * (`silo snapshot ENTRY --out BLOB`, which needs esbuild), and started as
 * `node --snapshot-blob BLOB`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The `node` arguments that start `entry` from its snapshot in `dir` (built on the first
 * call for that entry). Throws with `silo snapshot`'s own message when it cannot build one.
 *
 * @example
 * ```ts
 * const args = snapshotArgs(repoRoot, join(repoRoot, 'dist/bench/functions/main.js'), scratchDir);
 * spawn(process.execPath, args);
 * ```
 */
export function snapshotArgs(repoRoot: string, entry: string, dir: string): string[] {
  const blob = join(dir, `${basename(dirname(entry))}-${basename(entry, '.js')}.blob`);
  if (!existsSync(blob)) {
    const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
    const built = spawnSync(process.execPath, [cli, 'snapshot', entry, '--out', blob], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`silo snapshot ${entry} failed: ${(built.stderr || built.stdout).trim()}`);
  }
  return ['--snapshot-blob', blob];
}
