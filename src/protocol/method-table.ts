/**
 * The method table of the hosted protocols: vgi.v2 at protocol version 2.0.0 (vgi-wire §4)
 * and `vgi_rpc.Reflection.v1` (§9). Everything that validates or describes a method —
 * request decoding, response encoding, reflection — reads it from here.
 */
import { type Schema } from 'apache-arrow';
import { EMPTY_SCHEMA, field, schemaOf, wire } from '../arrow';
import {
  ATTACH_ONLY_PARAMS_SCHEMA,
  CATALOG_INFO_SCHEMA,
  SCHEMA_INFO_SCHEMA,
  ATTACH_TRANSACTION_PARAMS_SCHEMA,
  CATALOG_ATTACH_REQUEST_SCHEMA,
  CATALOG_ATTACH_RESULT_SCHEMA,
  CATALOG_VERSION_RESULT_SCHEMA,
  ITEMS_RESULT_SCHEMA,
  PATH_PARAMS_SCHEMA,
  TRANSACTION_BEGIN_RESULT_SCHEMA,
  TRANSACTION_END_PARAMS_SCHEMA,
  TYPED_CONTENTS_PARAMS_SCHEMA,
} from './catalog.schema';
import {
  BIND_REQUEST_SCHEMA,
  BIND_RESPONSE_SCHEMA,
  COMBINE_REQUEST_SCHEMA,
  COMBINE_RESPONSE_SCHEMA,
  DESTRUCTOR_REQUEST_SCHEMA,
  DESTRUCTOR_RESULT_SCHEMA,
  GLOBAL_INIT_RESPONSE_SCHEMA,
  INIT_REQUEST_SCHEMA,
  PROCESS_REQUEST_SCHEMA,
  PROCESS_RESPONSE_SCHEMA,
  REQUEST_PARAMS_SCHEMA,
  RESULT_BINARY_SCHEMA,
} from './lifecycle.schema';
import { FUNCTION_INFO_SCHEMA } from './function-info.schema';
import { DESCRIBE_PARAMS_SCHEMA, PROTOCOL_LIST_SCHEMA, SERVICE_DESCRIPTION_SCHEMA } from './reflection.schema';
import { REFLECTION_PROTOCOL_NAME, VGI_PROTOCOL_NAME, VGI_PROTOCOL_VERSION } from './wire.constants';

/** Methods of vgi.v2 hosted by a buffering worker. */
export const VGI_METHOD_NAMES = [
  'catalog_catalogs',
  'catalog_attach',
  'catalog_detach',
  'catalog_copy_from_formats',
  'catalog_version',
  'catalog_transaction_begin',
  'catalog_transaction_commit',
  'catalog_transaction_rollback',
  'catalog_schemas',
  'catalog_schema_get',
  'catalog_schema_contents_functions',
  'catalog_schema_contents_tables',
  'catalog_schema_contents_views',
  'catalog_schema_contents_macros',
  'catalog_schema_contents_indexes',
  'catalog_table_get',
  'catalog_view_get',
  'catalog_macro_get',
  'bind',
  'init',
  'table_buffering_process',
  'table_buffering_combine',
  'table_buffering_destructor',
] as const;

/** A vgi.v2 method name. */
export type VgiMethodName = (typeof VGI_METHOD_NAMES)[number];

/** Methods of `vgi_rpc.Reflection.v1`. */
export const REFLECTION_METHOD_NAMES = ['list_protocols', 'describe'] as const;

/** A reflection method name. */
export type ReflectionMethodName = (typeof REFLECTION_METHOD_NAMES)[number];

/** Any hosted method name. */
export type MethodName = VgiMethodName | ReflectionMethodName;

/** Wire contract of one method. */
export interface MethodSpec {
  /** The protocol that owns the method (its routing key). */
  readonly protocol: string;
  readonly name: MethodName;
  /** `unary`, or `stream` (only `init`: header, then a lockstep exchange). */
  readonly kind: 'unary' | 'stream';
  /** The outer request schema (one column per parameter). */
  readonly params: Schema;
  /** The nested record inside `request: binary!`, when the params are wrapped. */
  readonly request: Schema | null;
  /** The nested result record inside `result: binary!`; `null` for void results and streams. */
  readonly result: Schema | null;
  /** The header schema of a stream method. */
  readonly header: Schema | null;
  /** The record schema of each `items` element, for listings. */
  readonly item: Schema | null;
}

/** One hosted protocol. */
export interface ProtocolSpec {
  readonly name: string;
  /** `''` for protocols without a version gate (reflection). */
  readonly version: string;
  readonly methods: ReadonlyMap<string, MethodSpec>;
}

type SpecFields = Pick<MethodSpec, 'params'> & Partial<Omit<MethodSpec, 'params' | 'protocol' | 'name'>>;

function spec(protocol: string, name: MethodName, s: SpecFields): MethodSpec {
  return { protocol, name, kind: 'unary', request: null, result: null, header: null, item: null, ...s };
}

const v2 = (name: VgiMethodName, s: SpecFields): MethodSpec => spec(VGI_PROTOCOL_NAME, name, s);
const listing = (params: Schema, item: Schema | null = null): SpecFields => ({ params, result: ITEMS_RESULT_SCHEMA, item });

/** `catalog_table_get` params (reference SDK). */
const TABLE_GET_PARAMS = schemaOf([
  field('attach_opaque_data', wire.binary(), false),
  field('schema_path', wire.list(wire.utf8()), false),
  field('name', wire.utf8(), false),
  field('at_unit', wire.utf8(), true),
  field('at_value', wire.utf8(), true),
  field('transaction_opaque_data', wire.binary(), true),
]);

/** `catalog_view_get` / `catalog_macro_get` params (reference SDK). */
const NAMED_GET_PARAMS = schemaOf([
  field('attach_opaque_data', wire.binary(), false),
  field('schema_path', wire.list(wire.utf8()), false),
  field('name', wire.utf8(), false),
  field('transaction_opaque_data', wire.binary(), true),
]);

const items = { catalogInfo: CATALOG_INFO_SCHEMA, schemaInfo: SCHEMA_INFO_SCHEMA, functionInfo: FUNCTION_INFO_SCHEMA };

function vgiMethods(): MethodSpec[] {
  return [
    v2('catalog_catalogs', listing(EMPTY_SCHEMA, items.catalogInfo)),
    v2('catalog_attach', { params: REQUEST_PARAMS_SCHEMA, request: CATALOG_ATTACH_REQUEST_SCHEMA, result: CATALOG_ATTACH_RESULT_SCHEMA }),
    v2('catalog_detach', { params: ATTACH_ONLY_PARAMS_SCHEMA }),
    v2('catalog_copy_from_formats', listing(ATTACH_TRANSACTION_PARAMS_SCHEMA)),
    v2('catalog_version', { params: ATTACH_TRANSACTION_PARAMS_SCHEMA, result: CATALOG_VERSION_RESULT_SCHEMA }),
    v2('catalog_transaction_begin', { params: ATTACH_ONLY_PARAMS_SCHEMA, result: TRANSACTION_BEGIN_RESULT_SCHEMA }),
    v2('catalog_transaction_commit', { params: TRANSACTION_END_PARAMS_SCHEMA }),
    v2('catalog_transaction_rollback', { params: TRANSACTION_END_PARAMS_SCHEMA }),
    v2('catalog_schemas', listing(ATTACH_TRANSACTION_PARAMS_SCHEMA, items.schemaInfo)),
    v2('catalog_schema_get', listing(PATH_PARAMS_SCHEMA, items.schemaInfo)),
    v2('catalog_schema_contents_functions', listing(TYPED_CONTENTS_PARAMS_SCHEMA, items.functionInfo)),
    v2('catalog_schema_contents_tables', listing(PATH_PARAMS_SCHEMA)),
    v2('catalog_schema_contents_views', listing(PATH_PARAMS_SCHEMA)),
    v2('catalog_schema_contents_macros', listing(TYPED_CONTENTS_PARAMS_SCHEMA)),
    v2('catalog_schema_contents_indexes', listing(PATH_PARAMS_SCHEMA)),
    v2('catalog_table_get', listing(TABLE_GET_PARAMS)),
    v2('catalog_view_get', listing(NAMED_GET_PARAMS)),
    v2('catalog_macro_get', listing(NAMED_GET_PARAMS)),
    v2('bind', { params: REQUEST_PARAMS_SCHEMA, request: BIND_REQUEST_SCHEMA, result: BIND_RESPONSE_SCHEMA }),
    v2('init', { params: REQUEST_PARAMS_SCHEMA, request: INIT_REQUEST_SCHEMA, kind: 'stream', header: GLOBAL_INIT_RESPONSE_SCHEMA }),
    v2('table_buffering_process', { params: REQUEST_PARAMS_SCHEMA, request: PROCESS_REQUEST_SCHEMA, result: PROCESS_RESPONSE_SCHEMA }),
    v2('table_buffering_combine', { params: REQUEST_PARAMS_SCHEMA, request: COMBINE_REQUEST_SCHEMA, result: COMBINE_RESPONSE_SCHEMA }),
    v2('table_buffering_destructor', {
      params: REQUEST_PARAMS_SCHEMA,
      request: DESTRUCTOR_REQUEST_SCHEMA,
      result: DESTRUCTOR_RESULT_SCHEMA,
    }),
  ];
}

function reflectionMethods(): MethodSpec[] {
  return [
    spec(REFLECTION_PROTOCOL_NAME, 'list_protocols', { params: EMPTY_SCHEMA, result: PROTOCOL_LIST_SCHEMA }),
    spec(REFLECTION_PROTOCOL_NAME, 'describe', { params: DESCRIBE_PARAMS_SCHEMA, result: SERVICE_DESCRIPTION_SCHEMA }),
  ];
}

/**
 * The outer result schema a method's responses (result, logs, errors) are written on:
 * `result: binary!` for record results, the empty schema for void results and streams.
 *
 * @example
 * ```ts
 * outerResultSchema(methodSpec('bind')); // result: binary!
 * ```
 */
export function outerResultSchema(method: MethodSpec): Schema {
  return method.kind === 'unary' && method.result !== null ? RESULT_BINARY_SCHEMA : EMPTY_SCHEMA;
}

const byName = (methods: MethodSpec[]): ReadonlyMap<string, MethodSpec> => new Map(methods.map((m) => [m.name, m]));

/** vgi.v2 at protocol version 2.0.0. */
export const VGI_V2_PROTOCOL: ProtocolSpec = { name: VGI_PROTOCOL_NAME, version: VGI_PROTOCOL_VERSION, methods: byName(vgiMethods()) };

/** `vgi_rpc.Reflection.v1` (no version gate). */
export const REFLECTION_PROTOCOL: ProtocolSpec = { name: REFLECTION_PROTOCOL_NAME, version: '', methods: byName(reflectionMethods()) };

/** Every hosted protocol by routing name, application protocol first. */
export const HOSTED_PROTOCOLS: ReadonlyMap<string, ProtocolSpec> = new Map([
  [VGI_V2_PROTOCOL.name, VGI_V2_PROTOCOL],
  [REFLECTION_PROTOCOL.name, REFLECTION_PROTOCOL],
]);

/**
 * The contract of a vgi.v2 or reflection method.
 *
 * @example
 * ```ts
 * methodSpec('init').header; // GlobalInitResponse schema
 * ```
 */
export function methodSpec(name: MethodName): MethodSpec {
  const found = VGI_V2_PROTOCOL.methods.get(name) ?? REFLECTION_PROTOCOL.methods.get(name);
  if (found === undefined) throw new Error(`methodSpec(): unknown method "${name}".`);
  return found;
}
