/**
 * Which workers a `silo run` or `silo list` talks to: worker processes it starts from an
 * `<entry>` (a file or a command), or HTTP workers already serving — the entry being an
 * `http(s)://` URL and/or repeated `--url URL` — with an optional bearer token from
 * `--auth-token` or `SILO_AUTH_TOKEN`.
 */
import { type HttpFleetOptions } from '../client';
import { CliError } from './cli.error';
import { resolveEntryCommand } from './entry-command';

/** The workers of a command. */
export type WorkerTarget =
  | { readonly kind: 'process'; readonly command: string[] }
  | { readonly kind: 'http'; readonly urls: string[]; readonly settings: HttpClientSettings };

/**
 * How to talk to HTTP workers, from `--auth-token` (or `SILO_AUTH_TOKEN`),
 * `--connect-timeout`, `--request-timeout` and `--gzip`: passed as is to `runFunction`
 * and `HttpConnection.open`.
 */
export type HttpClientSettings = Pick<
  HttpFleetOptions,
  'authToken' | 'connectTimeoutMs' | 'requestTimeoutMs' | 'compressRequests'
>;

/** How the workers were given on the command line. */
interface WorkerTargetOptions {
  /** `--url`, repeatable. */
  readonly url?: readonly string[];
  /** `--auth-token`. */
  readonly authToken?: string;
  /** `--connect-timeout SECONDS`. */
  readonly connectTimeout?: string;
  /** `--request-timeout SECONDS`. */
  readonly requestTimeout?: string;
  /** `--gzip`. */
  readonly gzip?: boolean;
}

/**
 * True when `entry` names an HTTP worker rather than a file or a command.
 */
function isWorkerUrl(entry: string): boolean {
  return /^https?:\/\//i.test(entry.trim());
}

/**
 * Resolves the workers: HTTP when the entry is a URL or `--url` is given (the entry's URL
 * first), else the entry's command. The token comes from `--auth-token`, else from
 * `SILO_AUTH_TOKEN`; it is refused with a process entry, which takes none.
 */
export function resolveWorkerTarget(
  entry: string | undefined,
  options: WorkerTargetOptions,
  env: NodeJS.ProcessEnv = process.env,
): WorkerTarget {
  const flagged = options.url ?? [];
  const entryIsUrl = entry !== undefined && isWorkerUrl(entry);
  if (entry !== undefined && !entryIsUrl && flagged.length > 0) {
    throw new CliError(
      `Both a worker entry ("${entry}") and --url are given. Give either the entry, to start worker processes, or HTTP worker URLs (as the entry or with --url), not both.`,
    );
  }
  if (entryIsUrl || flagged.length > 0) {
    const urls = [...(entryIsUrl ? [entry.trim()] : []), ...flagged];
    const fromEnv = env.SILO_AUTH_TOKEN?.trim();
    const settings: HttpClientSettings = {
      authToken: options.authToken ?? (fromEnv ? fromEnv : undefined),
      connectTimeoutMs: milliseconds('--connect-timeout', options.connectTimeout),
      requestTimeoutMs: milliseconds('--request-timeout', options.requestTimeout),
      compressRequests: options.gzip,
    };
    return { kind: 'http', urls, settings };
  }
  if (entry === undefined)
    throw new CliError(
      'No workers given. Name a worker entry (a .js or .ts file, or a command in quotes), or HTTP workers with a URL entry or --url URL.',
    );
  if (options.authToken !== undefined) {
    throw new CliError(
      `--auth-token is sent to HTTP workers, but "${entry}" starts worker processes, which take no token. Give the workers' URLs (as the entry or with --url), or drop --auth-token.`,
    );
  }
  const given = {
    '--connect-timeout': options.connectTimeout,
    '--request-timeout': options.requestTimeout,
    '--gzip': options.gzip,
  };
  const httpOnly = (Object.keys(given) as (keyof typeof given)[]).filter((flag) => given[flag] !== undefined);
  if (httpOnly.length > 0) {
    throw new CliError(
      `${httpOnly.join(' and ')} appl${httpOnly.length === 1 ? 'ies' : 'y'} to HTTP workers, but "${entry}" starts worker processes. Give the workers' URLs (as the entry or with --url), or drop ${httpOnly.join(' and ')}.`,
    );
  }
  return { kind: 'process', command: resolveEntryCommand(entry).command };
}

/** A timeout flag's seconds (fractions allowed) as milliseconds; `undefined` when not given. */
function milliseconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0) || !Number.isFinite(seconds))
    throw new CliError(`${flag} must be a number of seconds greater than 0 (e.g. 30 or 0.5), got "${text}".`);
  return Math.max(1, Math.round(seconds * 1000));
}
