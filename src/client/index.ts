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
} from './worker-connection';
export { InitStream } from './init-stream';
export { type VgiConnection, type VgiInitStream, type ConnectionLauncher, type WorkerRole } from './vgi-connection';
export { HttpConnection, type HttpConnectionOptions, type HttpRequestInfo } from './http-connection';
export { HttpInitStream } from './http-init-stream';
export { DEFAULT_CONNECT_TIMEOUT_MS, HttpFleet, normalizeWorkerUrl, type HttpFleetOptions } from './http-fleet';
export {
  spawnWorkerChannel,
  connectUnixChannel,
  describeCommand,
  type WorkerChannel,
  type SpawnOptions,
} from './worker-channel';
export { startUnixWorker, type UnixWorker } from './unix-worker';
export { WorkerLauncher, type LauncherOptions } from './worker-launcher';
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
export { bindArgumentsByName } from './argument-binding';
export { nullableSchema } from './bind-call';
export { typeName, coerceValue, renderValue, typeOfValue } from './value-types';
export { runFunction } from './run-function';
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
} from './run-function.types';
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
