/**
 * A client connection to HTTP workers (vgi-wire §2.3–§2.5): the surface of
 * {@link WorkerConnection}, with every request a POST of its own — a unary call to
 * `{base}/vgi.v2/{method}`, a stream's `/init` and each of its `/exchange` turns — sent
 * to the next URL of its {@link HttpFleet}. Wire generation A has no protocol segment in
 * its paths (`{base}/{method}`, `{base}/init/init`, `{base}/init/exchange`,
 * vgi-wire-gen-a §1.2). Log batches go to `onLog`, error batches
 * (under `X-VGI-RPC-Error`, a 400/404 Arrow body, or inside an output stream) are raised
 * as the protocol's `RemoteError`; refused connections, other statuses and non-Arrow
 * bodies as errors naming the URL and what to check.
 */
import { type RecordBatch } from 'apache-arrow';
import { IpcFramingError } from '../../arrow';
import {
  classifyBatch,
  decodeInitHeader,
  decodeUnaryResponse,
  encodeContinuation,
  encodeRequest,
  type InitRequestInput,
  type LogRecord,
  type MethodName,
  methodSpec,
  type ProtocolSpec,
  REFLECTION_PROTOCOL_NAME,
  RemoteError,
  type RequestEnvelope,
  type RequestInputs,
  type ResultOutputs,
  WireProtocolError,
} from '../../protocol';
import {
  NoWorkerReachableError,
  WorkerHttpError,
  WorkerProtocolViolation,
  WorkerRequestTooLargeError,
  WorkerTimeoutError,
  WorkerUnreachableError,
} from '../client.error';
import { SiloError } from '../../errors/silo.error';
import * as messages from '../../errors/messages';
import { type HttpFleetOptions, type HttpRequestInfo, HttpTargets, type WireBody } from './http-targets';
import { HttpInitStream, type HttpStreamIo } from './http-init-stream';
import {
  type AnswerStream,
  type HttpAnswer,
  type HttpTarget,
  isArrowAnswer,
  isRpcErrorAnswer,
  postArrow,
  readAnswerStreams,
  refusalError,
} from './http-request';
import { type VgiConnection } from '../connection/vgi-connection';
import {
  type CallResult,
  type ConnectionOptions,
  envelopeFor,
  protocolOf,
  type UnaryMethodName,
} from '../connection/worker-connection';

export type { HttpRequestInfo };

/** Options of an {@link HttpConnection}. */
export interface HttpConnectionOptions extends ConnectionOptions {
  /** Called as each request is sent, with the URL it goes to. */
  readonly onRequest?: (request: HttpRequestInfo) => void;
  /**
   * Called with the very object `onRequest` got when that worker refused the connection:
   * the request never reached it (and went to the next worker of the list, if any).
   */
  readonly onRefused?: (request: HttpRequestInfo) => void;
}

/** The settings of the fleet a connection of its own ({@link HttpConnection.open}) makes. */
type FleetSettings = Omit<HttpFleetOptions, 'onLog' | 'onRequest' | 'onRefused'>;

/** What one request is. */
interface RequestKind {
  /** Below the base URL: `vgi.v2/bind`, `vgi.v2/init/exchange`, ... */
  readonly path: string;
  /** For messages. */
  readonly during: string;
  /** For {@link HttpRequestInfo.call}. */
  readonly call: string;
  /** The vgi method whose logs the answer carries. */
  readonly method: string;
  /** Harmless to send twice (see `PostOptions.repeatable`). */
  readonly repeatable: boolean;
}

/** An answer's IPC streams and the URL that gave them. */
interface Answer {
  readonly streams: AnswerStream[];
  readonly url: string;
}

/**
 * The path below the base URL of `method` in `protocol`: vgi.v2 and reflection put their
 * routing name in front, generation A nothing (vgi-wire-gen-a §1.2).
 */
function pathOf(method: MethodName, protocol: ProtocolSpec): string {
  const owner = methodSpec(method, protocol).protocol;
  return owner !== REFLECTION_PROTOCOL_NAME && protocol.generation === 'A' ? method : `${owner}/${method}`;
}

/**
 * A connection to HTTP workers: one URL, or a fleet whose URLs take the requests in turn.
 * As over stdio, one request (or one open stream) at a time.
 *
 * @example
 * ```ts
 * const conn = HttpConnection.open('http://127.0.0.1:8080/vgi', { authToken: process.env.SILO_AUTH_TOKEN });
 * const { result: catalogs } = await conn.call('catalog_catalogs', {});
 * const { result: attach } = await conn.call('catalog_attach', { name: catalogs[0].name });
 * await conn.close();
 * ```
 */
export class HttpConnection implements VgiConnection {
  /** No process of this client is behind an HTTP connection. */
  readonly pid = null;
  private busyWith: string | null = null;
  private ended: string | null = null;
  private readonly abort = new AbortController();

  /** @internal Created by `HttpFleet.start` or {@link HttpConnection.open}. */
  constructor(
    private readonly fleet: HttpTargets,
    private readonly options: HttpConnectionOptions = {},
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {}

  /**
   * A connection of its own to one worker URL, or spreading its requests over several.
   * `close()` closes its pooled sockets.
   *
   * @example
   * ```ts
   * const conn = HttpConnection.open(['http://10.0.0.7:8080/vgi', 'http://10.0.0.8:8080/vgi'], { onLog: (log) => console.error(log.message) });
   * ```
   */
  static open(urls: string | readonly string[], options: HttpConnectionOptions & FleetSettings = {}): HttpConnection {
    const { onLog: _log, onRequest: _request, onRefused: _refused, ...settings } = options;
    const targets = new HttpTargets(typeof urls === 'string' ? [urls] : urls, settings);
    return new HttpConnection(targets, options, async () => targets.closeAgents());
  }

  /** Names the worker(s) in messages. */
  get label(): string {
    return this.fleet.label;
  }

  /** The protocol version requests are encoded in and answers decoded with; it also shapes the paths. */
  get protocol(): ProtocolSpec {
    return protocolOf(this.options.protocol);
  }

  /** True when a request could be sent now: not closed or killed, no call or stream in flight. A failed request leaves it usable: the next one is independent. */
  get usable(): boolean {
    return this.ended === null && this.busyWith === null;
  }

  /**
   * One unary request: a POST to `{base}/vgi.v2/{method}` (reflection methods under
   * `vgi_rpc.Reflection.v1`; generation A to `{base}/{method}`). A worker's error batch
   * is raised as `RemoteError`.
   *
   * @example
   * ```ts
   * const { result } = await conn.call('catalog_schemas', { attachOpaqueData });
   * ```
   */
  async call<M extends UnaryMethodName>(
    method: M,
    params: RequestInputs[M],
    envelope: RequestEnvelope = {},
  ): Promise<CallResult<ResultOutputs[M]>> {
    this.acquire(method);
    try {
      const wire = envelope.wire ?? this.protocol;
      const body = encodeRequest(method, params, envelopeFor(wire, envelope));
      // A process call appends input: it is never sent twice.
      const kind: RequestKind = {
        path: pathOf(method, wire),
        during: method,
        call: method,
        method,
        repeatable: method !== 'table_buffering_process',
      };
      const { streams, url } = await this.send(kind, body);
      return this.decoding(url, kind, () => {
        const logs = this.collect(method, streams[0].batches, url);
        const decoded = decodeUnaryResponse(method, streams[0], wire);
        return { result: decoded.result, logs, serverId: decoded.serverId };
      });
    } finally {
      this.release();
    }
  }

  /**
   * Opens an `init` stream: POSTs `{base}/vgi.v2/init/init` (generation A: `{base}/init/init`) and reads the header and the
   * first output stream from the answer. The connection is busy until the stream is finished.
   *
   * @example
   * ```ts
   * const stream = await conn.openInit({ bindCall, outputSchema, phase: 'TABLE_BUFFERING_FINALIZE', executionId, finalizeStateId });
   * const first = await stream.next();
   * ```
   */
  async openInit(request: InitRequestInput): Promise<HttpInitStream> {
    const during = `init (${request.phase ?? 'no phase'})`;
    this.acquire(during);
    try {
      const wire = this.protocol;
      const kind: RequestKind = {
        path: `${pathOf('init', wire)}/init`,
        during,
        call: 'init',
        method: 'init',
        repeatable: true,
      };
      const { streams, url } = await this.send(kind, encodeRequest('init', request, envelopeFor(wire)));
      return this.decoding(url, kind, () => {
        const [headerStream, output] = streams;
        this.collect('init', headerStream.batches, url);
        const header = decodeInitHeader(headerStream).result;
        if (output === undefined)
          throw new WorkerProtocolViolation(
            `HTTP worker at ${url}`,
            during,
            'the /init answer holds the header but no output stream after it',
            '',
            { advice: ADVICE },
          );
        return new HttpInitStream(this.streamIo(during, wire), header, output, url);
      });
    } catch (error) {
      this.release();
      throw error;
    }
  }

  /** Forgets the connection; a connection of its own ({@link open}) also closes its pooled sockets. */
  async close(): Promise<void> {
    if (this.ended !== null) return;
    this.ended = 'closed';
    await this.onClose();
  }

  /** Abandons the request in flight at once (it fails), and refuses any further request. */
  kill(): void {
    if (this.ended === null) this.ended = 'killed';
    this.abort.abort('the connection was killed');
  }

  private acquire(what: string): void {
    if (this.ended !== null) throw new SiloError('SILO614', messages.connectionEnded(this.label, what, this.ended));
    if (this.busyWith !== null) {
      throw new SiloError('SILO613', messages.connectionBusy(this.label, what, this.busyWith));
    }
    this.busyWith = what;
  }

  private release(): void {
    this.busyWith = null;
  }

  /**
   * Sends a request to the next worker of the fleet. A worker that cannot be connected to
   * never received the request, so it goes to the one after instead (and the refusing
   * worker rests for a while), until every worker was tried; a request a worker received
   * and then lost is never sent elsewhere.
   */
  private async send(kind: RequestKind, body: Uint8Array): Promise<Answer> {
    const wire = await this.fleet.encodeBody(body);
    const refused: WorkerUnreachableError[] = [];
    const tried = new Set<string>();
    for (let url = this.fleet.nextUrl(tried); url !== null; url = this.fleet.nextUrl(tried)) {
      tried.add(url);
      try {
        return await this.sendTo(url, kind, body.byteLength, wire);
      } catch (error) {
        const undelivered = error instanceof WorkerUnreachableError && error.stage === 'connect';
        if (!undelivered || this.abort.signal.aborted) throw error;
        this.fleet.noteRefused(url);
        refused.push(error);
      }
    }
    throw refused.length === 1 ? refused[0] : new NoWorkerReachableError(refused);
  }

  /** Sends one request to `url`; `bytes` is the body's decoded size, which the worker's limit applies to. */
  private async sendTo(url: string, kind: RequestKind, bytes: number, wire: WireBody): Promise<Answer> {
    const target: HttpTarget = { baseUrl: url, path: kind.path, during: kind.during };
    const limit = this.fleet.requestLimit(url);
    // The worker would refuse it with 413 — or, closing the connection before reading it all, lose it as a reset.
    if (limit !== undefined && bytes > limit)
      throw new WorkerRequestTooLargeError(url, kind.during, bytes, limit, 'not sent');
    const info: HttpRequestInfo = { url, call: kind.call };
    this.options.onRequest?.(info);
    let answer: HttpAnswer;
    try {
      answer = await postArrow(target, wire.bytes, {
        agent: this.fleet.agentFor(url),
        authToken: this.fleet.authToken,
        signal: this.abort.signal,
        repeatable: kind.repeatable,
        connectTimeoutMs: this.fleet.connectTimeoutMs,
        requestTimeoutMs: this.fleet.requestTimeoutMs,
        gzipped: wire.gzipped,
      });
    } catch (error) {
      if (error instanceof WorkerUnreachableError && error.stage === 'connect') this.options.onRefused?.(info);
      throw await this.explainDrop(error, url, kind, bytes, limit);
    }
    this.fleet.noteAnswer(url, answer.headers);
    const context = { authTokenSent: this.fleet.authToken !== undefined };
    if (!isArrowAnswer(answer)) throw refusalError(answer, target, context);
    const streams = await readAnswerStreams(answer, target);
    if (answer.status !== 200 || isRpcErrorAnswer(answer)) {
      // An error body (vgi-wire §2.3): raise its error batch, after the logs that precede it.
      this.decoding(url, kind, () => {
        for (const stream of streams) this.collect(kind.method, stream.batches, url);
      });
      if (answer.status !== 200) throw refusalError(answer, target, context);
      throw new WorkerProtocolViolation(
        `HTTP worker at ${url}`,
        kind.during,
        'the answer is marked X-VGI-RPC-Error but holds no error batch',
        '',
        { advice: ADVICE },
      );
    }
    if (streams.length === 0)
      throw new WorkerProtocolViolation(`HTTP worker at ${url}`, kind.during, 'the answer has an empty body', '', {
        advice: ADVICE,
      });
    return { streams, url };
  }

  /**
   * A worker whose size limit was not known yet refuses an oversized body by closing the
   * connection, which may reach this client as a reset instead of the 413: ask it for its
   * limit and say so when the body was over it.
   */
  private async explainDrop(
    error: unknown,
    url: string,
    kind: RequestKind,
    bytes: number,
    known: number | undefined,
  ): Promise<unknown> {
    if (!(error instanceof WorkerUnreachableError) || error.stage !== 'response' || known !== undefined) return error;
    const limit = await this.fleet.learnRequestLimit(url);
    return limit !== undefined && bytes > limit
      ? new WorkerRequestTooLargeError(url, kind.during, bytes, limit, 'dropped', { cause: error })
      : error;
  }

  /** Runs a decoding step; malformed content becomes a `WorkerProtocolViolation` naming the URL. */
  private decoding<T>(url: string, kind: Pick<RequestKind, 'during'>, decode: () => T): T {
    try {
      return decode();
    } catch (error) {
      throw translate(error, url, kind.during);
    }
  }

  /** Logs go to `onLog`; the first error batch is raised. */
  private collect(method: string, batches: readonly RecordBatch[], url: string): LogRecord[] {
    const logs: LogRecord[] = [];
    for (const batch of batches) {
      const c = classifyBatch(batch);
      if (c.kind === 'log') {
        logs.push(c.log);
        this.log(method, c.log, url);
      } else if (c.kind === 'error') {
        throw c.error;
      }
    }
    return logs;
  }

  private log(method: string, log: LogRecord, url: string): void {
    this.options.onLog?.({ ...log, method, pid: null, url });
  }

  private streamIo(during: string, wire: ProtocolSpec): HttpStreamIo {
    return {
      label: this.label,
      during,
      exchange: async (stateToken, callToken, cancel) => {
        if (this.ended === 'killed') throw new SiloError('SILO614', messages.connectionKilled(this.label, during));
        const kind: RequestKind = {
          path: `${pathOf('init', wire)}/exchange`,
          during: `${cancel ? 'the cancel of ' : 'the next turn of '}${during}`,
          call: cancel ? 'cancel' : 'exchange',
          method: 'init',
          repeatable: true,
        };
        // The 1.0 extension knows only the state token; a call token it was sent is never echoed.
        const { streams, url } = await this.send(
          kind,
          encodeContinuation(stateToken, wire.callToken ? callToken : null, { cancel }),
        );
        return { output: streams[0], url };
      },
      log: (log, url) => this.log('init', log, url),
      fail: (error, url) => translate(error, url, during),
      release: () => this.release(),
    };
  }
}

const ADVICE =
  'Check that the URL is a vgi.v2 worker (silo serve <entry> --http PORT) and that no proxy in between rewrites its answers.';

/** Malformed content from a worker becomes a `WorkerProtocolViolation`; everything else passes unchanged. */
function translate(error: unknown, url: string, during: string): Error {
  if (
    error instanceof RemoteError ||
    error instanceof WorkerUnreachableError ||
    error instanceof WorkerHttpError ||
    error instanceof WorkerProtocolViolation ||
    error instanceof WorkerRequestTooLargeError ||
    error instanceof WorkerTimeoutError
  )
    return error;
  if (error instanceof IpcFramingError || error instanceof WireProtocolError) {
    return new WorkerProtocolViolation(`HTTP worker at ${url}`, during, error.message, '', {
      cause: error,
      advice: ADVICE,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
