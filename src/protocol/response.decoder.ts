/**
 * Client side: reading response streams — unary results, the `init` header, output
 * batches — with logs collected and error batches raised as {@link RemoteError}.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { readIpcStream, readRow } from '../arrow';
import { type BatchClass, classifyBatch, type LogRecord } from './batch-classifier';
import { GLOBAL_INIT_RESPONSE_SCHEMA } from './lifecycle.schema';
import { type MethodName, type ProtocolSpec } from './method-table';
import { RequestFormatError } from './protocol.error';
import { readRecordBatch } from './record.codec';
import { type GlobalInitResponse } from './records.types';
import { decodeResultRecord, type ResultOutputs } from './unary-result.codec';
import { MetadataKey } from './wire.constants';

/** A decoded response and what came with it. */
export interface DecodedResponse<T> {
  readonly result: T;
  readonly logs: readonly LogRecord[];
  /** `vgi_rpc.server_id` of the result batch. */
  readonly serverId: string | null;
  /** The echoed `vgi_rpc.request_id`. */
  readonly requestId: string | null;
}

/** A response stream's batches sorted by kind (vgi-wire §3.7). */
interface SortedBatches {
  readonly data: RecordBatch[];
  readonly logs: LogRecord[];
  readonly stateToken: Extract<BatchClass, { kind: 'state-token' }> | null;
}

/**
 * Sorts batches by kind; throws the first error batch as a `RemoteError`.
 */
export function sortBatches(batches: readonly RecordBatch[]): SortedBatches {
  const out: { data: RecordBatch[]; logs: LogRecord[]; stateToken: SortedBatches['stateToken'] } = {
    data: [],
    logs: [],
    stateToken: null,
  };
  for (const batch of batches) {
    const c = classifyBatch(batch);
    if (c.kind === 'error') throw c.error;
    if (c.kind === 'log') out.logs.push(c.log);
    else if (c.kind === 'state-token') out.stateToken = c;
    else if (c.kind === 'data') out.data.push(batch);
  }
  return out;
}

/**
 * Decodes a unary response stream of `method` into its typed result.
 */
export function decodeUnaryResponse<M extends MethodName>(
  method: M,
  stream: { readonly schema: Schema; readonly batches: readonly RecordBatch[] },
  protocol?: ProtocolSpec,
): DecodedResponse<ResultOutputs[M]> {
  const { data, logs } = sortBatches(stream.batches);
  const last = data[data.length - 1];
  if (last === undefined)
    throw new RequestFormatError(`The '${method}' response holds neither a result nor an error batch.`);
  let record: Uint8Array | null = null;
  if (stream.schema.fields.length > 0) {
    if (last.numRows !== 1)
      throw new RequestFormatError(`The '${method}' result batch has ${last.numRows} rows; expected 1.`);
    record = readRow(last).result as Uint8Array;
  }
  return {
    result: decodeResultRecord(method, record, protocol),
    logs,
    serverId: last.metadata.get(MetadataKey.serverId) ?? null,
    requestId: last.metadata.get(MetadataKey.requestId) ?? null,
  };
}

/**
 * {@link decodeUnaryResponse} from the response bytes.
 */
export function decodeUnaryResponseBytes<M extends MethodName>(
  method: M,
  bytes: Uint8Array,
  protocol?: ProtocolSpec,
): DecodedResponse<ResultOutputs[M]> {
  return decodeUnaryResponse(method, readIpcStream(bytes, `'${method}' response`), protocol);
}

/**
 * Decodes the `init` header stream (or raises its error batch).
 */
export function decodeInitHeader(stream: {
  readonly schema: Schema;
  readonly batches: readonly RecordBatch[];
}): DecodedResponse<GlobalInitResponse> {
  const { data, logs } = sortBatches(stream.batches);
  const row = data.find((b) => b.numRows === 1);
  if (row === undefined) throw new RequestFormatError('The init header stream holds no GlobalInitResponse row.');
  return {
    result: readRecordBatch(row, GLOBAL_INIT_RESPONSE_SCHEMA, 'GlobalInitResponse') as unknown as GlobalInitResponse,
    logs,
    serverId: row.metadata.get(MetadataKey.serverId) ?? null,
    requestId: row.metadata.get(MetadataKey.requestId) ?? null,
  };
}
