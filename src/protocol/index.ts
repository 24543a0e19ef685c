/**
 * The vgi.v2 wire protocol (protocol 2.0.0, routing name `vgi.v2`, request framing "1"):
 * metadata keys, every §4 schema, request decoding and encoding, response encoding and
 * decoding, and the `vgi_rpc.Reflection.v1` protocol. Knows nothing of decorators or the
 * function registry: plain typed objects in, bytes out, and back.
 */
export * from './wire.constants';
export * from './enums';
export * from './protocol.error';
export * from './records.types';
export * from './catalog.schema';
export * from './function-info.schema';
export * from './lifecycle.schema';
export * from './reflection.schema';
export * from './method-table';
export { decodeRecord, encodeRecord, readRecordBatch, typesCompatible, type PlainRecord } from './record.codec';
export * from './arguments-schema';
export * from './function-info.codec';
export * from './catalog.codec';
export * from './bind.codec';
export * from './init.codec';
export * from './buffering.codec';
export * from './reflection.codec';
export * from './unary-result.codec';
export * from './request.types';
export * from './request.decoder';
export * from './request.encoder';
export * from './batch-classifier';
export * from './response.encoder';
export * from './response.decoder';
