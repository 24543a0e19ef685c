/**
 * Decoded requests: one typed params object per method, in a union discriminated by `method`.
 */
import { type Schema } from 'apache-arrow';
import { type MethodName, type MethodSpec, type ProtocolSpec } from './method-table';
import { type WireProtocolError } from './protocol.error';
import {
  type AttachParams,
  type BindRequest,
  type CatalogAttachRequest,
  type CombineRequest,
  type DestructorRequest,
  type InitRequest,
  type NamedGetParams,
  type PathParams,
  type ProcessRequest,
  type TypedPathParams,
} from './records.types';

/** Params of `catalog_transaction_commit` / `_rollback`. */
interface TransactionEndParams {
  readonly attachOpaqueData: Uint8Array;
  readonly transactionOpaqueData: Uint8Array;
}

/** The decoded params of every method. */
export interface MethodParams {
  catalog_catalogs: Record<string, never>;
  catalog_attach: CatalogAttachRequest;
  catalog_detach: { readonly attachOpaqueData: Uint8Array };
  catalog_copy_from_formats: AttachParams;
  catalog_version: AttachParams;
  catalog_transaction_begin: { readonly attachOpaqueData: Uint8Array };
  catalog_transaction_commit: TransactionEndParams;
  catalog_transaction_rollback: TransactionEndParams;
  catalog_schemas: AttachParams;
  catalog_schema_get: PathParams;
  catalog_schema_contents_functions: TypedPathParams;
  catalog_schema_contents_tables: PathParams;
  catalog_schema_contents_views: PathParams;
  catalog_schema_contents_macros: TypedPathParams;
  catalog_schema_contents_indexes: PathParams;
  catalog_table_get: NamedGetParams;
  catalog_view_get: NamedGetParams;
  catalog_macro_get: NamedGetParams;
  bind: BindRequest;
  init: InitRequest;
  table_buffering_process: ProcessRequest;
  table_buffering_combine: CombineRequest;
  table_buffering_destructor: DestructorRequest;
  list_protocols: Record<string, never>;
  describe: { readonly protocol: string };
}

/** A validated, decoded request of method `M`. */
interface VgiRequest<M extends MethodName = MethodName> {
  /** The protocol that owns the method (`vgi.v2`, `vgi_rpc.Reflection.v1`, or `vgi@1.0` / `vgi@1.3` for generation A). */
  readonly protocol: string;
  /** The protocol version's method table: answers are shaped by it. */
  readonly wire: ProtocolSpec;
  readonly method: M;
  readonly params: MethodParams[M];
  /** Echo it on every response batch when present. */
  readonly requestId: string | null;
  /** The client's `vgi_rpc.protocol_version` (null for reflection calls that omit it). */
  readonly protocolVersion: string | null;
  /** All request batch metadata (e.g. `vgi_rpc.shm_segment_name`, which may be ignored). */
  readonly metadata: ReadonlyMap<string, string>;
  /** The method's wire contract (result schema, header schema, ...). */
  readonly spec: MethodSpec;
}

/** Any decoded request; narrow with `switch (request.method)`. */
export type DecodedRequest = { [M in MethodName]: VgiRequest<M> }[MethodName];

/** A request that must be answered with an error stream (the connection keeps serving). */
export interface RequestRefusal {
  readonly error: WireProtocolError;
  /** The schema the error stream must be written on (vgi-wire §3.2 placement). */
  readonly responseSchema: Schema;
  readonly requestId: string | null;
  /** The method named by the request, when it named one. */
  readonly method: string | null;
  /** Whether the refused call was the `init` stream (the caller may send an input stream next). */
  readonly isStream: boolean;
}

/** The outcome of decoding one request stream. */
export type RequestDecodeResult =
  { readonly ok: true; readonly request: DecodedRequest } | { readonly ok: false; readonly refusal: RequestRefusal };
