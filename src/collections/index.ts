/**
 * Typed storage collections over {@link BoundStorage}: a batch log for sinks to append
 * to and finalize streams to replay, a key-value map, a counter and a queue, each safe
 * when several processes use it at once.
 */
// BatchLogCursor's decorators and tsyringe need Reflect metadata as soon as this loads.
import 'reflect-metadata';

export { type Codec, type JsonCodecOptions, bytesCodec, jsonCodec, arrowBatchCodec } from './codec';
export { CollectionError } from './collection.error';
export {
  BatchLog,
  BatchLogCursor,
  type LogCursor,
  type BatchLogEntry,
  type BatchLogOptions,
  type BatchLogReadOptions,
  type ReplayOptions,
} from './batch-log';
export { KeyValue, type KeyValueOptions, type KeyValueEntriesOptions } from './key-value';
export { Counter } from './counter';
export { Queue, type QueueOptions } from './queue';
export {
  InjectCollection,
  type CollectionClass,
  type InjectCollectionOptions,
  type InjectBatchLogOptions,
  type InjectCodecOptions,
} from './inject-collection.decorator';
