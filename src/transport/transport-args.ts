/**
 * The worker's command line (vgi-wire §2.1–§2.3): no arguments (or `--stdio`) serves
 * stdin/stdout, as DuckDB spawns a worker; `--unix PATH [--idle-timeout SECONDS]` serves
 * a unix socket, as DuckDB's `launch:` locations start one; `--http PORT [--host ADDR]
 * [--prefix PATH]` serves HTTP, for fleets behind one URL.
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
    }
  | {
      readonly kind: 'http';
      /** The TCP port; 0 picks a free one (announced on stdout). */
      readonly port: number;
      /** The address to bind; default `127.0.0.1`. */
      readonly host: string;
      /** The mount prefix, `/vgi` by default; `''` mounts at the origin root. */
      readonly prefix: string;
    };

/** The address an HTTP worker binds when `--host` is not given: this host only. */
export const DEFAULT_HTTP_HOST = '127.0.0.1';

/** The mount prefix when `--prefix` is not given (the reference SDK's default). */
export const DEFAULT_HTTP_PREFIX = '/vgi';

/** How to call a worker, shown with every argument error. */
export const TRANSPORT_USAGE = [
  'Usage: <worker> [--stdio]                                 serve one client on stdin/stdout (how DuckDB spawns a worker)',
  '       <worker> --unix PATH [--idle-timeout SECONDS]      serve clients on a unix socket; exit after SECONDS without clients',
  '       <worker> --http PORT [--host ADDR] [--prefix PATH] serve HTTP on ADDR:PORT (default 127.0.0.1, prefix /vgi; PORT 0 picks one)',
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

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) {
    throw new TransportArgumentError(`--http needs a TCP port from 0 to 65535 (0 picks a free one), got "${text}".`);
  }
  return port;
}

/** `/vgi`, `vgi/` and `/vgi/` all mean `/vgi`; `/` means the origin root (`''`). */
function parsePrefix(text: string): string {
  const trimmed = text.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  const prefix = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(prefix)) {
    throw new TransportArgumentError(
      `--prefix must be a URL path such as /vgi (letters, digits, ".", "_", "~", "-" between slashes), got "${text}".`,
    );
  }
  return prefix;
}

/** Flags seen on the command line, before they are checked against each other. */
interface SeenFlags {
  stdio: boolean;
  path?: string;
  idle?: number;
  port?: number;
  host?: string;
  prefix?: string;
}

function once<K extends keyof SeenFlags>(seen: SeenFlags, key: K, flag: string): void {
  if (seen[key] !== undefined) throw new TransportArgumentError(`${flag} is given twice; give it once.`);
}

function readFlags(argv: readonly string[]): SeenFlags {
  const seen: SeenFlags = { stdio: false };
  for (let i = 0; i < argv.length;) {
    const arg = argv[i];
    const flag = arg.split('=', 1)[0];
    if (arg === '--stdio') {
      seen.stdio = true;
      i += 1;
      continue;
    }
    if (!['--unix', '--idle-timeout', '--http', '--host', '--prefix'].includes(flag)) {
      throw new TransportArgumentError(
        arg.startsWith('-')
          ? `Unknown option "${arg}".`
          : `Unexpected argument "${arg}": the worker takes options only.`,
      );
    }
    const { value, next } = takeValue(argv, i, flag);
    i = next;
    if (flag === '--unix') {
      if (seen.path !== undefined) throw new TransportArgumentError('--unix is given twice; give one socket path.');
      if (value === '') throw new TransportArgumentError('--unix needs a socket path, got an empty one.');
      seen.path = value;
    } else if (flag === '--idle-timeout') {
      seen.idle = parseSeconds(value);
    } else if (flag === '--http') {
      once(seen, 'port', '--http');
      seen.port = parsePort(value);
    } else if (flag === '--host') {
      once(seen, 'host', '--host');
      if (value.trim() === '')
        throw new TransportArgumentError('--host needs an address such as 127.0.0.1 or 0.0.0.0, got an empty one.');
      seen.host = value.trim();
    } else {
      once(seen, 'prefix', '--prefix');
      seen.prefix = parsePrefix(value);
    }
  }
  return seen;
}

/**
 * Reads the transport from the worker's arguments (`process.argv.slice(2)`).
 *
 * @example
 * ```ts
 * parseTransportArgs([]);                                            // { kind: 'stdio' }
 * parseTransportArgs(['--unix', '/tmp/w.sock', '--idle-timeout', '5']); // { kind: 'unix', path: '/tmp/w.sock', idleTimeoutSeconds: 5 }
 * parseTransportArgs(['--http', '0']);                                // { kind: 'http', port: 0, host: '127.0.0.1', prefix: '/vgi' }
 * ```
 */
export function parseTransportArgs(argv: readonly string[]): TransportOptions {
  const seen = readFlags(argv);
  const httpOnly = seen.host !== undefined ? '--host' : seen.prefix !== undefined ? '--prefix' : undefined;
  if (seen.port !== undefined) {
    if (seen.stdio || seen.path !== undefined)
      throw new TransportArgumentError(
        `--http and ${seen.stdio ? '--stdio' : '--unix'} exclude each other; choose one transport.`,
      );
    if (seen.idle !== undefined)
      throw new TransportArgumentError(
        '--idle-timeout only applies to --unix: an HTTP worker serves until it is stopped (SIGTERM).',
      );
    return {
      kind: 'http',
      port: seen.port,
      host: seen.host ?? DEFAULT_HTTP_HOST,
      prefix: seen.prefix ?? DEFAULT_HTTP_PREFIX,
    };
  }
  if (httpOnly !== undefined) throw new TransportArgumentError(`${httpOnly} only applies to --http; add --http PORT.`);
  if (seen.stdio && seen.path !== undefined)
    throw new TransportArgumentError('--stdio and --unix exclude each other; choose one transport.');
  if (seen.path === undefined) {
    if (seen.idle !== undefined)
      throw new TransportArgumentError(
        '--idle-timeout only applies to --unix: a stdio worker ends when its stdin closes.',
      );
    return { kind: 'stdio' };
  }
  return {
    kind: 'unix',
    path: seen.path,
    idleTimeoutSeconds: seen.idle === undefined || seen.idle === 0 ? null : seen.idle,
  };
}
