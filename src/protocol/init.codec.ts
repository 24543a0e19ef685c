/**
 * InitRequest and the `init` header GlobalInitResponse (vgi-wire §4.9).
 */
import { type Schema } from 'apache-arrow';
import { deserializeSchema, makeRowsBatch, serializeSchema } from '../arrow';
import { type BindRequestInput, decodeBindRequest, encodeBindRequest } from './bind.codec';
import { type InitPhase, type OrderByDirection, type OrderByNullOrder } from './enums';
import { GLOBAL_INIT_RESPONSE_SCHEMA } from './lifecycle.schema';
import { RequestFormatError } from './protocol.error';
import { type ProtocolSpec, readOptionsOf, recordSchema, VGI_V2_PROTOCOL } from './method-table';
import { decodeRecord, encodeRecord, toWireRow } from './record.codec';
import { type GlobalInitResponse, type InitRequest } from './records.types';
import { toBigInt } from './values';

/** InitRequest as a client sends it. */
export interface InitRequestInput {
  /** The final BindRequest: its exact bytes, or the request to encode. */
  readonly bindCall: Uint8Array | BindRequestInput;
  readonly outputSchema: Schema;
  readonly bindOpaqueData?: Uint8Array | null;
  readonly projectionIds?: readonly number[] | null;
  readonly pushdownFilters?: Uint8Array | null;
  readonly joinKeys?: readonly Uint8Array[] | null;
  readonly splitTokens?: readonly Uint8Array[] | null;
  readonly rowLimit?: bigint | null;
  readonly phase?: InitPhase | null;
  readonly finalizeStateId?: Uint8Array | null;
  readonly executionId?: Uint8Array | null;
  readonly initOpaqueData?: Uint8Array | null;
  readonly substreamId?: Uint8Array | null;
  readonly orderByColumnName?: string | null;
  readonly orderByDirection?: OrderByDirection | null;
  readonly orderByNullOrder?: OrderByNullOrder | null;
  readonly orderByLimit?: bigint | null;
  readonly tablesamplePercentage?: number | null;
  readonly tablesampleSeed?: bigint | null;
}

/**
 * Decodes a nested InitRequest, its `bind_call` decoded as a BindRequest and
 * `projection_ids` as numbers.
 */
export function decodeInitRequest(bytes: Uint8Array, protocol: ProtocolSpec = VGI_V2_PROTOCOL): InitRequest {
  const rec = decodeRecord(bytes, recordSchema(protocol, 'init', 'request'), 'InitRequest', readOptionsOf(protocol));
  const projection = rec.projectionIds as (bigint | null)[] | null;
  return {
    ...(rec as unknown as Omit<InitRequest, 'bindCall' | 'outputSchema' | 'projectionIds' | 'bytes'>),
    bindCall: decodeBindRequest(rec.bindCall as Uint8Array, protocol),
    outputSchema: deserializeSchema(rec.outputSchema as Uint8Array, 'InitRequest.output_schema'),
    projectionIds: projection === null ? null : projection.map(toProjectionId),
    bytes,
  };
}

function toProjectionId(id: bigint | null, index: number): number {
  // -1 may name a virtual row-id column (vgi-wire §5.6); other values index the output schema.
  if (id === null || id < -1n || id > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RequestFormatError(
      `InitRequest.projection_ids[${index}] is ${String(id)}; expected a column index (or -1).`,
    );
  }
  return Number(id);
}

/**
 * Nested InitRequest bytes (client side).
 */
export function encodeInitRequest(input: InitRequestInput, protocol: ProtocolSpec = VGI_V2_PROTOCOL): Uint8Array {
  return encodeRecord(
    recordSchema(protocol, 'init', 'request'),
    {
      ...input,
      bindCall: input.bindCall instanceof Uint8Array ? input.bindCall : encodeBindRequest(input.bindCall, protocol),
      outputSchema: serializeSchema(input.outputSchema),
      projectionIds: input.projectionIds ? input.projectionIds.map((id) => toBigInt(id)) : null,
    },
    'InitRequest',
  );
}

/**
 * The 1-row header batch of an `init` stream (GlobalInitResponse is not nested: it is the
 * header stream's own schema). `maxWorkers` defaults to 99999.
 */
export function makeGlobalInitResponseBatch(
  header: Pick<GlobalInitResponse, 'executionId'> & {
    readonly opaqueData?: Uint8Array | null;
    readonly maxWorkers?: bigint | number;
  },
  metadata?: ReadonlyMap<string, string>,
): ReturnType<typeof makeRowsBatch> {
  const row = toWireRow(GLOBAL_INIT_RESPONSE_SCHEMA.fields, {
    executionId: header.executionId,
    opaqueData: header.opaqueData ?? null,
    maxWorkers: toBigInt(header.maxWorkers ?? 99999n),
  });
  return makeRowsBatch(GLOBAL_INIT_RESPONSE_SCHEMA, [row], metadata);
}
