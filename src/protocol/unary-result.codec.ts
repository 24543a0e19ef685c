/**
 * The nested result record of every unary method (inside `result: binary!`), both ways:
 * the worker encodes from plain objects, the client decodes into them.
 */
import { type BindResponseInput, decodeBindResponse, encodeBindResponse } from './bind.codec';
import { encodeCombineResponse, encodeProcessResponse } from './buffering.codec';
import {
  type CatalogAttachResultInput,
  type CatalogInfoInput,
  decodeCatalogAttachResult,
  decodeCatalogInfo,
  decodeSchemaInfo,
  encodeCatalogAttachResult,
  encodeCatalogInfo,
  encodeSchemaInfo,
  type SchemaInfoInput,
} from './catalog.codec';
import { CATALOG_VERSION_RESULT_SCHEMA, ITEMS_RESULT_SCHEMA, TRANSACTION_BEGIN_RESULT_SCHEMA } from './catalog.schema';
import {
  decodeFunctionInfo,
  encodeFunctionInfo,
  type FunctionDescriptor,
  type FunctionInfo,
} from './function-info.codec';
import { COMBINE_RESPONSE_SCHEMA, DESTRUCTOR_RESULT_SCHEMA, PROCESS_RESPONSE_SCHEMA } from './lifecycle.schema';
import { type MethodName, type MethodSpec, methodSpec, type ProtocolSpec, VGI_V2_PROTOCOL } from './method-table';
import { decodeRecord, encodeRecord } from './record.codec';
import { type BindResponse, type CatalogAttachResult, type CatalogInfo, type SchemaInfo } from './records.types';
import {
  decodeProtocolList,
  decodeServiceDescription,
  encodeProtocolList,
  encodeServiceDescription,
  type ProtocolList,
  type ServiceDescription,
} from './reflection.codec';
import { toBigInt } from './values';

/** Items already encoded as nested records pass through unchanged. */
type Items<T> = readonly (T | Uint8Array)[];

/** What a worker hands the encoder as each unary method's result. */
export interface ResultInputs {
  catalog_catalogs: Items<CatalogInfoInput>;
  catalog_attach: CatalogAttachResultInput;
  catalog_detach: void;
  /** Custom COPY FROM formats: always `[]` for a buffering worker. */
  catalog_copy_from_formats: readonly Uint8Array[];
  catalog_version: bigint | number;
  catalog_transaction_begin: Uint8Array | null;
  catalog_transaction_commit: void;
  catalog_transaction_rollback: void;
  catalog_schemas: Items<SchemaInfoInput>;
  catalog_schema_get: Items<SchemaInfoInput>;
  catalog_schema_contents_functions: Items<FunctionDescriptor>;
  catalog_schema_contents_tables: readonly Uint8Array[];
  catalog_schema_contents_views: readonly Uint8Array[];
  catalog_schema_contents_macros: readonly Uint8Array[];
  catalog_schema_contents_indexes: readonly Uint8Array[];
  catalog_table_get: readonly Uint8Array[];
  catalog_view_get: readonly Uint8Array[];
  catalog_macro_get: readonly Uint8Array[];
  bind: BindResponseInput;
  init: never;
  /** The `state_id`. */
  table_buffering_process: Uint8Array;
  /** The `finalize_state_ids`. */
  table_buffering_combine: readonly Uint8Array[];
  table_buffering_destructor: void;
  list_protocols: { readonly serverId: string; readonly serverVersion: string };
  /** The protocol name to describe. */
  describe: string;
}

/** What the client gets back from each unary method. */
export interface ResultOutputs {
  catalog_catalogs: CatalogInfo[];
  catalog_attach: CatalogAttachResult;
  catalog_detach: void;
  catalog_copy_from_formats: Uint8Array[];
  catalog_version: bigint;
  catalog_transaction_begin: Uint8Array | null;
  catalog_transaction_commit: void;
  catalog_transaction_rollback: void;
  catalog_schemas: SchemaInfo[];
  catalog_schema_get: SchemaInfo[];
  catalog_schema_contents_functions: FunctionInfo[];
  catalog_schema_contents_tables: Uint8Array[];
  catalog_schema_contents_views: Uint8Array[];
  catalog_schema_contents_macros: Uint8Array[];
  catalog_schema_contents_indexes: Uint8Array[];
  catalog_table_get: Uint8Array[];
  catalog_view_get: Uint8Array[];
  catalog_macro_get: Uint8Array[];
  bind: BindResponse;
  init: never;
  table_buffering_process: Uint8Array;
  table_buffering_combine: Uint8Array[];
  table_buffering_destructor: void;
  list_protocols: ProtocolList;
  describe: ServiceDescription;
}

function items<T>(list: Items<T>, encode: (item: T) => Uint8Array): Uint8Array {
  return encodeRecord(
    ITEMS_RESULT_SCHEMA,
    { items: list.map((i) => (i instanceof Uint8Array ? i : encode(i))) },
    'items result',
  );
}

const raw = (list: readonly Uint8Array[]): Uint8Array => items(list, (i) => i);

/** Each method's encoder, given the method's contract in the protocol version answered. */
type Encoders = { [M in MethodName]: (value: ResultInputs[M], spec: MethodSpec) => Uint8Array | null };

const ENCODERS: Encoders = {
  catalog_catalogs: (v, s) => items(v, (i) => encodeCatalogInfo(i, s.item!)),
  catalog_attach: (v, s) => encodeCatalogAttachResult(v, s.result!),
  catalog_detach: () => null,
  catalog_copy_from_formats: raw,
  catalog_version: (v) =>
    encodeRecord(CATALOG_VERSION_RESULT_SCHEMA, { version: toBigInt(v) }, 'catalog_version result'),
  catalog_transaction_begin: (v) =>
    encodeRecord(TRANSACTION_BEGIN_RESULT_SCHEMA, { transactionOpaqueData: v }, 'catalog_transaction_begin result'),
  catalog_transaction_commit: () => null,
  catalog_transaction_rollback: () => null,
  catalog_schemas: (v, s) => items(v, (i) => encodeSchemaInfo(i, s.item!)),
  catalog_schema_get: (v, s) => items(v, (i) => encodeSchemaInfo(i, s.item!)),
  catalog_schema_contents_functions: (v, s) => items(v, (i) => encodeFunctionInfo(i, s.item!)),
  catalog_schema_contents_tables: raw,
  catalog_schema_contents_views: raw,
  catalog_schema_contents_macros: raw,
  catalog_schema_contents_indexes: raw,
  catalog_table_get: raw,
  catalog_view_get: raw,
  catalog_macro_get: raw,
  bind: (v, s) => encodeBindResponse(v, s.result!),
  init: () => {
    throw new Error(
      "'init' is a stream: write its header with encodeInitHeader() and its output with OutputStreamEncoder.",
    );
  },
  table_buffering_process: encodeProcessResponse,
  table_buffering_combine: encodeCombineResponse,
  table_buffering_destructor: () => encodeRecord(DESTRUCTOR_RESULT_SCHEMA, {}, 'table_buffering_destructor result'),
  list_protocols: encodeProtocolList,
  describe: encodeServiceDescription,
};

/**
 * The nested result record bytes of a unary method, or `null` for a void method.
 */
export function encodeResultRecord<M extends MethodName>(
  method: M,
  value: ResultInputs[M],
  protocol: ProtocolSpec = VGI_V2_PROTOCOL,
): Uint8Array | null {
  return (ENCODERS[method] as (v: ResultInputs[M], s: MethodSpec) => Uint8Array | null)(
    value,
    methodSpec(method, protocol),
  );
}

function decodeItems<T>(bytes: Uint8Array, decode: (item: Uint8Array) => T): T[] {
  const rec = decodeRecord(bytes, ITEMS_RESULT_SCHEMA, 'items result');
  return (rec.items as (Uint8Array | null)[]).filter((i): i is Uint8Array => i !== null).map(decode);
}

const rawItems = (bytes: Uint8Array): Uint8Array[] => decodeItems(bytes, (i) => i);

type Decoders = { [M in MethodName]: (bytes: Uint8Array, spec: MethodSpec) => ResultOutputs[M] };

const DECODERS: Decoders = {
  catalog_catalogs: (b, s) => decodeItems(b, (i) => decodeCatalogInfo(i, s.item!)),
  catalog_attach: (b, s) => decodeCatalogAttachResult(b, s.result!),
  catalog_detach: () => undefined,
  catalog_copy_from_formats: rawItems,
  catalog_version: (b) => decodeRecord(b, CATALOG_VERSION_RESULT_SCHEMA, 'catalog_version result').version as bigint,
  catalog_transaction_begin: (b) =>
    decodeRecord(b, TRANSACTION_BEGIN_RESULT_SCHEMA, 'catalog_transaction_begin result')
      .transactionOpaqueData as Uint8Array | null,
  catalog_transaction_commit: () => undefined,
  catalog_transaction_rollback: () => undefined,
  catalog_schemas: (b, s) => decodeItems(b, (i) => decodeSchemaInfo(i, s.item!)),
  catalog_schema_get: (b, s) => decodeItems(b, (i) => decodeSchemaInfo(i, s.item!)),
  catalog_schema_contents_functions: (b, s) => decodeItems(b, (i) => decodeFunctionInfo(i, s.item!)),
  catalog_schema_contents_tables: rawItems,
  catalog_schema_contents_views: rawItems,
  catalog_schema_contents_macros: rawItems,
  catalog_schema_contents_indexes: rawItems,
  catalog_table_get: rawItems,
  catalog_view_get: rawItems,
  catalog_macro_get: rawItems,
  bind: (b, s) => decodeBindResponse(b, s.result!),
  init: () => {
    throw new Error("'init' is a stream: read its header with decodeInitHeader().");
  },
  table_buffering_process: (b) =>
    decodeRecord(b, PROCESS_RESPONSE_SCHEMA, 'TableBufferingProcessResponse').stateId as Uint8Array,
  table_buffering_combine: (b) =>
    decodeRecord(b, COMBINE_RESPONSE_SCHEMA, 'TableBufferingCombineResponse').finalizeStateIds as Uint8Array[],
  table_buffering_destructor: (b) => {
    decodeRecord(b, DESTRUCTOR_RESULT_SCHEMA, 'table_buffering_destructor result');
  },
  list_protocols: decodeProtocolList,
  describe: decodeServiceDescription,
};

/**
 * Decodes the nested result record of a unary method (client side); `bytes` is `null` for void methods.
 */
export function decodeResultRecord<M extends MethodName>(
  method: M,
  bytes: Uint8Array | null,
  protocol: ProtocolSpec = VGI_V2_PROTOCOL,
): ResultOutputs[M] {
  if (bytes === null) return undefined as ResultOutputs[M];
  return (DECODERS[method] as (b: Uint8Array, s: MethodSpec) => ResultOutputs[M])(bytes, methodSpec(method, protocol));
}
