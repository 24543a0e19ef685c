/**
 * One HTTP request of a worker, end to end (vgi-wire §2.3): `/health`, authentication,
 * routing, the media type, the body (size limit, gzip), then a unary call, a stream
 * `/init` or a stream `/exchange`. Status codes follow the reference SDK: 404 for paths
 * that are not ours (plain text) and for unknown protocols or methods (Arrow), 400 for
 * malformed requests and unusable tokens, 401, 413, 415, and 200 with `X-VGI-RPC-Error`
 * when a call failed — a 500 is never sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EMPTY_SCHEMA, readIpcStream } from '../../arrow';
import { LOGGER } from '../../container/tokens';
import {
  decodeRequestBytes,
  encodeErrorResponse,
  encodeRefusal,
  HOSTED_PROTOCOLS,
  MethodNotImplementedError,
  ProtocolNotSupportedError,
  RequestFormatError,
  RETIRED_DESCRIBE_METHOD,
  VGI_A10_PROTOCOL,
  VGI_PROTOCOL_NAME,
  type WireProtocolError,
} from '../../protocol';
import { checkHealth } from '../../observability/health-check';
import { PROMETHEUS_CONTENT_TYPE } from '../../observability/metrics-registry';
import type { Logger } from '../../providers/logging';
import { CatalogService } from '../../server/catalog.service';
import { InitStreamHandler } from '../../server/init-stream.handler';
import { createServerIdentity } from '../../server/server-identity';
import { type ServerIdentity, UnaryRouter } from '../../server/unary-router';
import type { SiloWorker } from '../../worker/bootstrap';
import { BearerAuthenticator } from './bearer-auth';
import {
  checkContentType,
  decodeRequestBody,
  HttpRefusal,
  readRequestBody,
  SUPPORTED_REQUEST_ENCODINGS,
} from './http-body.reader';
import { arrowReply, type HttpReply, jsonReply, textReply, writeReply } from './http-reply';
import { type HttpRoute, parseRoute } from './http-route';
import type { HttpSettings } from './http-settings';
import { HttpStreamHandler } from './http-stream.handler';
import { InvalidStreamTokenError, StreamTokenSealer } from './stream-token.sealer';
import { StreamTokens } from './stream-tokens';

/** Options of {@link HttpRpcHandler}. */
export interface HttpRpcHandlerOptions {
  /** The mount prefix (`/vgi`), `''` for the origin root. */
  readonly prefix: string;
  readonly settings: HttpSettings;
  /** Default: a fresh random server id. */
  readonly identity?: ServerIdentity;
  /** Default: the worker's `LOGGER`. */
  readonly logger?: Logger;
}

type RpcRoute = Extract<HttpRoute, { kind: 'rpc' }>;

const HOSTED = (): string[] => [...HOSTED_PROTOCOLS.keys()];

/**
 * What generation-A stream tokens are bound to. Its paths carry no protocol (and an
 * `/exchange` body no version), so every generation-A version shares one binding.
 */
const GENERATION_A_BINDING = 'vgi generation A';

/** A caller-supplied request id is echoed only when it looks like one (no header injection, bounded size). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Answers HTTP requests for one worker; any number concurrently, each independently (no
 * state lives between requests except in storage and in the sealed tokens).
 *
 * @example
 * ```ts
 * const handler = new HttpRpcHandler(worker, { prefix: '/vgi', settings: httpSettingsFromEnv() });
 * createServer((req, res) => void handler.handle(req, res)).listen(8080);
 * ```
 */
export class HttpRpcHandler {
  readonly identity: ServerIdentity;
  private readonly log: Logger;
  private readonly prefix: string;
  private readonly settings: HttpSettings;
  private readonly auth: BearerAuthenticator;
  private readonly unary: UnaryRouter;
  private readonly streams: HttpStreamHandler;
  /** Generation A's streams: the 1.0 extension never echoes a call token, so the state token alone names the stream. */
  private readonly generationAStreams: HttpStreamHandler;
  private requests = 0;
  private readonly worker: SiloWorker;

  constructor(worker: SiloWorker, options: HttpRpcHandlerOptions) {
    this.worker = worker;
    this.identity = options.identity ?? createServerIdentity();
    this.log = options.logger ?? worker.container.resolve<Logger>(LOGGER);
    this.prefix = options.prefix;
    this.settings = options.settings;
    this.auth = new BearerAuthenticator(options.settings.authTokens);
    this.unary = new UnaryRouter(worker, new CatalogService(worker.catalog, worker.registry), this.identity, this.log);
    const sealer = new StreamTokenSealer(options.settings.signingKey, {
      source: options.settings.signingKeySource,
      ttlMs: options.settings.streamTtlMs,
    });
    const init = new InitStreamHandler(worker, this.log);
    this.streams = new HttpStreamHandler(worker, init, new StreamTokens(sealer), this.log);
    this.generationAStreams = new HttpStreamHandler(
      worker,
      init,
      new StreamTokens(sealer, { callTokens: 'absent' }),
      this.log,
    );
  }

  /** Answers one request; never rejects (a client that left is simply not answered). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const offered = req.headers['x-request-id'];
    // Minted ids only need to be unique per worker: its server id and a counter (no random bytes per request).
    const requestId =
      typeof offered === 'string' && REQUEST_ID.test(offered)
        ? offered
        : `${this.identity.serverId}-${(++this.requests).toString(16)}`;
    const common: Record<string, string> = {
      // Stamped on every response, errors included: the extension picks its request codec from it.
      'VGI-Supported-Encodings': SUPPORTED_REQUEST_ENCODINGS.join(', '),
      'VGI-Accept-Max-Response-Bytes-Support': 'true',
      'VGI-Max-Request-Bytes': String(this.settings.maxRequestBytes),
      'X-Request-ID': requestId,
      'Cache-Control': 'no-store',
    };
    let reply: HttpReply;
    try {
      reply = await this.answer(req);
    } catch (error) {
      reply = this.unexpected(error);
    }
    // A refused body may still be on its way: do not read (or keep) a connection for it.
    if (reply.status === 413 || !req.complete) common.Connection = 'close';
    try {
      await writeReply(res, reply, common, req.method === 'HEAD');
    } catch (error) {
      this.log.debug(`HTTP ${req.method} ${req.url}: the response could not be written: ${(error as Error).message}`);
    }
  }

  private async answer(req: IncomingMessage): Promise<HttpReply> {
    const route = parseRoute(req.url ?? '/', this.prefix);
    // Capability probes (and CORS preflights) carry no credentials: answer them with the common headers alone.
    if (req.method === 'OPTIONS' && route !== null)
      return {
        status: 204,
        contentType: 'text/plain; charset=utf-8',
        body: [],
        headers: { Allow: route.kind === 'rpc' ? 'POST, OPTIONS' : 'GET, HEAD, OPTIONS' },
      };
    // Health is open: load balancers and the reference client probe it before authenticating.
    if (route?.kind === 'health') {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return textReply(405, 'Method Not Allowed: /health answers GET, HEAD and OPTIONS.', {
          Allow: 'GET, HEAD, OPTIONS',
        });
      return jsonReply(200, {
        status: 'ok',
        server_id: this.identity.serverId,
        server_version: this.identity.serverVersion,
        protocol: VGI_PROTOCOL_NAME,
      });
    }
    const auth = this.auth.authenticate(req.headers.authorization);
    // Behind the RPC routes' token unless the operator opened them (SILO_OBSERVABILITY_OPEN).
    if (route?.kind === 'metrics' || route?.kind === 'healthz') {
      if (!auth.ok && this.settings.observabilityOpen !== true) return this.unauthorized(auth.reason);
      return this.observe(route.kind, req.method);
    }
    if (!auth.ok) return this.unauthorized(auth.reason);
    if (route === null)
      return textReply(
        404,
        `Not Found: this worker serves ${this.prefix}/health and ${this.prefix}/{protocol}/{method}[/init|/exchange].`,
      );
    if (req.method !== 'POST')
      return textReply(405, `Method Not Allowed: RPC paths answer POST, got ${req.method ?? 'none'}.`, {
        Allow: 'POST, OPTIONS',
      });
    const misrouted = this.checkRoute(route);
    if (misrouted !== null) return misrouted;
    let body: Buffer;
    try {
      checkContentType(req.headers['content-type']);
      const raw = await readRequestBody(req, this.settings.maxRequestBytes);
      body = await decodeRequestBody(raw, req.headers['content-encoding'], this.settings.maxRequestBytes);
    } catch (error) {
      if (error instanceof HttpRefusal) return textReply(error.status, error.reason);
      throw error;
    }
    return this.dispatch(route, body, auth.principal);
  }

  /** `GET /metrics` (Prometheus text) and `GET /healthz` (503 when storage does not answer). */
  private async observe(kind: 'metrics' | 'healthz', method: string | undefined): Promise<HttpReply> {
    if (method !== 'GET' && method !== 'HEAD')
      return textReply(405, `Method Not Allowed: /${kind} answers GET and HEAD.`, { Allow: 'GET, HEAD, OPTIONS' });
    if (kind === 'healthz') {
      const report = await checkHealth(this.worker);
      return jsonReply(report.status === 'ok' ? 200 : 503, report);
    }
    const metrics = this.worker.observability?.metrics;
    if (metrics === undefined)
      return textReply(
        404,
        'Not Found: this worker keeps no metrics (SILO_METRICS is off). Unset SILO_METRICS to serve /metrics.',
      );
    return { status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: metrics.renderPrometheus() };
  }

  /** Unknown protocols and methods are 404 (Arrow); a unary method on a stream path or the reverse, 400. */
  private checkRoute(route: RpcRoute): HttpReply | null {
    // Generation-A paths name no protocol: every version has the same methods.
    const protocol = route.protocol === null ? VGI_A10_PROTOCOL : HOSTED_PROTOCOLS.get(route.protocol);
    if (protocol === undefined) return this.arrowError(404, new ProtocolNotSupportedError(route.protocol!, HOSTED()));
    if (route.method === RETIRED_DESCRIBE_METHOD) {
      return this.arrowError(
        404,
        new MethodNotImplementedError(
          "'__describe__' was retired. Call 'list_protocols' and 'describe' of the 'vgi_rpc.Reflection.v1' protocol instead.",
        ),
      );
    }
    const spec = protocol.methods.get(route.method);
    if (spec === undefined) {
      const available = [...protocol.methods.keys()].sort().join(', ');
      const owner =
        route.protocol === null
          ? 'Wire generation A (a path without a protocol segment)'
          : `Protocol '${route.protocol}'`;
      return this.arrowError(
        404,
        new MethodNotImplementedError(`${owner} has no method '${route.method}'. Available: [${available}].`),
      );
    }
    const base =
      route.protocol === null ? `${this.prefix}/${route.method}` : `${this.prefix}/${route.protocol}/${route.method}`;
    if (spec.kind === 'unary' && route.action !== 'call') {
      return this.arrowError(
        400,
        new RequestFormatError(
          `'${route.method}' is a unary method, not a stream: POST ${base} instead of ${base}/${route.action}.`,
        ),
      );
    }
    if (spec.kind === 'stream' && route.action === 'call') {
      return this.arrowError(
        400,
        new RequestFormatError(
          `'${route.method}' is a stream method: open it with POST ${base}/init and continue it with POST ${base}/exchange.`,
        ),
      );
    }
    return null;
  }

  private async dispatch(route: RpcRoute, body: Buffer, principal: string): Promise<HttpReply> {
    const binding = { protocol: route.protocol ?? GENERATION_A_BINDING, principal };
    if (route.action === 'exchange') {
      let continuation: ReturnType<typeof readIpcStream>;
      try {
        continuation = readIpcStream(body, 'continuation body');
      } catch (error) {
        return this.arrowError(
          400,
          new RequestFormatError(`The /exchange body is not an Arrow IPC stream: ${(error as Error).message}`),
        );
      }
      try {
        return await this.streamsOf(route).continue(continuation, {
          binding,
          ctx: { serverId: this.identity.serverId, requestId: null },
        });
      } catch (error) {
        if (error instanceof InvalidStreamTokenError) {
          this.log.warn(`Refused a stream continuation: ${error.message}`);
          return this.arrowError(400, error);
        }
        throw error;
      }
    }
    const decoded = decodeRequestBytes(body, { routeProtocol: route.protocol ?? undefined, routeMethod: route.method });
    if (!decoded.ok) {
      this.log.warn(`Refused ${decoded.refusal.method ?? 'a request'}: ${decoded.refusal.error.message}`);
      return arrowReply([encodeRefusal(decoded.refusal, this.identity.serverId)], { status: 400 });
    }
    const request = decoded.request;
    const ctx = { serverId: this.identity.serverId, requestId: request.requestId, protocol: request.wire };
    if (request.method === 'init') return this.streamsOf(route).open(request.params, { binding, ctx });
    const answer = await this.unary.respond(request, ctx);
    return arrowReply([answer.bytes], { rpcError: answer.failed });
  }

  private streamsOf(route: RpcRoute): HttpStreamHandler {
    return route.protocol === null ? this.generationAStreams : this.streams;
  }

  private arrowError(status: 400 | 404, error: WireProtocolError): HttpReply {
    return arrowReply(
      [encodeErrorResponse(EMPTY_SCHEMA, error, { serverId: this.identity.serverId, requestId: null })],
      { status },
    );
  }

  private unauthorized(reason: 'missing' | 'malformed' | 'invalid'): HttpReply {
    const detail = {
      missing:
        'This worker requires a bearer token: send Authorization: Bearer <token> with one of the tokens in its SILO_AUTH_TOKENS.',
      malformed: 'The Authorization header is not of the form "Bearer <token>".',
      invalid: 'The bearer token is not one this worker accepts (SILO_AUTH_TOKENS).',
    }[reason];
    return jsonReply(401, { error: 'unauthorized', reason, detail }, { 'WWW-Authenticate': 'Bearer realm="vgi-silo"' });
  }

  /** A failure no route anticipated: never a 500 (clients drop 5xx bodies), an Arrow error under 200. */
  private unexpected(error: unknown): HttpReply {
    this.log.error(`HTTP request failed unexpectedly: ${(error as Error).stack ?? String(error)}`);
    return arrowReply(
      [encodeErrorResponse(EMPTY_SCHEMA, error, { serverId: this.identity.serverId, requestId: null })],
      { rpcError: true },
    );
  }
}
