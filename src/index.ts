/**
 * vgi-silo: write DuckDB VGI table-buffering (sink + source) functions as decorated
 * classes, wire them with dependency injection, and serve them as workers.
 */
// Decorators record metadata through Reflect; load the polyfill before any of them runs.
import 'reflect-metadata';

export {
  BufferingFunction,
  Process,
  Combine,
  Finalize,
  InitialFinalizeState,
  OnCancel,
  OnBind,
  TableInput,
  Positional,
  Named,
  StateField,
  Inject,
  Injectable,
  type BufferingFunctionOptions,
  type FunctionExample,
  type RequiredSecret,
  type FunctionStability,
  type ArgumentOptions,
  type NamedArgumentOptions,
  type TableInputOptions,
  type TypedPropertyDecorator,
  type NamedPropertyDecorator,
  type HookDecorator,
  type BufferingFunctionClass,
} from './decorators';
export { type ValueTypeName, type ValueTypes, type JsTypeOf, VALUE_TYPE_NAMES } from './metadata';
export { defineModule, FunctionRegistry, InvalidArgumentsError, InvalidStateError, type SiloModule, type ModuleDefinition, type FunctionDefinition } from './registration';
export {
  STORAGE,
  EXECUTION_STORAGE,
  ATTACH_STORAGE,
  TRANSACTION_STORAGE,
  LOGGER,
  SECRETS,
  SETTINGS,
  CLOCK,
  ABORT_SIGNAL,
  EXECUTION,
  SEALER,
  createToken,
  type Token,
  type ExecutionInfo,
  type Provider,
  type ValueProvider,
  type ClassProvider,
  type FactoryProvider,
} from './container';
export {
  type FunctionStorage,
  type StorageScope,
  type StorageEntry,
  type LogEntry,
  type ScanOptions,
  type LogScanOptions,
  type KeyRange,
  type GarbageCollectionReport,
  type GarbageCollectionOptions,
  type ScopeInfo,
  type ListScopesOptions,
  type ScopeStatus,
  type ScopeState,
  type ScopeEnding,
  DEFAULT_DESTROYED_TOMBSTONE_TTL_MS,
  DEFAULT_COLLECTED_TOMBSTONE_TTL_MS,
  BoundStorage,
  MemoryStorage,
  SqliteStorage,
  PostgresStorage,
  type PostgresStorageOptions,
  type PostgresPool,
  createStorageFromEnv,
  GarbageCollector,
  toBytes,
  bytesToText,
  type KeyLike,
} from './providers/storage';
export {
  BatchLog,
  BatchLogCursor,
  KeyValue,
  Counter,
  Queue,
  InjectCollection,
  CollectionError,
  bytesCodec,
  jsonCodec,
  arrowBatchCodec,
  type Codec,
  type JsonCodecOptions,
  type LogCursor,
  type BatchLogEntry,
  type BatchLogOptions,
  type BatchLogReadOptions,
  type ReplayOptions,
  type KeyValueOptions,
  type KeyValueEntriesOptions,
  type QueueOptions,
  type CollectionClass,
  type InjectCollectionOptions,
  type InjectBatchLogOptions,
  type InjectCodecOptions,
} from './collections';
export { type Logger, type LogLevel, type LogFields, StderrLogger, MemoryLogger } from './providers/logging';
export { Secrets, type Secret, type Sealer } from './providers/secrets';
export { SecretSealer } from './providers/secrets/secret-sealer';
export { Settings } from './providers/settings';
export { type Clock, SystemClock, FixedClock } from './providers/clock';
export {
  Dispatcher,
  FinalizeStream,
  bootstrapWorker,
  InvalidOutputError,
  batchFromColumns,
  serializeBatch,
  deserializeBatch,
  deserializeBatches,
  emptyBatch,
  takeRows,
  concatBatches,
  selectColumns,
  type SiloWorker,
  type WorkerOptions,
  type BindContext,
  type BindResult,
  type SinkContext,
  type FinalizeContext,
  type ExecutionContext,
  type Output,
  type StateId,
  type BufferingHandlers,
  type SecretLookup,
  type ColumnFilter,
  type FilterOp,
} from './worker';
export { SiloError, DefinitionError, UserCodeError, isSiloError, type DefinitionProblem } from './errors';
export { InconsistentBatchError, assertBatchConsistent } from './arrow/batch-guard';
export * from './transport';
export * from './client';
export * from './recipes';
