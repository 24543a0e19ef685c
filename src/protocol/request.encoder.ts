/**
 * Client side: request streams as the extension sends them — vgi.v2 (vgi-wire §3.2) or a
 * generation-A version (no routing key, vgi-wire-gen-a §1) — plus producer ticks and HTTP
 * continuations. Silo's own client drives workers with these.
 */
import { type RecordBatch } from 'apache-arrow';
import { EMPTY_SCHEMA, makeRowsBatch, makeZeroColumnBatch, serializeBatch } from '../arrow';
import { type BindRequestInput, encodeBindRequest, lastOf } from './bind.codec';
import {
  type BufferingRequestInput,
  type CombineRequestInput,
  encodeCombineRequest,
  encodeDestructorRequest,
  encodeProcessRequest,
  type ProcessRequestInput,
} from './buffering.codec';
import { type CatalogAttachRequestInput, encodeCatalogAttachRequest } from './catalog.codec';
import { encodeInitRequest, type InitRequestInput } from './init.codec';
import { type MethodName, methodSpec, type ProtocolSpec, VGI_V2_PROTOCOL } from './method-table';
import { toWireRow } from './record.codec';
import { type NamedGetParams } from './records.types';
import { type MethodParams } from './request.types';
import { MetadataKey, REFLECTION_PROTOCOL_NAME, REQUEST_FRAMING_VERSION, VGI_PROTOCOL_VERSION } from './wire.constants';

type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/** What a client passes for each method's params. */
export interface RequestInputs {
  catalog_catalogs: Record<string, never>;
  catalog_attach: CatalogAttachRequestInput;
  catalog_detach: MethodParams['catalog_detach'];
  catalog_copy_from_formats: Optional<MethodParams['catalog_copy_from_formats'], 'transactionOpaqueData'>;
  catalog_version: Optional<MethodParams['catalog_version'], 'transactionOpaqueData'>;
  catalog_transaction_begin: MethodParams['catalog_transaction_begin'];
  catalog_transaction_commit: MethodParams['catalog_transaction_commit'];
  catalog_transaction_rollback: MethodParams['catalog_transaction_rollback'];
  catalog_schemas: Optional<MethodParams['catalog_schemas'], 'transactionOpaqueData'>;
  catalog_schema_get: Optional<MethodParams['catalog_schema_get'], 'transactionOpaqueData'>;
  catalog_schema_contents_functions: Optional<
    MethodParams['catalog_schema_contents_functions'],
    'transactionOpaqueData'
  >;
  catalog_schema_contents_tables: Optional<MethodParams['catalog_schema_contents_tables'], 'transactionOpaqueData'>;
  catalog_schema_contents_views: Optional<MethodParams['catalog_schema_contents_views'], 'transactionOpaqueData'>;
  catalog_schema_contents_macros: Optional<MethodParams['catalog_schema_contents_macros'], 'transactionOpaqueData'>;
  catalog_schema_contents_indexes: Optional<MethodParams['catalog_schema_contents_indexes'], 'transactionOpaqueData'>;
  catalog_table_get: Optional<NamedGetParams, 'transactionOpaqueData'>;
  catalog_view_get: Optional<NamedGetParams, 'transactionOpaqueData'>;
  catalog_macro_get: Optional<NamedGetParams, 'transactionOpaqueData'>;
  bind: BindRequestInput;
  init: InitRequestInput;
  table_buffering_process: ProcessRequestInput;
  table_buffering_combine: CombineRequestInput;
  table_buffering_destructor: BufferingRequestInput;
  list_protocols: Record<string, never>;
  describe: { readonly protocol: string };
}

/** The request batch's routing and correlation metadata. */
export interface RequestEnvelope {
  /**
   * The protocol version to speak (default vgi.v2): its method table shapes the records,
   * and generation A sends no routing key and its own `protocol_version`.
   */
  readonly wire?: ProtocolSpec;
  /** `vgi_rpc.request_id` (the extension sends 16 hex chars; omit it like the TS client). */
  readonly requestId?: string | null;
  /** `vgi_rpc.protocol_version`; default `2.0.0` for vgi.v2 methods, absent for reflection. */
  readonly protocolVersion?: string | null;
  /** Override the routing key (`null` omits it, as a generation-A client would). */
  readonly protocol?: string | null;
  /** Rows of a parameterless request: 1 (the extension) or 0 (the TS client). Default 1. */
  readonly parameterlessRows?: 0 | 1;
  /** Extra metadata keys (e.g. to test refusals). */
  readonly extra?: Readonly<Record<string, string>>;
}

const NESTED: Partial<{ [M in MethodName]: (input: RequestInputs[M], wire: ProtocolSpec) => Uint8Array }> = {
  catalog_attach: encodeCatalogAttachRequest,
  bind: encodeBindRequest,
  init: encodeInitRequest,
  table_buffering_process: encodeProcessRequest,
  table_buffering_combine: encodeCombineRequest,
  table_buffering_destructor: encodeDestructorRequest,
};

/**
 * The request batch of `method` with its metadata.
 */
export function makeRequestBatch<M extends MethodName>(
  method: M,
  params: RequestInputs[M],
  envelope: RequestEnvelope = {},
): RecordBatch {
  const wire = envelope.wire ?? VGI_V2_PROTOCOL;
  const spec = methodSpec(method, wire);
  const metadata = new Map<string, string>();
  metadata.set(MetadataKey.method, method);
  metadata.set(MetadataKey.requestVersion, REQUEST_FRAMING_VERSION);
  const routingKey = spec.protocol === REFLECTION_PROTOCOL_NAME || wire.generation === 'B' ? spec.protocol : null;
  const protocol = envelope.protocol === undefined ? routingKey : envelope.protocol;
  if (protocol !== null) metadata.set(MetadataKey.protocol, protocol);
  const isReflection = spec.protocol === REFLECTION_PROTOCOL_NAME;
  const defaultVersion = wire === VGI_V2_PROTOCOL ? VGI_PROTOCOL_VERSION : wire.version;
  const version =
    envelope.protocolVersion === undefined ? (isReflection ? null : defaultVersion) : envelope.protocolVersion;
  if (version !== null) metadata.set(MetadataKey.protocolVersion, version);
  if (envelope.requestId) metadata.set(MetadataKey.requestId, envelope.requestId);
  for (const [k, v] of Object.entries(envelope.extra ?? {})) metadata.set(k, v);
  if (spec.params.fields.length === 0) return makeZeroColumnBatch(envelope.parameterlessRows ?? 1, metadata);
  const nested = NESTED[method] as ((input: RequestInputs[M], wire: ProtocolSpec) => Uint8Array) | undefined;
  const flat =
    wire.generation === 'A' ? withSchemaNames(params as Record<string, unknown>) : (params as Record<string, unknown>);
  const row = nested !== undefined ? { request: nested(params, wire) } : toWireRow(spec.params.fields, flat);
  return makeRowsBatch(spec.params, [row], metadata);
}

/** Generation A names a schema where vgi.v2 sends its path (`name` / `schema_name`). */
function withSchemaNames(params: Record<string, unknown>): Record<string, unknown> {
  const out = { ...params };
  if (Array.isArray(params.path) && params.name === undefined) out.name = lastOf(params.path as string[]);
  if (Array.isArray(params.schemaPath)) out.schemaName = lastOf(params.schemaPath as string[]);
  return out;
}

/**
 * A complete request stream (schema, request batch, EOS).
 */
export function encodeRequest<M extends MethodName>(
  method: M,
  params: RequestInputs[M],
  envelope: RequestEnvelope = {},
): Uint8Array {
  return serializeBatch(makeRequestBatch(method, params, envelope));
}

/**
 * A producer tick: 0 rows, 0 columns, optionally carrying `vgi_rpc.cancel = "1"`.
 */
export function makeTickBatch(options: { readonly cancel?: boolean } = {}): RecordBatch {
  return makeZeroColumnBatch(0, options.cancel ? { [MetadataKey.cancel]: '1' } : {});
}

/**
 * An HTTP `/exchange` continuation: the empty schema, one 0-row batch with the tokens.
 */
export function encodeContinuation(
  streamState: string,
  callState: string | null,
  options: { readonly cancel?: boolean } = {},
): Uint8Array {
  const metadata: Record<string, string> = { [MetadataKey.streamState]: streamState };
  if (callState !== null) metadata[MetadataKey.callState] = callState;
  if (options.cancel) metadata[MetadataKey.cancel] = '1';
  return serializeBatch(makeZeroColumnBatch(0, metadata, EMPTY_SCHEMA));
}
