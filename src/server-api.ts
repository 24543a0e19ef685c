/**
 * `vgi-silo/server` (this file, beside `src/server/` because it also reaches the layers above
 * the server: the transports): what an operator embedding a worker needs beyond `bootstrapWorker` and
 * `serveWorker` — the request handler (vgi.v2 requests in, dispatcher calls, response streams
 * out), the dispatcher and registry it drives, the transports that carry the bytes (stdio,
 * unix sockets, HTTP), and storage upkeep (the garbage collector). Function authors need none
 * of it: the package root has what they use.
 */
export { RequestHandler, type ConnectionEnd, type RequestHandlerOptions } from './server/request.handler';
export { type Connection, PeerGoneError, streamConnection } from './server/connection';
export { CatalogService, CATALOG_VERSION } from './server/catalog.service';
export {
  toFunctionDescriptor,
  advertisesFilterPushdown,
  DEFAULT_MAX_WORKERS,
  DUCKDB_FILTER_PROFILE,
} from './server/function-descriptor.mapper';
export { toBindCall, toBindResponse } from './server/bind-call.mapper';
export { decodePushdownFilters, type DecodedFilters } from './server/pushdown-filters.decoder';
export { createServerIdentity, siloVersion } from './server/server-identity';
export { type ServerIdentity } from './server/unary-router';

export { Dispatcher, type DispatcherOptions, type BindOutcome } from './worker/dispatcher';
export { FinalizeStream } from './worker/finalize-stream';
export { FunctionRegistry } from './registration/function-registry';
export type { FunctionDefinition } from './definition/function-definition';
export { GarbageCollector, type GarbageCollectorOptions } from './providers/storage/garbage-collector';
export {
  DEFAULT_DESTROYED_TOMBSTONE_TTL_MS,
  DEFAULT_COLLECTED_TOMBSTONE_TTL_MS,
} from './providers/storage/function-storage';

export { serveWorker, type ServeWorkerOptions } from './transport/serve-worker';
export {
  channelLimitsFromEnv,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_READ_TIMEOUT_MS,
  type ChannelLimits,
} from './transport/channel-limits';
export {
  parseTransportArgs,
  TransportArgumentError,
  TRANSPORT_USAGE,
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PREFIX,
  type TransportOptions,
} from './transport/transport-args';
export { serveStdio, reserveStdoutForProtocol, type StdioStreams } from './transport/stdio.transport';
export {
  applyV8Flags,
  RUN_TIME_V8_FLAGS,
  STDIO_V8_PLAN,
  untestedV8Flags,
  workerV8Flags,
  type V8FlagPlan,
} from './transport/v8-flags';
export { listenUnixSocket, type UnixSocketOptions, type UnixSocketServer } from './transport/unix-socket.transport';
export { listenHttp, type HttpListenOptions, type HttpWorkerServer } from './transport/http/http.transport';
export { HttpRpcHandler, type HttpRpcHandlerOptions } from './transport/http/http-rpc.handler';
export { httpSettingsFromEnv, type HttpSettings } from './transport/http/http-settings';
export { StreamTokenSealer, InvalidStreamTokenError } from './transport/http/stream-token.sealer';
export { BearerAuthenticator } from './transport/http/bearer-auth';

export {
  Observability,
  observabilityFromEnv,
  executionTraceContext,
  type ExecutionTraceContext,
  MetricsRegistry,
  type Instrumentation,
  type RpcCall,
  type RpcPhase,
  type StorageProfile,
} from './observability';
