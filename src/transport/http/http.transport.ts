/**
 * The HTTP transport (vgi-wire §2.3): a `node:http` server answering every request with an
 * {@link HttpRpcHandler}. It announces `HTTP:<base url>` on stdout once listening (so a
 * launcher or a test that asked for port 0 learns the port), and stops gracefully: no new
 * connections, in-flight requests finish, idle keep-alive connections close.
 */
import { createServer, type ServerResponse } from 'node:http';
import { listenServer } from '../listen-server';
import type { AddressInfo } from 'node:net';
import { SiloError } from '../../errors';
import type { SiloWorker } from '../../worker/bootstrap';
import { SUPPORTED_REQUEST_ENCODINGS } from './http-body.reader';
import { HttpRpcHandler, type HttpRpcHandlerOptions } from './http-rpc.handler';

/** Options of {@link listenHttp}. */
export interface HttpListenOptions extends HttpRpcHandlerOptions {
  /** The TCP port; 0 picks a free one. */
  readonly port: number;
  /** The address to bind, e.g. `127.0.0.1` or `0.0.0.0`. */
  readonly host: string;
  /** Writes the `HTTP:<base url>\n` announcement (default: nothing). */
  readonly announce?: (line: string) => void;
}

/** A listening HTTP worker. */
export interface HttpWorkerServer {
  /** The base URL clients use as LOCATION, prefix included, e.g. `http://127.0.0.1:8080/vgi`. */
  readonly url: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  readonly handler: HttpRpcHandler;
  /** Requests being answered right now. */
  readonly inFlight: number;
  /** Settles once the server stopped. */
  readonly closed: Promise<void>;
  /** Stops accepting connections and resolves once every in-flight request was answered. */
  close(): Promise<void>;
}

/** `host:port` as a URL authority (IPv6 addresses in brackets). */
function authority(address: AddressInfo): string {
  return address.family === 'IPv6' || address.address.includes(':')
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`;
}

/**
 * Listens on `host:port` and serves `worker` over HTTP under `prefix`.
 *
 * @example
 * ```ts
 * const server = await listenHttp(worker, { port: 0, host: '127.0.0.1', prefix: '/vgi', settings: httpSettingsFromEnv() });
 * console.error(`ATTACH 'example' (TYPE vgi, LOCATION '${server.url}')`);
 * await server.close();
 * ```
 */
export async function listenHttp(worker: SiloWorker, options: HttpListenOptions): Promise<HttpWorkerServer> {
  const handler = new HttpRpcHandler(worker, options);
  const pending = new Set<ServerResponse>();
  let stopping: Promise<void> | null = null;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((done) => (markClosed = done));

  const server = createServer((req, res) => {
    pending.add(res);
    // While stopping, a kept-alive connection must not wait for another request.
    if (stopping !== null) res.shouldKeepAlive = false;
    res.once('close', () => {
      pending.delete(res);
      if (stopping !== null) setImmediate(() => server.closeIdleConnections());
    });
    void handler.handle(req, res);
  });
  // Slow clients may hold a stream turn open; the limits below only bound header reading.
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  // Bytes that are not HTTP never reach the handler; answer them with the capability headers too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const [status, reason] =
      error.code === 'HPE_HEADER_OVERFLOW' ? ['431', 'Request Header Fields Too Large'] : ['400', 'Bad Request'];
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nVGI-Supported-Encodings: ${SUPPORTED_REQUEST_ENCODINGS.join(', ')}\r\nVGI-Accept-Max-Response-Bytes-Support: true\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: ${reason.length + 1}\r\n\r\n${reason}\n`,
    );
  });

  try {
    await listenServer(server, { port: options.port, host: options.host });
  } catch (error) {
    throw new SiloError(
      'SILO433',
      `Could not listen for HTTP on ${options.host}:${options.port}: ${(error as Error).message}. Choose another --http port (0 picks a free one) or --host address.`,
      { cause: error },
    );
  }
  const address = server.address() as AddressInfo;
  const url = `http://${authority(address)}${options.prefix}`;
  options.announce?.(`HTTP:${url}\n`);

  function close(): Promise<void> {
    stopping ??= new Promise<void>((done) => {
      for (const res of pending) res.shouldKeepAlive = false;
      server.close(() => {
        markClosed();
        done();
      });
      server.closeIdleConnections();
    });
    return stopping;
  }

  return {
    url,
    port: address.port,
    handler,
    get inFlight() {
      return pending.size;
    },
    closed,
    close,
  };
}
