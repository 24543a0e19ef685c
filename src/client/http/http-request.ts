/**
 * One vgi.v2 request over HTTP (vgi-wire §2.3): a POST of one Arrow body on a keep-alive
 * connection, the whole answer read back, and every way it can go wrong turned into an
 * error that names the worker URL and what to check — a refused or dropped connection,
 * a status that is not 200 (401, 413, a proxy's 502), a body that is not Arrow. A vgi.v2
 * error body (`X-VGI-RPC-Error`, or an Arrow error stream under 400/404) is left to the
 * caller, which raises its error batch as the protocol's `RemoteError`.
 */
import {
  type Agent as HttpAgent,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
} from 'node:http';
import { type Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type Socket } from 'node:net';
import { type RecordBatch, type Schema } from 'apache-arrow';
import { decodeFrames, IpcFramingError, MessageFramer } from '../../arrow';
import { SiloError } from '../../errors/silo.error';
import * as messages from '../../errors/messages';
import { WorkerHttpError, WorkerProtocolViolation, WorkerTimeoutError, WorkerUnreachableError } from '../client.error';

/** The media type of every vgi.v2 request and response body. */
const ARROW_MEDIA_TYPE = 'application/vnd.apache.arrow.stream';

/** Longest excerpt of a refusal's body quoted in an error. */
const BODY_EXCERPT_CHARS = 500;

/** Attempts of a request whose pooled keep-alive connection turned out to be closed by the worker. */
const STALE_SOCKET_ATTEMPTS = 3;

/** Where a request goes and what it carries, for the request itself and for its errors. */
export interface HttpTarget {
  /** The worker's base URL (`http://host:port/vgi`). */
  readonly baseUrl: string;
  /** The path below it, e.g. `vgi.v2/init/exchange`. */
  readonly path: string;
  /** The call, for messages: `bind`, `init (TABLE_BUFFERING)`, ... */
  readonly during: string;
}

/** How to send a request. */
interface PostOptions {
  readonly agent: HttpAgent | HttpsAgent;
  /** `Authorization: Bearer <token>` when set. */
  readonly authToken?: string;
  /** Aborting it abandons the request at once. */
  readonly signal?: AbortSignal;
  /**
   * True when sending the request twice is harmless. Such a request is sent again when the
   * pooled connection it went out on had been closed by the worker (a keep-alive timeout
   * racing the request); a `table_buffering_process` call, which appends data, never is.
   */
  readonly repeatable: boolean;
  /**
   * A connection not made within this many milliseconds is given up as unreachable
   * (`WorkerUnreachableError`, stage `connect`: the request never left). Default none.
   */
  readonly connectTimeoutMs?: number;
  /**
   * An answer not complete this many milliseconds after the request started is abandoned
   * (`WorkerTimeoutError`). Default none: a function may legitimately run long.
   */
  readonly requestTimeoutMs?: number;
  /** The body is gzip-encoded: sent with `Content-Encoding: gzip`. */
  readonly gzipped?: boolean;
}

/** A complete HTTP answer. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The full request URL. */
  readonly url: string;
}

/** A decoded IPC stream of a response body. */
export interface AnswerStream {
  readonly schema: Schema;
  readonly batches: RecordBatch[];
}

/**
 * POSTs `body` to `target` and reads the whole answer, whatever its status. Rejects with
 * `WorkerUnreachableError` when no complete answer arrives.
 */
export async function postArrow(target: HttpTarget, body: Uint8Array, options: PostOptions): Promise<HttpAnswer> {
  const url = `${target.baseUrl}/${target.path}`;
  let first: WorkerUnreachableError | null = null;
  for (let attempt = 1; ; attempt++) {
    try {
      return await postOnce(url, target, body, options);
    } catch (error) {
      if (!(error instanceof StaleSocket)) {
        // A repeat that cannot even connect means the worker went away: the original drop says more.
        throw first !== null && error instanceof WorkerUnreachableError && error.stage === 'connect' ? first : error;
      }
      first ??= error.failure;
      if (!options.repeatable || attempt >= STALE_SOCKET_ATTEMPTS) throw first;
    }
  }
}

/** A request that failed on a pooled connection the worker had already closed. */
class StaleSocket extends Error {
  constructor(readonly failure: WorkerUnreachableError) {
    super(failure.message);
  }
}

function postOnce(url: string, target: HttpTarget, body: Uint8Array, options: PostOptions): Promise<HttpAnswer> {
  const parsed = new URL(url);
  const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = {
    'Content-Type': ARROW_MEDIA_TYPE,
    'Content-Length': String(body.byteLength),
    Accept: ARROW_MEDIA_TYPE,
  };
  if (options.gzipped === true) headers['Content-Encoding'] = 'gzip';
  if (options.authToken !== undefined) headers.Authorization = `Bearer ${options.authToken}`;
  const described = `POST ${url}`;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let connected = false;
    let answered = false;
    let settled = false;
    /** Set when a timer gave up: the error every later event of the request reports. */
    let gaveUp: Error | null = null;
    const timers: NodeJS.Timeout[] = [];
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      outcome();
    };
    const failed = (error: Error & { code?: string }): void => {
      settle(() => {
        if (gaveUp !== null) return reject(gaveUp);
        if (options.signal?.aborted || error.name === 'AbortError') {
          return reject(
            new SiloError(
              'SILO614',
              messages.requestAbandoned(described, String(options.signal?.reason ?? 'the request was aborted')),
              { cause: error },
            ),
          );
        }
        const detail =
          error.code !== undefined && !error.message.includes(error.code)
            ? `${error.code}: ${error.message}`
            : error.message;
        const failure = new WorkerUnreachableError(
          target.baseUrl,
          described,
          target.during,
          connected ? 'response' : 'connect',
          detail,
          { cause: error },
        );
        // Node's advice for keep-alive pools: a request on a reused socket may meet a close the worker sent just before.
        reject(
          req.reusedSocket && !answered && ['ECONNRESET', 'EPIPE'].includes(error.code ?? '')
            ? new StaleSocket(failure)
            : failure,
        );
      });
    };
    const unreachable = (detail: string): WorkerUnreachableError =>
      new WorkerUnreachableError(target.baseUrl, described, target.during, 'connect', detail);
    const giveUp = (error: Error): void => {
      if (settled) return;
      gaveUp = error;
      req.destroy(error);
      failed(error);
    };
    const req: ClientRequest = send(
      parsed,
      { method: 'POST', agent: options.agent, headers, signal: options.signal },
      (res: IncomingMessage) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', failed);
        res.on('end', () =>
          settle(() =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url }),
          ),
        );
        res.on('close', () => {
          if (!res.complete)
            failed(
              Object.assign(
                new Error(
                  `the answer (HTTP ${res.statusCode ?? '?'}) was cut off after ${chunks.reduce((n, c) => n + c.length, 0)} body bytes`,
                ),
                { code: 'ECONNRESET' },
              ),
            );
        });
      },
    );
    req.on('socket', (socket: Socket) => {
      const event = 'encrypted' in socket ? 'secureConnect' : 'connect';
      if (req.reusedSocket || !(socket.connecting || event === 'secureConnect')) {
        connected = true;
        return;
      }
      const timeout = options.connectTimeoutMs;
      if (timeout !== undefined) {
        // Still unconnected: nothing was sent, so this is a refusal like any other (and may fail over).
        const timer = setTimeout(() => {
          if (!connected) giveUp(unreachable(`ETIMEDOUT: no connection within ${timeout} ms`));
        }, timeout);
        timers.push(timer);
      }
      socket.once(event, () => (connected = true));
    });
    if (options.requestTimeoutMs !== undefined) {
      const timeout = options.requestTimeoutMs;
      timers.push(
        setTimeout(() => {
          giveUp(
            connected
              ? new WorkerTimeoutError(target.baseUrl, described, target.during, timeout)
              : unreachable(`ETIMEDOUT: no connection within the request timeout of ${timeout} ms`),
          );
        }, timeout),
      );
    }
    req.on('error', failed);
    req.end(body);
  });
}

/**
 * The largest request body a worker accepts, from the `VGI-Max-Request-Bytes` header it
 * stamps on every answer; `null` when absent or not a positive integer.
 */
export function requestLimitOf(headers: IncomingHttpHeaders): number | null {
  const value = Number(headers['vgi-max-request-bytes']);
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

/**
 * Asks a worker for its request size limit with `HEAD {base}/health` (open, no body);
 * `null` when it does not answer or does not say.
 */
export function probeRequestLimit(baseUrl: string, agent: HttpAgent | HttpsAgent): Promise<number | null> {
  const parsed = new URL(`${baseUrl}/health`);
  const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(parsed, { method: 'HEAD', agent, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? requestLimitOf(res.headers) : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/**
 * Reads every IPC stream of an Arrow body, in order (a stream `/init` answer holds two).
 * Bytes that are not Arrow IPC are a `WorkerProtocolViolation` naming the request.
 */
export async function readAnswerStreams(answer: HttpAnswer, target: HttpTarget): Promise<AnswerStream[]> {
  const framer = new MessageFramer(
    (async function* () {
      yield answer.body;
    })(),
  );
  const streams: AnswerStream[] = [];
  try {
    for (let frames = await framer.readStream(); frames !== null; frames = await framer.readStream())
      streams.push(decodeFrames([frames.schema, ...frames.messages]));
  } catch (error) {
    if (!(error instanceof IpcFramingError)) throw error;
    throw new WorkerProtocolViolation(
      `HTTP worker at ${target.baseUrl}`,
      `${target.during} (POST ${answer.url}, HTTP ${answer.status})`,
      error.message,
      '',
      {
        cause: error,
        advice:
          'Check that the URL is a vgi.v2 worker (silo serve <entry> --http PORT) and that no proxy in between rewrites its answers.',
      },
    );
  }
  return streams;
}

/**
 * True when the answer's body is Arrow (whatever its status).
 */
export function isArrowAnswer(answer: HttpAnswer): boolean {
  return (answer.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase() === ARROW_MEDIA_TYPE;
}

/**
 * True when the worker flagged the body as an error stream where a result was expected
 * (`X-VGI-RPC-Error: true`).
 */
export function isRpcErrorAnswer(answer: HttpAnswer): boolean {
  return String(answer.headers['x-vgi-rpc-error'] ?? '').toLowerCase() === 'true';
}

/**
 * The error for an answer that is not a vgi.v2 response: a status other than 200 without
 * an Arrow error body, or a 200 that is not Arrow. Says how to fix the usual causes.
 */
export function refusalError(
  answer: HttpAnswer,
  target: HttpTarget,
  context: { readonly authTokenSent: boolean },
): WorkerHttpError {
  return new WorkerHttpError(
    target.baseUrl,
    `POST ${answer.url}`,
    target.during,
    answer.status,
    describeBody(answer),
    adviceFor(answer, target, context),
  );
}

function adviceFor(answer: HttpAnswer, target: HttpTarget, context: { readonly authTokenSent: boolean }): string {
  switch (answer.status) {
    case 200:
      return `A vgi.v2 worker answers with ${ARROW_MEDIA_TYPE}, this answer is ${String(answer.headers['content-type'] ?? 'untyped')}. Check that ${target.baseUrl} is a worker's base URL, mount prefix included (silo serve <entry> --http PORT prints it as HTTP:<url>).`;
    case 401:
      return context.authTokenSent
        ? "The worker did not accept the bearer token sent: pass one of the tokens listed in the worker's SILO_AUTH_TOKENS."
        : "The worker requires a bearer token: pass one of the tokens listed in its SILO_AUTH_TOKENS (runFunction's authToken, silo run --auth-token TOKEN, or the SILO_AUTH_TOKEN environment variable).";
    case 413:
      return 'The request body is larger than the worker accepts: raise SILO_MAX_REQUEST_BYTES on the workers (default 64 MiB), or send smaller input batches (runFunction batchSize, silo run --batch-size).';
    case 404:
      return `Check the URL: it must be the worker's base URL including its mount prefix (default /vgi, e.g. http://127.0.0.1:8080/vgi), as silo serve <entry> --http PORT prints it; ${target.baseUrl} does not serve ${target.path}.`;
    case 415:
      return `The worker refused the body's media type or encoding; this client sends ${ARROW_MEDIA_TYPE}, gzip-encoded only when asked to (compressRequests, silo run --gzip), which every Silo worker decodes. If compression was on, turn it off for this worker; otherwise something between the client and the worker changed the request.`;
    case 502:
    case 503:
    case 504:
      return 'A proxy or load balancer in front of the workers got no answer from one: check that the workers behind it are running.';
    default:
      return '';
  }
}

/** The body's text for a message: a JSON body's `detail` (or the JSON itself), else the text, shortened. */
function describeBody(answer: HttpAnswer): string {
  if (isArrowAnswer(answer))
    return answer.body.length === 0 ? '' : `(an Arrow body of ${answer.body.length} bytes without an error batch)`;
  let text = answer.body.toString('utf8').trim();
  if (/^application\/json\b/i.test(String(answer.headers['content-type'] ?? ''))) {
    try {
      const parsed = JSON.parse(text) as { detail?: unknown; message?: unknown };
      const detail =
        typeof parsed.detail === 'string' ? parsed.detail : typeof parsed.message === 'string' ? parsed.message : null;
      if (detail !== null) text = detail;
    } catch {
      // Not JSON after all: quote the text as it is.
    }
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}…` : text;
}
