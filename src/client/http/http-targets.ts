/**
 * The HTTP workers of one run (vgi-wire §2.3, §5.1): one base URL, or a list of them that
 * every request — each sink init, each process call, the combine, each finalize `/init`
 * and `/exchange` turn, the destructor — is spread across in turn. HTTP workers keep no
 * per-query state in memory (shared storage and sealed stream tokens carry it), so any
 * request may go to any of them. The list, what is learnt about each worker, and the
 * keep-alive sockets under all connections live here; the connections themselves are
 * views on it (`http-connection.ts`), and `http-fleet.ts` hands them out for a run.
 */
import { Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import { RunConfigurationError } from '../client.error';
import { probeRequestLimit, requestLimitOf } from './http-request';
import { type WorkerRole } from '../connection/vgi-connection';
import { type ProtocolSource, type ReceivedLog } from '../connection/worker-connection';

/** Options of an {@link HttpFleet} (and of the worker list under it). */
export interface HttpFleetOptions {
  /**
   * The protocol version every connection of the fleet speaks (default vgi.v2), or a
   * function returning it once the run has asked the workers which one they speak.
   */
  readonly protocol?: ProtocolSource;
  /** Sent as `Authorization: Bearer <token>` on every request (workers with `SILO_AUTH_TOKENS`). */
  readonly authToken?: string;
  /** Every log batch, tagged with the role of the connection that carried it. */
  readonly onLog?: (log: ReceivedLog, role: WorkerRole) => void;
  /** Every request as it is sent, tagged with the role of the connection that sent it. */
  readonly onRequest?: (request: HttpRequestInfo, role: WorkerRole) => void;
  /** A request (the object `onRequest` got) whose worker refused the connection, so it never reached it. */
  readonly onRefused?: (request: HttpRequestInfo, role: WorkerRole) => void;
  /**
   * Give up on a connection not made within this many milliseconds, as if refused: the
   * request goes to the next worker of the list. Default 10 000 (a host that silently
   * drops packets would otherwise hold a request for minutes).
   */
  readonly connectTimeoutMs?: number;
  /** Abandon a request whose answer is not complete within this many milliseconds (SILO611). Default none. */
  readonly requestTimeoutMs?: number;
  /**
   * After a worker refused a connection, send it nothing for this many milliseconds
   * (doubling with each refusal in a row, up to 30 s); its turns go to the others. When
   * every worker is resting, the one whose rest ends first is tried anyway. Default 1 000;
   * 0 tries every worker in its turn.
   */
  readonly restAfterRefusalMs?: number;
  /**
   * Gzip request bodies of at least 16 KiB (level 1) when that makes them smaller: less
   * to send over a slow or metered link, at some CPU cost on both ends. Every Silo worker
   * decodes gzip (`VGI-Supported-Encodings`). Default false.
   */
  readonly compressRequests?: boolean;
  /**
   * Close a pooled connection once idle this many milliseconds. Keep it below the
   * keep-alive timeout of the workers (5 s) and of any proxy in front of them: a request
   * sent just as the far end closes an idle connection meets a reset, which only a
   * repeatable request survives. Default 4 000.
   */
  readonly idleSocketTimeoutMs?: number;
  /**
   * The keep-alive pools to use instead of the fleet's own, e.g. an `https.Agent` trusting
   * your CA (`new Agent({ keepAlive: true, ca })`). The fleet does not destroy them.
   */
  readonly httpAgent?: HttpAgent;
  /** The pool for `https:` URLs (see {@link httpAgent}). */
  readonly httpsAgent?: HttpsAgent;
  /** The clock the rests are measured on (milliseconds); default `Date.now`. For tests. */
  readonly now?: () => number;
}

/** One request as it was sent. */
export interface HttpRequestInfo {
  /** The worker base URL it went to. */
  readonly url: string;
  /** What it asked: a unary method's name, `init` (a stream's `/init`), `exchange` (a stream's next turn) or `cancel` (an `/exchange` cancelling the stream). */
  readonly call: string;
}

/** Default {@link HttpFleetOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Default {@link HttpFleetOptions.restAfterRefusalMs}. */
const DEFAULT_REST_MS = 1_000;
/** The longest rest after refusals in a row. */
const MAX_REST_MS = 30_000;

/**
 * Default {@link HttpFleetOptions.idleSocketTimeoutMs}: under the workers' keep-alive
 * timeout of 5 s. (An agent's socket timeout closes idle pooled sockets only; a request in
 * flight is not touched by it.)
 */
const IDLE_SOCKET_MS = 4_000;

/** Bodies smaller than this are sent as they are even with `compressRequests`: the saving would not pay for the work. */
const COMPRESS_FROM_BYTES = 16 * 1024;

const gzipAsync = promisify(gzip);

/**
 * Bodies up to this size are encoded on the spot (a 2048-row vector takes ~0.2 ms):
 * zlib's asynchronous API costs a thread-pool round trip per 16 KiB chunk, more than the
 * work itself. Larger ones go to the thread pool.
 */
const COMPRESS_INLINE_BYTES = 256 * 1024;

/** A request body as it goes on the wire. */
export interface WireBody {
  readonly bytes: Uint8Array;
  readonly gzipped: boolean;
}

/** A worker that refused connections: how many times in a row, and until when it is left alone. */
interface Rest {
  readonly refusals: number;
  readonly until: number;
}

/**
 * A list of HTTP worker URLs used round robin, with what is learnt about each (request
 * size limits, refusals) and the keep-alive pools under them: what every connection on the
 * list shares. {@link HttpFleet} adds the connections of a run.
 *
 * @example
 * ```ts
 * const targets = new HttpTargets(['http://10.0.0.7:8080/vgi', 'http://10.0.0.8:8080/vgi']);
 * targets.nextUrl(); // 'http://10.0.0.7:8080/vgi', then 'http://10.0.0.8:8080/vgi'
 * ```
 */
export class HttpTargets {
  /** The base URLs, normalized (no trailing slash), in the order requests go to them. */
  readonly urls: readonly string[];
  /** The bearer token sent with every request, if any. */
  readonly authToken: string | undefined;
  /** How long a connection may take before the worker counts as unreachable. */
  readonly connectTimeoutMs: number;
  /** How long an answer may take, if limited. */
  readonly requestTimeoutMs: number | undefined;
  private readonly restMs: number;
  private turn = 0;
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  /** Each worker's request size limit, as its answers advertise it. */
  private readonly requestLimits = new Map<string, number>();
  /** Workers that refused their last connection. */
  private readonly resting = new Map<string, Rest>();
  private readonly now: () => number;

  constructor(
    urls: readonly string[],
    protected readonly options: HttpFleetOptions = {},
  ) {
    if (urls.length === 0)
      throw new RunConfigurationError(
        'No HTTP worker URL was given. Give at least one base URL, as `silo serve <entry> --http PORT` prints it (e.g. http://127.0.0.1:8080/vgi).',
      );
    this.urls = urls.map(normalizeWorkerUrl);
    this.authToken = checkAuthToken(options.authToken);
    this.connectTimeoutMs = checkMilliseconds(
      'connectTimeoutMs',
      options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    this.requestTimeoutMs =
      options.requestTimeoutMs === undefined
        ? undefined
        : checkMilliseconds('requestTimeoutMs', options.requestTimeoutMs);
    this.restMs =
      options.restAfterRefusalMs === 0
        ? 0
        : checkMilliseconds('restAfterRefusalMs', options.restAfterRefusalMs ?? DEFAULT_REST_MS);
    this.now = options.now ?? Date.now;
    const idle = checkMilliseconds('idleSocketTimeoutMs', options.idleSocketTimeoutMs ?? IDLE_SOCKET_MS);
    this.httpAgent = options.httpAgent ?? new HttpAgent({ keepAlive: true, timeout: idle });
    this.httpsAgent = options.httpsAgent ?? new HttpsAgent({ keepAlive: true, timeout: idle });
  }

  /** Names the fleet in messages. */
  get label(): string {
    return this.urls.length === 1 ? `HTTP worker at ${this.urls[0]}` : `HTTP workers at ${this.urls.join(', ')}`;
  }

  /**
   * The URL the next request goes to: each in turn, passing over workers resting after a
   * refusal and those in `tried` (already tried for this request). When every untried
   * worker is resting, the one whose rest ends first; `null` once every worker was tried.
   *
   * @example
   * ```ts
   * fleet.nextUrl(); // 'http://10.0.0.7:8080/vgi', then 'http://10.0.0.8:8080/vgi', then the first again
   * ```
   */
  nextUrl(tried: ReadonlySet<string> = new Set()): string | null {
    const now = this.now();
    let soonest: { url: string; until: number } | null = null;
    for (let i = 0; i < this.urls.length; i++) {
      const url = this.urls[this.turn++ % this.urls.length];
      if (tried.has(url)) continue;
      const rest = this.resting.get(url);
      if (rest === undefined || rest.until <= now) return url;
      if (soonest === null || rest.until < soonest.until) soonest = { url, until: rest.until };
    }
    return soonest?.url ?? null;
  }

  /**
   * Records that the worker at `url` refused a connection: it rests (gets no requests) for
   * `restAfterRefusalMs`, doubled for each refusal in a row.
   *
   * @example
   * ```ts
   * fleet.noteRefused('http://10.0.0.7:8080/vgi'); // its turns go to the others for a second
   * ```
   */
  noteRefused(url: string): void {
    if (this.restMs === 0) return;
    const refusals = (this.resting.get(url)?.refusals ?? 0) + 1;
    this.resting.set(url, { refusals, until: this.now() + Math.min(this.restMs * 2 ** (refusals - 1), MAX_REST_MS) });
  }

  /**
   * A request body as it is sent: gzip-encoded when `compressRequests` is on, the body is
   * large enough and the encoding makes it smaller; else as it is.
   *
   * @example
   * ```ts
   * const { bytes, gzipped } = await fleet.encodeBody(encodeRequest('bind', bindCall));
   * ```
   */
  async encodeBody(body: Uint8Array): Promise<WireBody> {
    if (this.options.compressRequests !== true || body.byteLength < COMPRESS_FROM_BYTES)
      return { bytes: body, gzipped: false };
    const packed =
      body.byteLength <= COMPRESS_INLINE_BYTES ? gzipSync(body, { level: 1 }) : await gzipAsync(body, { level: 1 });
    return packed.byteLength < body.byteLength ? { bytes: packed, gzipped: true } : { bytes: body, gzipped: false };
  }

  /**
   * The keep-alive pool for a URL.
   *
   * @example
   * ```ts
   * const agent = fleet.agentFor(fleet.nextUrl());
   * ```
   */
  agentFor(url: string): HttpAgent | HttpsAgent {
    return url.startsWith('https:') ? this.httpsAgent : this.httpAgent;
  }

  /**
   * The largest request body the worker at `url` accepts, once one of its answers said so.
   *
   * @example
   * ```ts
   * if (body.length > (fleet.requestLimit(url) ?? Infinity)) throw new Error('too large');
   * ```
   */
  requestLimit(url: string): number | undefined {
    return this.requestLimits.get(url);
  }

  /**
   * Remembers what an answer of the worker at `url` says about it (its request size
   * limit), and that it is serving again if it was resting after a refusal.
   *
   * @example
   * ```ts
   * fleet.noteAnswer(url, answer.headers);
   * ```
   */
  noteAnswer(url: string, headers: IncomingHttpHeaders): void {
    this.resting.delete(url);
    const limit = requestLimitOf(headers);
    if (limit !== null) this.requestLimits.set(url, limit);
  }

  /**
   * Asks the worker at `url` for its request size limit (`HEAD /health`) and remembers it.
   *
   * @example
   * ```ts
   * const limit = await fleet.learnRequestLimit(url);
   * ```
   */
  async learnRequestLimit(url: string): Promise<number | undefined> {
    const limit = await probeRequestLimit(url, this.agentFor(url));
    if (limit !== null) this.requestLimits.set(url, limit);
    return this.requestLimits.get(url);
  }

  /**
   * Closes the pooled sockets (pools passed in as options are left to their owner).
   *
   * @example
   * ```ts
   * targets.closeAgents();
   * ```
   */
  closeAgents(): void {
    if (this.options.httpAgent === undefined) this.httpAgent.destroy();
    if (this.options.httpsAgent === undefined) this.httpsAgent.destroy();
  }
}

/**
 * Checks a worker base URL and writes it without a trailing slash.
 *
 * @example
 * ```ts
 * normalizeWorkerUrl('http://127.0.0.1:8080/vgi/'); // 'http://127.0.0.1:8080/vgi'
 * normalizeWorkerUrl('127.0.0.1:8080');             // throws RunConfigurationError: no http:// in front
 * ```
 */
export function normalizeWorkerUrl(text: string): string {
  const how =
    'Give the base URL the worker printed when it started (`silo serve <entry> --http PORT` prints HTTP:<url>), e.g. http://127.0.0.1:8080/vgi.';
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim()))
    throw new RunConfigurationError(
      `"${text}" is not an HTTP worker URL: it does not start with http:// or https://. ${how}`,
    );
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch (error) {
    throw new RunConfigurationError(`"${text}" is not a valid URL (${(error as Error).message}). ${how}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new RunConfigurationError(
      `"${text}" is not an HTTP worker URL: its scheme is ${url.protocol.replace(/:$/, '')}, not http or https. ${how}`,
    );
  if (url.username !== '' || url.password !== '')
    throw new RunConfigurationError(
      `"${url.host}" is given with credentials in the URL; workers authenticate with a bearer token instead: pass it as authToken (silo run --auth-token TOKEN).`,
    );
  if (url.search !== '' || url.hash !== '')
    throw new RunConfigurationError(
      `"${text}" has a query or fragment; a worker base URL is scheme, host, port and mount prefix only. ${how}`,
    );
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function checkMilliseconds(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RunConfigurationError(`${name} must be a positive number of milliseconds, got ${value}.`);
  return value;
}

function checkAuthToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.trim() === '' || /\s/.test(token)) {
    throw new RunConfigurationError(
      "The bearer token is empty or contains whitespace; a token is one word, as listed in the workers' SILO_AUTH_TOKENS (comma-separated there).",
    );
  }
  return token;
}
