/**
 * The V8 flags a worker process sets on itself when it starts serving. Command-line V8
 * flags cannot be used with a start-up snapshot (Node refuses a snapshot built with other
 * flags), so a worker applies them at run time instead, from `SILO_V8_FLAGS` or, when that
 * is unset, Silo's default for its transport.
 *
 * The default, on stdio only: functions are optimized after four times V8's usual interrupt
 * budget. A stdio worker lives for one query (the 1.0 extension starts a fresh sink process
 * per query and DuckDB thread) or a few pooled ones: a few hundred calls, in which V8's
 * optimizing compiler spends more CPU compiling the framework's warm-but-not-hot code than
 * the optimized code saves. Hot loops (a sort, an aggregation kernel) still get optimized.
 * Measured on V8 11.3 (Node 20), so it applies there only; unix-socket and HTTP workers
 * stay up and keep V8's defaults (`bench/RESULTS.md`, "Eighth pass").
 */
import { setFlagsFromString } from 'node:v8';
import { SiloError } from '../errors';
import type { TransportOptions } from './transport-args';

/** Silo's V8 flags for a stdio worker on V8 11 (4 × V8's default interrupt budget of 67,584). */
export const STDIO_V8_FLAGS: readonly string[] = ['--interrupt-budget=270336'];

/** One V8 flag: `--name`, `--no-name` or `--name=value`. */
const FLAG = /^--[a-z][a-z0-9_-]*(=\S+)?$/i;

/**
 * The V8 flags a worker serving on `transport` sets on itself: `SILO_V8_FLAGS` (flags
 * separated by spaces; empty for none) when set, else {@link STDIO_V8_FLAGS} for a stdio
 * worker on V8 11 and none otherwise. A value that is not a list of flags is refused
 * (SILO344) before anything is set.
 *
 * @example
 * ```ts
 * workerV8Flags('stdio', { SILO_V8_FLAGS: '--max-opt=1' }); // ['--max-opt=1']
 * workerV8Flags('unix', {}); // []
 * ```
 */
export function workerV8Flags(
  transport: TransportOptions['kind'],
  env: NodeJS.ProcessEnv,
  v8Version: string = process.versions.v8,
): readonly string[] {
  const raw = env.SILO_V8_FLAGS;
  if (raw === undefined) return transport === 'stdio' && v8Version.split('.')[0] === '11' ? STDIO_V8_FLAGS : [];
  const flags = raw.split(/\s+/).filter(Boolean);
  const bad = flags.filter((flag) => !FLAG.test(flag));
  if (bad.length > 0) {
    throw new SiloError(
      'SILO344',
      `SILO_V8_FLAGS must be V8 flags separated by spaces, each written --name, --no-name or --name=value (node --v8-options lists them); ${bad.map((f) => `"${f}"`).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not. ` +
        `Set it empty for V8's defaults, or unset it for Silo's (${STDIO_V8_FLAGS.join(' ')} on stdio workers, none on unix-socket and HTTP workers).`,
    );
  }
  return flags;
}

/**
 * Sets `flags` on this process's V8. Only flags V8 reads while running take effect this way
 * (tiering: `--interrupt-budget`, `--max-opt`); V8 names a flag it does not know on stderr.
 */
export function applyV8Flags(flags: readonly string[]): void {
  if (flags.length > 0) setFlagsFromString(flags.join(' '));
}
