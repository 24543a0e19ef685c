/**
 * The request loop of one connection (vgi-wire §3): read a request stream, answer it
 * completely, repeat — until the client's EOF, or until the bytes stop being Arrow IPC.
 * Every refusal and every failure of a call is answered with an error stream and the
 * loop goes on; only a channel whose framing is lost is closed.
 */
import { decodeFrames, EMPTY_SCHEMA, type IpcFrame, MessageFramer, readSingleRowFrames } from '../arrow';
import { LOGGER } from '../container/tokens';
import { decodeRequest, encodeErrorResponse, encodeRefusal, RequestFormatError, singleRowRequest } from '../protocol';
import type { Logger } from '../providers/logging';
import type { SiloWorker } from '../worker/bootstrap';
import { CatalogService } from './catalog.service';
import { type Connection, PeerGoneError } from './connection';
import type { CpuStats } from './cpu-stats';
import { InitStreamHandler, type StreamEnd } from './init-stream.handler';
import { createServerIdentity } from './server-identity';
import { readStream, readStreamAfterFailedInit } from './stream-intake';
import { type ServerIdentity, UnaryRouter } from './unary-router';

/**
 * Why a connection's loop ended: the client's EOF (a normal shutdown, at any point), a
 * channel that stopped being Arrow IPC (answered with an error when possible), or a
 * client that left while a response was being written.
 */
export type ConnectionEnd = 'eof' | 'broken' | 'peer-gone';

/** Options of {@link RequestHandler}. */
export interface RequestHandlerOptions {
  /** Default: a fresh random server id and the installed vgi-silo version. */
  readonly identity?: ServerIdentity;
  /** Where the handler's own diagnostics go. Default: the worker's `LOGGER` (stderr). */
  readonly logger?: Logger;
  /**
   * What one request may buffer and how long it may take to arrive once started (see
   * `MessageFramerOptions`); past either the request is answered with an error when
   * possible and the connection closes. Default: no limits (the process entry reads
   * `SILO_MAX_REQUEST_BYTES` and `SILO_READ_TIMEOUT_MS`).
   */
  readonly limits?: { readonly maxRequestBytes?: number; readonly readTimeoutMs?: number };
  /** Charges the worker's CPU time to each call it answers (`SILO_CPU_STATS`); default: not measured. */
  readonly cpuStats?: CpuStats;
}

/**
 * Serves vgi.v2, wire generation A (1.0 and 1.3) and `vgi_rpc.Reflection.v1` on connections, for one worker. One
 * handler serves any number of connections, concurrently; each connection is its own
 * sequential request loop.
 *
 * @example
 * ```ts
 * const handler = new RequestHandler(worker);
 * const end = await handler.serve(streamConnection('stdio', process.stdin, process.stdout));
 * ```
 */
export class RequestHandler {
  readonly identity: ServerIdentity;
  private readonly log: Logger;
  private readonly unary: UnaryRouter;
  private readonly init: InitStreamHandler;
  private readonly limits: RequestHandlerOptions['limits'];
  private readonly cpuStats: CpuStats | undefined;

  constructor(worker: SiloWorker, options: RequestHandlerOptions = {}) {
    this.identity = options.identity ?? createServerIdentity();
    this.log = options.logger ?? worker.container.resolve<Logger>(LOGGER);
    const catalog = new CatalogService(worker.catalog, worker.registry);
    this.unary = new UnaryRouter(worker, catalog, this.identity, this.log);
    this.init = new InitStreamHandler(worker, this.log, options.cpuStats);
    this.limits = options.limits;
    this.cpuStats = options.cpuStats;
  }

  /** Serves one connection until it ends; never rejects. */
  async serve(connection: Connection): Promise<ConnectionEnd> {
    const framer = new MessageFramer(connection.input, {
      maxRequestBytes: this.limits?.maxRequestBytes,
      readTimeoutMs: this.limits?.readTimeoutMs,
    });
    let afterFailedInit = false;
    try {
      for (;;) {
        const next = afterFailedInit ? await readStreamAfterFailedInit(framer) : await readStream(framer);
        if (next.kind === 'eof') return 'eof';
        if (next.kind === 'broken') {
          this.log.warn(
            `${connection.label}: closing the connection, its bytes are not Arrow IPC: ${next.error.message}`,
          );
          const error = new RequestFormatError(
            `${next.error.message} The worker closes this connection: a byte stream that lost its framing cannot be resynchronised. Send each request as one complete Arrow IPC stream.`,
          );
          await connection.write(
            encodeErrorResponse(EMPTY_SCHEMA, error, { serverId: this.identity.serverId, requestId: null }),
          );
          return 'broken';
        }
        const end = await this.handle(next.frames, framer, connection);
        if (end.kind === 'eof' || end.kind === 'broken')
          return end.kind === 'eof' ? 'eof' : this.closeBroken(connection, end.error);
        afterFailedInit = end.kind === 'init-failed';
      }
    } catch (error) {
      if (error instanceof PeerGoneError) return 'peer-gone';
      this.log.error(
        `${connection.label}: the request loop failed and the connection is closed: ${(error as Error).stack ?? String(error)}`,
      );
      return 'broken';
    }
  }

  /** Framing lost inside a stream call: its output stream is open, so no error stream can follow. */
  private closeBroken(connection: Connection, error: Error): ConnectionEnd {
    this.log.warn(
      `${connection.label}: closing the connection inside a stream, its bytes are not Arrow IPC: ${error.message}`,
    );
    return 'broken';
  }

  /** Decodes one request stream and answers it. */
  private async handle(frames: readonly IpcFrame[], framer: MessageFramer, connection: Connection): Promise<StreamEnd> {
    const serverId = this.identity.serverId;
    let stream: Parameters<typeof decodeRequest>[0];
    try {
      // The usual request, one row of plain columns, is read straight from its frame.
      const row = readSingleRowFrames(frames);
      stream = row === null ? decodeFrames(frames) : { schema: row.schema, batches: [singleRowRequest(row)] };
    } catch (error) {
      // The framing held (the stream was read to its EOS), only its content is unreadable.
      const refusal = new RequestFormatError(
        `The request stream could not be decoded as Arrow IPC: ${(error as Error).message}`,
        { cause: error },
      );
      await connection.write(encodeErrorResponse(EMPTY_SCHEMA, refusal, { serverId, requestId: null }));
      return { kind: 'done' };
    }
    const decoded = decodeRequest(stream);
    if (!decoded.ok) {
      const { refusal } = decoded;
      this.log.warn(`${connection.label}: refused ${refusal.method ?? 'a request'}: ${refusal.error.message}`);
      await connection.write(encodeRefusal(refusal, serverId));
      // A refused `init` may still be followed by its input stream.
      return refusal.isStream ? { kind: 'init-failed' } : { kind: 'done' };
    }
    const request = decoded.request;
    const ctx = { serverId, requestId: request.requestId, protocol: request.wire };
    this.log.debug(`${connection.label}: ${request.protocol} ${request.method}`);
    if (request.method === 'init') {
      const end = await this.init.run(request.params, { framer, connection, ctx });
      this.cpuStats?.mark('init');
      return end;
    }
    await connection.write(await this.unary.answer(request, ctx));
    this.cpuStats?.mark(request.method);
    return { kind: 'done' };
  }
}
