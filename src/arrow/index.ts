/**
 * The Arrow byte layer: IPC framing of consecutive streams on one channel, IPC
 * serialization helpers, guarded stream writing and typed column builders, all on the
 * official `apache-arrow` package.
 */
export { wire, field, schemaOf, EMPTY_SCHEMA } from './arrow-types';
export { buildColumn, zeroValue } from './column.builder';
export { buildUtf8Data, buildBinaryData } from './utf8.builder';
export { CONTINUATION_MARKER, EOS_BYTES, joinFrames, type IpcFrame, type IpcMessageKind } from './ipc-frame';
export {
  IpcFramingError,
  IpcSchemaMismatchError,
  ArrowValueError,
  MalformedIpcMessageError,
  IpcRequestTooLargeError,
  IpcReadTimeoutError,
  type IpcFramingFailure,
} from './ipc.error';
export { verifyMessage, type MessageLimits, type VerifiedMessage } from './ipc-message.verifier';
export { FlatbufferFault } from './flatbuffer-verifier';
export { verifyIpcStreamBytes } from './verified-ipc';
export {
  MessageFramer,
  type ByteSource,
  type FramedMessage,
  type IpcStreamFrames,
  type MessageFramerOptions,
  type OpenStreamOptions,
} from './message-framer';
export { IpcStreamReader, IpcBatchDecoder, decodeFrames } from './ipc-stream-reader';
export { IpcStreamWriter } from './ipc-stream-writer';
export {
  serializeSchema,
  deserializeSchema,
  readIpcStream,
  readSingleBatch,
  serializeBatch,
  serializeBatches,
} from './ipc.codec';
export {
  makeRecordBatch,
  makeRowsBatch,
  makeEmptyBatch,
  makeZeroColumnBatch,
  withBatchMetadata,
  toMetadataMap,
  type BatchMetadata,
  type ColumnInput,
} from './record-batch.builder';
export { conformBatchToSchema, describeSchemaDifference, describeTypeDifference, schemasEqual, type SchemaCompareOptions } from './schema-compare';
export { readRow, readValue, readColumn, toPlainValue } from './value.reader';
