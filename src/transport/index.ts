/**
 * Transports: how a worker's requests arrive. stdio (DuckDB spawns the worker) and unix
 * sockets (DuckDB's `launch:` locations); `serveWorker` picks one from the command line.
 */
export { serveWorker, type ServeWorkerOptions } from './serve-worker';
export { parseTransportArgs, TransportArgumentError, TRANSPORT_USAGE, type TransportOptions } from './transport-args';
export { serveStdio, reserveStdoutForProtocol, type StdioStreams } from './stdio.transport';
export { listenUnixSocket, type UnixSocketOptions, type UnixSocketServer } from './unix-socket.transport';
export { RequestHandler, PeerGoneError, streamConnection, type Connection, type ConnectionEnd, type RequestHandlerOptions, type ServerIdentity } from '../server';
