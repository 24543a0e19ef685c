/**
 * The three buffering methods' records (vgi-wire §4.10–§4.12).
 */
import { type RecordBatch } from 'apache-arrow';
import { readIpcStream, serializeBatch } from '../arrow';
import { lastOf, schemaPathOf } from './bind.codec';
import { COMBINE_RESPONSE_SCHEMA, PROCESS_RESPONSE_SCHEMA } from './lifecycle.schema';
import { type ProtocolSpec, readOptionsOf, recordSchema, VGI_V2_PROTOCOL } from './method-table';
import { RequestFormatError } from './protocol.error';
import { decodeRecord, encodeRecord, type PlainRecord } from './record.codec';
import { type CombineRequest, type DestructorRequest, type ProcessRequest } from './records.types';

/** Fields shared by the three buffering requests, as a client sends them (the destructor's whole input). */
export interface BufferingRequestInput {
  readonly functionName: string;
  readonly executionId: Uint8Array;
  readonly attachOpaqueData?: Uint8Array | null;
  readonly transactionId?: Uint8Array | null;
  readonly schemaPath?: readonly string[] | null;
}

/** TableBufferingProcessRequest as a client sends it. */
export interface ProcessRequestInput extends BufferingRequestInput {
  /** The input chunk, or its IPC stream bytes. */
  readonly inputBatch: RecordBatch | Uint8Array;
  readonly batchIndex?: bigint | null;
}

/** TableBufferingCombineRequest as a client sends it. */
export interface CombineRequestInput extends BufferingRequestInput {
  readonly stateIds: readonly Uint8Array[];
}

const optional = (input: BufferingRequestInput): PlainRecord => ({
  attachOpaqueData: input.attachOpaqueData ?? null,
  transactionId: input.transactionId ?? null,
  schemaPath: input.schemaPath ?? null,
  schemaName: lastOf(input.schemaPath),
});

/** A buffering request record read by name; the schema it names as a path in every version. */
function readBuffering(
  bytes: Uint8Array,
  protocol: ProtocolSpec,
  method: 'table_buffering_process' | 'table_buffering_combine' | 'table_buffering_destructor',
  subject: string,
): PlainRecord {
  const rec = decodeRecord(bytes, recordSchema(protocol, method, 'request'), subject, readOptionsOf(protocol));
  const { schemaName: _name, ...rest } = rec;
  return { ...rest, schemaPath: schemaPathOf(rec) };
}

/**
 * Decodes a process request; the input chunk is decoded to a `RecordBatch`.
 */
export function decodeProcessRequest(bytes: Uint8Array, protocol: ProtocolSpec = VGI_V2_PROTOCOL): ProcessRequest {
  const rec = readBuffering(bytes, protocol, 'table_buffering_process', 'TableBufferingProcessRequest');
  const inputBatchBytes = rec.inputBatch as Uint8Array;
  let stream: ReturnType<typeof readIpcStream>;
  try {
    stream = readIpcStream(inputBatchBytes, 'TableBufferingProcessRequest.input_batch');
  } catch (cause) {
    throw new RequestFormatError(
      `TableBufferingProcessRequest.input_batch: the nested IPC bytes are not a readable Arrow stream (${(cause as Error).message}).`,
      { cause },
    );
  }
  if (stream.batches.length !== 1) {
    throw new RequestFormatError(
      `TableBufferingProcessRequest.input_batch: expected one input chunk, found ${stream.batches.length} batches.`,
    );
  }
  return {
    ...(rec as unknown as Omit<ProcessRequest, 'inputBatch' | 'inputSchema' | 'inputBatchBytes'>),
    inputBatch: stream.batches[0],
    inputSchema: stream.schema,
    inputBatchBytes,
  };
}

/**
 * Nested process request bytes (client side).
 */
export function encodeProcessRequest(input: ProcessRequestInput, protocol: ProtocolSpec = VGI_V2_PROTOCOL): Uint8Array {
  return encodeRecord(
    recordSchema(protocol, 'table_buffering_process', 'request'),
    {
      functionName: input.functionName,
      executionId: input.executionId,
      inputBatch: input.inputBatch instanceof Uint8Array ? input.inputBatch : serializeBatch(input.inputBatch),
      ...optional(input),
      batchIndex: input.batchIndex ?? null,
    },
    'TableBufferingProcessRequest',
  );
}

/**
 * Decodes a combine request.
 */
export function decodeCombineRequest(bytes: Uint8Array, protocol: ProtocolSpec = VGI_V2_PROTOCOL): CombineRequest {
  const rec = readBuffering(bytes, protocol, 'table_buffering_combine', 'TableBufferingCombineRequest');
  // A null list element carries nothing to combine; DuckDB never sends one.
  return {
    ...(rec as unknown as CombineRequest),
    stateIds: (rec.stateIds as (Uint8Array | null)[]).map((s) => s ?? new Uint8Array(0)),
  };
}

/**
 * Nested combine request bytes (client side).
 */
export function encodeCombineRequest(input: CombineRequestInput, protocol: ProtocolSpec = VGI_V2_PROTOCOL): Uint8Array {
  return encodeRecord(
    recordSchema(protocol, 'table_buffering_combine', 'request'),
    { functionName: input.functionName, executionId: input.executionId, stateIds: input.stateIds, ...optional(input) },
    'TableBufferingCombineRequest',
  );
}

/**
 * Decodes a destructor request.
 */
export function decodeDestructorRequest(
  bytes: Uint8Array,
  protocol: ProtocolSpec = VGI_V2_PROTOCOL,
): DestructorRequest {
  return readBuffering(
    bytes,
    protocol,
    'table_buffering_destructor',
    'TableBufferingDestructorRequest',
  ) as unknown as DestructorRequest;
}

/**
 * Nested destructor request bytes (client side).
 */
export function encodeDestructorRequest(
  input: BufferingRequestInput,
  protocol: ProtocolSpec = VGI_V2_PROTOCOL,
): Uint8Array {
  return encodeRecord(
    recordSchema(protocol, 'table_buffering_destructor', 'request'),
    { functionName: input.functionName, executionId: input.executionId, ...optional(input) },
    'TableBufferingDestructorRequest',
  );
}

/**
 * TableBufferingProcessResponse record bytes.
 */
export function encodeProcessResponse(stateId: Uint8Array): Uint8Array {
  return encodeRecord(PROCESS_RESPONSE_SCHEMA, { stateId }, 'TableBufferingProcessResponse');
}

/**
 * TableBufferingCombineResponse record bytes.
 */
export function encodeCombineResponse(finalizeStateIds: readonly Uint8Array[]): Uint8Array {
  return encodeRecord(COMBINE_RESPONSE_SCHEMA, { finalizeStateIds }, 'TableBufferingCombineResponse');
}
