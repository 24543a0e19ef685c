/**
 * The worker's command line (vgi-wire §2.1, §2.2): no arguments (or `--stdio`) serves
 * stdin/stdout, as DuckDB spawns a worker; `--unix PATH [--idle-timeout SECONDS]` serves
 * a unix socket, as DuckDB's `launch:` locations start one.
 */
import { SiloError } from '../errors';

/** The transport a worker serves. */
export type TransportOptions =
  | { readonly kind: 'stdio' }
  | {
      readonly kind: 'unix';
      /** The socket path as given (made absolute when the socket is bound). */
      readonly path: string;
      /** Exit after this many seconds without a connected client; `null` or 0 = never. */
      readonly idleTimeoutSeconds: number | null;
    };

/** How to call a worker, shown with every argument error. */
export const TRANSPORT_USAGE = [
  'Usage: <worker> [--stdio]                                 serve one client on stdin/stdout (how DuckDB spawns a worker)',
  '       <worker> --unix PATH [--idle-timeout SECONDS]      serve clients on a unix socket; exit after SECONDS without clients',
].join('\n');

/**
 * The worker's command line could not be understood.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof TransportArgumentError) { console.error(e.message); process.exit(2); } }
 * ```
 */
export class TransportArgumentError extends SiloError {
  constructor(problem: string) {
    super('SILO425', `${problem}\n${TRANSPORT_USAGE}`);
  }
}

/** Splits `--flag=value` and `--flag value`; the value of the latter is consumed. */
function takeValue(argv: readonly string[], i: number, flag: string): { value: string; next: number } {
  const arg = argv[i];
  if (arg.startsWith(`${flag}=`)) return { value: arg.slice(flag.length + 1), next: i + 1 };
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new TransportArgumentError(`${flag} needs a value.`);
  return { value, next: i + 2 };
}

function parseSeconds(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new TransportArgumentError(`--idle-timeout must be a number of seconds (0 or more), got "${text}".`);
  }
  return seconds;
}

/**
 * Reads the transport from the worker's arguments (`process.argv.slice(2)`).
 *
 * @example
 * ```ts
 * parseTransportArgs([]);                                            // { kind: 'stdio' }
 * parseTransportArgs(['--unix', '/tmp/w.sock', '--idle-timeout', '5']); // { kind: 'unix', path: '/tmp/w.sock', idleTimeoutSeconds: 5 }
 * ```
 */
export function parseTransportArgs(argv: readonly string[]): TransportOptions {
  let stdio = false;
  let path: string | undefined;
  let idle: number | undefined;
  for (let i = 0; i < argv.length; ) {
    const arg = argv[i];
    const flag = arg.split('=', 1)[0];
    if (arg === '--stdio') {
      stdio = true;
      i += 1;
    } else if (flag === '--unix') {
      if (path !== undefined) throw new TransportArgumentError('--unix is given twice; give one socket path.');
      const { value, next } = takeValue(argv, i, '--unix');
      if (value === '') throw new TransportArgumentError('--unix needs a socket path, got an empty one.');
      path = value;
      i = next;
    } else if (flag === '--idle-timeout') {
      const { value, next } = takeValue(argv, i, '--idle-timeout');
      idle = parseSeconds(value);
      i = next;
    } else {
      throw new TransportArgumentError(
        arg.startsWith('-') ? `Unknown option "${arg}".` : `Unexpected argument "${arg}": the worker takes options only.`,
      );
    }
  }
  if (stdio && path !== undefined) throw new TransportArgumentError('--stdio and --unix exclude each other; choose one transport.');
  if (path === undefined) {
    if (idle !== undefined) throw new TransportArgumentError('--idle-timeout only applies to --unix: a stdio worker ends when its stdin closes.');
    return { kind: 'stdio' };
  }
  return { kind: 'unix', path, idleTimeoutSeconds: idle === undefined || idle === 0 ? null : idle };
}
