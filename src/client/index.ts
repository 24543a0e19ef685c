/**
 * Silo's own VGI client: connections to worker processes (stdio or unix socket) and to
 * HTTP workers (one URL or a fleet), catalog discovery, and `runFunction`, which drives a
 * buffering function's whole lifecycle over the wire the way the DuckDB extension does.
 */
export {
  WorkerConnection,
  protocolOf,
  type CallResult,
  type ConnectionOptions,
  type ProtocolSource,
  type ReceivedLog,
  type UnaryMethodName,
} from './connection/worker-connection';
export { InitStream } from './connection/init-stream';
export {
  type VgiConnection,
  type VgiInitStream,
  type ConnectionLauncher,
  type WorkerRole,
} from './connection/vgi-connection';
export { HttpConnection, type HttpConnectionOptions, type HttpRequestInfo } from './http/http-connection';
export { HttpInitStream } from './http/http-init-stream';
export { DEFAULT_CONNECT_TIMEOUT_MS, HttpFleet, normalizeWorkerUrl, type HttpFleetOptions } from './http/http-fleet';
export {
  spawnWorkerChannel,
  connectUnixChannel,
  describeCommand,
  type WorkerChannel,
  type SpawnOptions,
} from './connection/worker-channel';
export { startUnixWorker, type UnixWorker } from './connection/unix-worker';
export { WorkerLauncher, type LauncherOptions } from './connection/worker-launcher';
export {
  discoverCatalog,
  discoverIn,
  listFunctions,
  describeFunction,
  findFunction,
  qualifiedName,
  signature,
  type ArgumentInfo,
  type CatalogDiscovery,
  type DiscoveredFunction,
  type DiscoveryOptions,
} from './discovery';
export {
  describeProtocol,
  isProtocolRefusal,
  negotiateProtocol,
  parseProtocolChoice,
  PROTOCOL_CHOICES,
  ProtocolSetting,
  protocolVersionOf,
  type NegotiatedProtocol,
  type ProtocolAttempt,
  type ProtocolChoice,
  type ProtocolVersion,
} from './protocol-choice';
export { bindArgumentsByName } from './run/argument-binding';
export { nullableSchema } from '../lifecycle';
export { typeName, coerceArgumentValue, renderArgumentValue, typeOfValue } from './run/argument-values';
export { runFunction } from './run/run-function';
export type {
  RunFunctionOptions,
  RunFunctionResult,
  RunProgress,
  RunLog,
  RunPids,
  RunRequest,
  RunTimings,
  ClientSecret,
  DestructorOutcome,
  RunInputSource,
} from './run/run-function.types';
export {
  WorkerExitedError,
  WorkerProtocolViolation,
  RunConfigurationError,
  RunCancelledError,
  WorkerStartError,
  WorkerUnreachableError,
  NoWorkerReachableError,
  WorkerHttpError,
  WorkerRequestTooLargeError,
  WorkerTimeoutError,
  NoCommonProtocolError,
} from './client.error';
