/**
 * The V8 flags a worker process sets on itself when it starts serving. Command-line V8
 * flags cannot be used with a start-up snapshot (Node refuses a snapshot built with other
 * flags), so a worker applies them at run time instead, from `SILO_V8_FLAGS` or, when that
 * is unset, Silo's default for its transport.
 *
 * The default, on stdio only: functions are optimized after four times V8's usual interrupt
 * budget until the process has used one second of CPU, then V8's own budget is back. A
 * stdio worker often lives for one query (the 1.0 extension starts a fresh sink process per
 * query and DuckDB thread): a few hundred calls, in which V8's optimizing compiler spends
 * more CPU compiling the framework's warm-but-not-hot code than the optimized code saves.
 * Hot loops (a sort, an aggregation kernel) still get optimized. A pooled worker that
 * serves on past the first second tiers up as V8 would. Measured on V8 11.3 (Node 20), so
 * it applies there only; unix-socket and HTTP workers stay up and keep V8's defaults
 * (`bench/RESULTS.md`, "Eighth pass").
 */
import { setFlagsFromString } from 'node:v8';
import { SiloError } from '../errors';
import { cpuNowUs } from '../server/cpu-stats';
import type { TransportOptions } from './transport-args';

/** What a worker sets on its V8: flags now, and optionally others once it has used some CPU. */
export interface V8FlagPlan {
  /** Set when the worker starts serving. */
  readonly flags: readonly string[];
  /** Set once the process has used `afterCpuMs` of CPU time since it started serving. */
  readonly later?: { readonly afterCpuMs: number; readonly flags: readonly string[] };
}

/**
 * Silo's plan for a stdio worker on V8 11.3: 4 × V8's interrupt budget of 67,584 for the
 * first second of CPU, then V8's budget again.
 */
export const STDIO_V8_PLAN: V8FlagPlan = {
  flags: ['--interrupt-budget=270336'],
  later: { afterCpuMs: 1000, flags: ['--interrupt-budget=67584'] },
};

/** One V8 flag: `--name`, `--no-name` or `--name=value`. */
const FLAG = /^--[a-z][a-z0-9_-]*(=\S+)?$/i;

/**
 * The V8 flags measured to work when set at run time (tiering: V8 reads them as it decides
 * what to optimize). Others may not: `--single-threaded-gc` set this way hung a worker a
 * few hundred calls later.
 */
export const RUN_TIME_V8_FLAGS: readonly string[] = ['interrupt-budget', 'max-opt'];

/**
 * The flags of `flags` that are not among {@link RUN_TIME_V8_FLAGS} (by name, with or
 * without `no-`): a worker warns about each before it sets them.
 */
export function untestedV8Flags(flags: readonly string[]): string[] {
  return flags.filter((flag) => {
    const name = flag.slice(2).split('=')[0].replace(/^no-/, '').replace(/_/g, '-');
    return !RUN_TIME_V8_FLAGS.includes(name);
  });
}

/** How often a plan with a `later` step looks at the process's CPU time. */
const CPU_CHECK_MS = 1000;

/**
 * The V8 flags a worker serving on `transport` sets on itself: `SILO_V8_FLAGS` (flags
 * separated by spaces, kept for the process's life; empty for none) when set, else
 * {@link STDIO_V8_PLAN} for a stdio worker on V8 11.3 and nothing otherwise. A value that
 * is not a list of flags is refused (SILO344) before anything is set.
 *
 * @example
 * ```ts
 * workerV8Flags('stdio', { SILO_V8_FLAGS: '--max-opt=1' }); // { flags: ['--max-opt=1'] }
 * workerV8Flags('unix', {}); // { flags: [] }
 * ```
 */
export function workerV8Flags(
  transport: TransportOptions['kind'],
  env: NodeJS.ProcessEnv,
  v8Version: string = process.versions.v8,
): V8FlagPlan {
  const raw = env.SILO_V8_FLAGS;
  if (raw === undefined) return transport === 'stdio' && v8Version.startsWith('11.3.') ? STDIO_V8_PLAN : { flags: [] };
  const flags = raw.split(/\s+/).filter(Boolean);
  const bad = flags.filter((flag) => !FLAG.test(flag));
  if (bad.length > 0) {
    throw new SiloError(
      'SILO344',
      `SILO_V8_FLAGS must be V8 flags separated by spaces, each written --name, --no-name or --name=value (node --v8-options lists them); ${bad.map((f) => `"${f}"`).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not. ` +
        `Set it empty for V8's defaults, or unset it for Silo's (${STDIO_V8_PLAN.flags.join(' ')} on stdio workers for their first second of CPU, nothing on unix-socket and HTTP workers).`,
    );
  }
  return { flags };
}

/**
 * Sets `plan.flags` on this process's V8 now, and `plan.later.flags` once the process has
 * used that much more CPU (checked every second on an unref'd timer, so it never keeps the
 * process up). Only flags V8 reads while running take effect this way (tiering:
 * `--interrupt-budget`, `--max-opt`); V8 names a flag it does not know on stderr.
 * `onSet` hears each set of flags as it is set. Returns a function that cancels the later step.
 */
export function applyV8Flags(
  plan: V8FlagPlan,
  onSet: (flags: readonly string[]) => void = () => undefined,
): () => void {
  const set = (flags: readonly string[]): void => {
    if (flags.length === 0) return;
    setFlagsFromString(flags.join(' '));
    onSet(flags);
  };
  set(plan.flags);
  const later = plan.later;
  if (later === undefined) return () => undefined;
  const start = cpuNowUs();
  const timer = setInterval(() => {
    if (cpuNowUs() - start < later.afterCpuMs * 1000) return;
    clearInterval(timer);
    set(later.flags);
  }, CPU_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
