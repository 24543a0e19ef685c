/**
 * Transports: how a worker's requests arrive. stdio (DuckDB spawns the worker), unix
 * sockets (DuckDB's `launch:` locations) and HTTP (fleets behind one URL); `serveWorker`
 * picks one from the command line.
 */
export { serveWorker, type ServeWorkerOptions } from './serve-worker';
export {
  channelLimitsFromEnv,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_READ_TIMEOUT_MS,
  type ChannelLimits,
} from './channel-limits';
export {
  parseTransportArgs,
  TransportArgumentError,
  TRANSPORT_USAGE,
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PREFIX,
  type TransportOptions,
} from './transport-args';
export { serveStdio, reserveStdoutForProtocol, type StdioStreams } from './stdio.transport';
export {
  applyV8Flags,
  RUN_TIME_V8_FLAGS,
  STDIO_V8_PLAN,
  untestedV8Flags,
  workerV8Flags,
  type V8FlagPlan,
} from './v8-flags';
export { listenUnixSocket, type UnixSocketOptions, type UnixSocketServer } from './unix-socket.transport';
export {
  listenHttp,
  HttpRpcHandler,
  httpSettingsFromEnv,
  StreamTokenSealer,
  InvalidStreamTokenError,
  BearerAuthenticator,
  type HttpListenOptions,
  type HttpWorkerServer,
  type HttpRpcHandlerOptions,
  type HttpSettings,
} from './http';
