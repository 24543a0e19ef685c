/**
 * One base class for every error Silo raises, with a stable code.
 *
 * Code ranges: `SILO1xx` definition and registration, `SILO2xx` resolution and testing,
 * `SILO3xx` environment, `SILO4xx` wire and protocol, `SILO5xx` execution (a function's
 * own code, its arguments, its output), `SILO6xx` client and CLI. Every code is a row of
 * `ERROR_CODES` (error-codes.ts), with its title and what to do.
 */
import type { SiloErrorCode } from './error-codes';

const BRAND = Symbol.for('vgi-silo.error');

/**
 * The base error. `code` is stable across releases; match on it, not on the wording.
 *
 * @example
 * ```ts
 * try { await bootstrapWorker({ catalog: 'example', modules: [AppModule] }); }
 * catch (e) { if (isSiloError(e) && e.code === 'SILO100') console.error(e.message); }
 * ```
 */
export class SiloError extends Error {
  /** Lets {@link isSiloError} recognise errors from another copy of this package. */
  readonly [BRAND] = true;

  constructor(
    /** A stable code such as `SILO104`: a row of `ERROR_CODES`. */
    readonly code: SiloErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`[${code}] ${message}`, options);
    this.name = new.target.name;
  }
}

/**
 * True for any Silo error, including one thrown by a second copy of the package.
 *
 * @example
 * ```ts
 * if (isSiloError(err)) log.error(err.code, err.message);
 * ```
 */
export function isSiloError(value: unknown): value is SiloError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** One broken rule found while checking a definition: subject → rule → fix. */
export interface DefinitionProblem {
  /** Stable code of the rule, e.g. `SILO103`. */
  readonly code: SiloErrorCode;
  /** What is wrong, e.g. `TopK#process` or `TopKArgs.k`. */
  readonly subject: string;
  /** The rule that is broken. */
  readonly rule: string;
  /** What to change. */
  readonly fix: string;
}

/**
 * Every problem found while registering modules, reported together so one edit cycle
 * fixes them all.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof DefinitionError) for (const p of e.problems) console.error(p.code, p.subject); }
 * ```
 */
export class DefinitionError extends SiloError {
  constructor(readonly problems: readonly DefinitionProblem[]) {
    super('SILO100', DefinitionError.format(problems));
  }

  private static format(problems: readonly DefinitionProblem[]): string {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((p) => `  - [${p.code}] ${p.subject}: ${p.rule} ${p.fix}`);
    return [`Registration failed with ${count}:`, ...lines].join('\n');
  }
}

/**
 * An exception thrown by a function's own code (a hook, a provider it called),
 * carried with its original type name, message and stack so the worker can report
 * it to DuckDB as `<type>: <message>`.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof UserCodeError) console.error(e.exceptionType, e.exceptionMessage); }
 * ```
 */
export class UserCodeError extends SiloError {
  constructor(
    /** Which hook threw, e.g. `TopK#process`. */
    readonly hook: string,
    /** The thrown error's type name (`RangeError`, `ValueError`, ...). */
    readonly exceptionType: string,
    /** The thrown error's own message, unchanged. */
    readonly exceptionMessage: string,
    /** The thrown error's stack, or an empty string. */
    readonly traceback: string,
    cause: unknown,
  ) {
    super('SILO501', `${hook} threw ${exceptionType}: ${exceptionMessage}`, { cause });
  }

  /** Wraps anything a hook threw. A Silo error passes through unchanged. */
  static wrap(hook: string, thrown: unknown): Error {
    if (isSiloError(thrown)) return thrown;
    // Checked by shape, not instanceof: errors from another realm (vm contexts, jest's
    // sandbox, a worker's AbortError) are not instances of this realm's Error.
    const e = thrown as { name?: unknown; message?: unknown; stack?: unknown } | null;
    if (typeof e === 'object' && e !== null && typeof e.message === 'string') {
      const name = typeof e.name === 'string' && e.name ? e.name : 'Error';
      return new UserCodeError(hook, name, e.message, typeof e.stack === 'string' ? e.stack : '', thrown);
    }
    return new UserCodeError(hook, 'Error', String(thrown), '', thrown);
  }
}
