/**
 * The Arrow byte layer: IPC framing of consecutive streams on one channel, IPC
 * serialization helpers, guarded stream writing and typed column builders, all on the
 * official `apache-arrow` package.
 */
export { wire, field, schemaOf, EMPTY_SCHEMA } from './arrow-types';
export { buildColumn } from './column.builder';
export { buildUtf8Data, buildBinaryData } from './utf8.builder';
export { CONTINUATION_MARKER, EOS_BYTES, joinFrames, type IpcFrame, type IpcMessageKind } from './ipc-frame';
export {
  IpcFramingError,
  IpcSchemaMismatchError,
  ArrowValueError,
  MalformedIpcMessageError,
  IpcRequestTooLargeError,
  IpcReadTimeoutError,
} from './ipc.error';
export { verifyMessage, type VerifiedMessage } from './ipc-message.verifier';
export { FlatbufferFault } from './flatbuffer.verifier';
export { verifyIpcStreamBytes } from './verified-ipc';
export { encodeSingleRowStream, readSingleRowFrames, readSingleRowStream, type SingleRow } from './single-row.codec';
export { MessageFramer, type ByteSource, type OpenStreamOptions } from './message-framer';
export { IpcStreamReader, decodeFrames } from './ipc-stream.reader';
export { IpcStreamWriter } from './ipc-stream.writer';
export { serializeSchema, deserializeSchema, readIpcStream, serializeBatch, serializeBatches } from './ipc.codec';
export {
  makeRecordBatch,
  makeRowsBatch,
  makeEmptyBatch,
  makeZeroColumnBatch,
  withBatchMetadata,
} from './record-batch.builder';
export { conformBatchToSchema, describeSchemaDifference, describeTypeDifference, schemasEqual } from './schema-compare';
export { readRow, readValue, readColumn, toPlainValue } from './value.reader';
