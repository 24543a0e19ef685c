/**
 * The method tables of every protocol version a worker serves: vgi.v2 at 2.0.0 (vgi-wire
 * §4), wire generation A at 1.0.0 and 1.3.0 (vgi-wire-gen-a), and `vgi_rpc.Reflection.v1`
 * (§9). One table per version, built from the schemas in which the versions differ.
 * Everything that validates or describes a method — request decoding, response encoding,
 * reflection, the client — reads it from here.
 */
import { type Schema } from 'apache-arrow';
import { type RecordReadOptions } from './record.codec';
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
import {
  BIND_REQUEST_SCHEMA_A10,
  BIND_REQUEST_SCHEMA_A13,
  BIND_RESPONSE_SCHEMA_A,
  CATALOG_ATTACH_REQUEST_SCHEMA_A,
  CATALOG_ATTACH_RESULT_SCHEMA_A10,
  CATALOG_ATTACH_RESULT_SCHEMA_A13,
  CATALOG_INFO_SCHEMA_A,
  COMBINE_REQUEST_SCHEMA_A10,
  COMBINE_REQUEST_SCHEMA_A13,
  DESTRUCTOR_REQUEST_SCHEMA_A10,
  DESTRUCTOR_REQUEST_SCHEMA_A13,
  FUNCTION_INFO_SCHEMA_A10,
  FUNCTION_INFO_SCHEMA_A13,
  INIT_REQUEST_SCHEMA_A10,
  INIT_REQUEST_SCHEMA_A13,
  NAME_PARAMS_SCHEMA_A,
  NAMED_GET_PARAMS_SCHEMA_A,
  PROCESS_REQUEST_SCHEMA_A10,
  PROCESS_REQUEST_SCHEMA_A13,
  SCHEMA_INFO_SCHEMA_A,
  TABLE_GET_PARAMS_SCHEMA_A,
  TYPED_NAME_PARAMS_SCHEMA_A,
} from './generation-a.schema';
import {
  GENERATION_A_VERSIONS,
  REFLECTION_PROTOCOL_NAME,
  VGI_PROTOCOL_NAME,
  VGI_PROTOCOL_VERSION,
} from './wire.constants';

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
type VgiMethodName = (typeof VGI_METHOD_NAMES)[number];

/** Methods of `vgi_rpc.Reflection.v1`. */
export const REFLECTION_METHOD_NAMES = ['list_protocols', 'describe'] as const;

/** A reflection method name. */
type ReflectionMethodName = (typeof REFLECTION_METHOD_NAMES)[number];

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

/** One hosted protocol (vgi.v2, reflection) or one version of wire generation A. */
export interface ProtocolSpec {
  /** The routing name (`vgi.v2`), or a label for a generation-A version (`vgi@1.0`). */
  readonly name: string;
  /** `''` for protocols without a version gate (reflection). */
  readonly version: string;
  /**
   * `B` (vgi.v2, reflection): requests carry the `vgi_rpc.protocol` routing key and HTTP
   * paths a protocol segment. `A` (1.0, 1.3): neither; the version rides on every request.
   */
  readonly generation: 'A' | 'B';
  /**
   * Whether HTTP stream continuations carry the call token (`vgi_rpc.call_state#b64`)
   * beside the state token. The 1.0 extension never sends nor reads it.
   */
  readonly callToken: boolean;
  readonly methods: ReadonlyMap<string, MethodSpec>;
}

type SpecFields = Pick<MethodSpec, 'params'> & Partial<Omit<MethodSpec, 'params' | 'protocol' | 'name'>>;

function spec(protocol: string, name: MethodName, s: SpecFields): MethodSpec {
  return { protocol, name, kind: 'unary', request: null, result: null, header: null, item: null, ...s };
}

const listing = (params: Schema, item: Schema | null = null): SpecFields => ({
  params,
  result: ITEMS_RESULT_SCHEMA,
  item,
});

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

/** The schemas in which the protocol versions differ; everything else is shared. */
interface WireShapes {
  readonly catalogInfo: Schema;
  readonly catalogAttachRequest: Schema;
  readonly catalogAttachResult: Schema;
  readonly schemaInfo: Schema;
  readonly functionInfo: Schema;
  readonly bindRequest: Schema;
  readonly bindResponse: Schema;
  readonly initRequest: Schema;
  readonly processRequest: Schema;
  readonly combineRequest: Schema;
  readonly destructorRequest: Schema;
  /** Params naming one schema (`path` in vgi.v2, `name` in generation A). */
  readonly schemaParams: Schema;
  readonly typedSchemaParams: Schema;
  readonly tableGetParams: Schema;
  readonly namedGetParams: Schema;
}

/** vgi.v2 2.0.0 (vgi-wire §4). */
const SHAPES_V2: WireShapes = {
  catalogInfo: CATALOG_INFO_SCHEMA,
  catalogAttachRequest: CATALOG_ATTACH_REQUEST_SCHEMA,
  catalogAttachResult: CATALOG_ATTACH_RESULT_SCHEMA,
  schemaInfo: SCHEMA_INFO_SCHEMA,
  functionInfo: FUNCTION_INFO_SCHEMA,
  bindRequest: BIND_REQUEST_SCHEMA,
  bindResponse: BIND_RESPONSE_SCHEMA,
  initRequest: INIT_REQUEST_SCHEMA,
  processRequest: PROCESS_REQUEST_SCHEMA,
  combineRequest: COMBINE_REQUEST_SCHEMA,
  destructorRequest: DESTRUCTOR_REQUEST_SCHEMA,
  schemaParams: PATH_PARAMS_SCHEMA,
  typedSchemaParams: TYPED_CONTENTS_PARAMS_SCHEMA,
  tableGetParams: TABLE_GET_PARAMS,
  namedGetParams: NAMED_GET_PARAMS,
};

/** Generation A at 1.0.0 (vgi-wire-gen-a §3–§4): the `vgi` extension users install from npm. */
const SHAPES_A10: WireShapes = {
  catalogInfo: CATALOG_INFO_SCHEMA_A,
  catalogAttachRequest: CATALOG_ATTACH_REQUEST_SCHEMA_A,
  catalogAttachResult: CATALOG_ATTACH_RESULT_SCHEMA_A10,
  schemaInfo: SCHEMA_INFO_SCHEMA_A,
  functionInfo: FUNCTION_INFO_SCHEMA_A10,
  bindRequest: BIND_REQUEST_SCHEMA_A10,
  bindResponse: BIND_RESPONSE_SCHEMA_A,
  initRequest: INIT_REQUEST_SCHEMA_A10,
  processRequest: PROCESS_REQUEST_SCHEMA_A10,
  combineRequest: COMBINE_REQUEST_SCHEMA_A10,
  destructorRequest: DESTRUCTOR_REQUEST_SCHEMA_A10,
  schemaParams: NAME_PARAMS_SCHEMA_A,
  typedSchemaParams: TYPED_NAME_PARAMS_SCHEMA_A,
  tableGetParams: TABLE_GET_PARAMS_SCHEMA_A,
  namedGetParams: NAMED_GET_PARAMS_SCHEMA_A,
};

/** Generation A at 1.3.0 (vgi-wire-gen-a §9): the extension's newest source. */
const SHAPES_A13: WireShapes = {
  ...SHAPES_A10,
  catalogAttachResult: CATALOG_ATTACH_RESULT_SCHEMA_A13,
  functionInfo: FUNCTION_INFO_SCHEMA_A13,
  bindRequest: BIND_REQUEST_SCHEMA_A13,
  initRequest: INIT_REQUEST_SCHEMA_A13,
  processRequest: PROCESS_REQUEST_SCHEMA_A13,
  combineRequest: COMBINE_REQUEST_SCHEMA_A13,
  destructorRequest: DESTRUCTOR_REQUEST_SCHEMA_A13,
};

function vgiMethods(protocol: string, s: WireShapes): MethodSpec[] {
  const m = (name: VgiMethodName, fields: SpecFields): MethodSpec => spec(protocol, name, fields);
  const nested = (request: Schema, result: Schema | null, extra: Partial<SpecFields> = {}): SpecFields => ({
    params: REQUEST_PARAMS_SCHEMA,
    request,
    result,
    ...extra,
  });
  return [
    m('catalog_catalogs', listing(EMPTY_SCHEMA, s.catalogInfo)),
    m('catalog_attach', nested(s.catalogAttachRequest, s.catalogAttachResult)),
    m('catalog_detach', { params: ATTACH_ONLY_PARAMS_SCHEMA }),
    m('catalog_copy_from_formats', listing(ATTACH_TRANSACTION_PARAMS_SCHEMA)),
    m('catalog_version', { params: ATTACH_TRANSACTION_PARAMS_SCHEMA, result: CATALOG_VERSION_RESULT_SCHEMA }),
    m('catalog_transaction_begin', { params: ATTACH_ONLY_PARAMS_SCHEMA, result: TRANSACTION_BEGIN_RESULT_SCHEMA }),
    m('catalog_transaction_commit', { params: TRANSACTION_END_PARAMS_SCHEMA }),
    m('catalog_transaction_rollback', { params: TRANSACTION_END_PARAMS_SCHEMA }),
    m('catalog_schemas', listing(ATTACH_TRANSACTION_PARAMS_SCHEMA, s.schemaInfo)),
    m('catalog_schema_get', listing(s.schemaParams, s.schemaInfo)),
    m('catalog_schema_contents_functions', listing(s.typedSchemaParams, s.functionInfo)),
    m('catalog_schema_contents_tables', listing(s.schemaParams)),
    m('catalog_schema_contents_views', listing(s.schemaParams)),
    m('catalog_schema_contents_macros', listing(s.typedSchemaParams)),
    m('catalog_schema_contents_indexes', listing(s.schemaParams)),
    m('catalog_table_get', listing(s.tableGetParams)),
    m('catalog_view_get', listing(s.namedGetParams)),
    m('catalog_macro_get', listing(s.namedGetParams)),
    m('bind', nested(s.bindRequest, s.bindResponse)),
    m('init', nested(s.initRequest, null, { kind: 'stream', header: GLOBAL_INIT_RESPONSE_SCHEMA })),
    m('table_buffering_process', nested(s.processRequest, PROCESS_RESPONSE_SCHEMA)),
    m('table_buffering_combine', nested(s.combineRequest, COMBINE_RESPONSE_SCHEMA)),
    m('table_buffering_destructor', nested(s.destructorRequest, DESTRUCTOR_RESULT_SCHEMA)),
  ];
}

function reflectionMethods(): MethodSpec[] {
  return [
    spec(REFLECTION_PROTOCOL_NAME, 'list_protocols', { params: EMPTY_SCHEMA, result: PROTOCOL_LIST_SCHEMA }),
    spec(REFLECTION_PROTOCOL_NAME, 'describe', { params: DESCRIBE_PARAMS_SCHEMA, result: SERVICE_DESCRIPTION_SCHEMA }),
  ];
}

/**
 * A nested record schema of `method` in `protocol`: its request, result or listing item.
 */
export function recordSchema(protocol: ProtocolSpec, method: MethodName, part: 'request' | 'result' | 'item'): Schema {
  const schema = methodSpec(method, protocol)[part];
  if (schema === null) throw new Error(`recordSchema(): ${protocol.name} ${method} has no ${part} record.`);
  return schema;
}

/**
 * How a protocol's incoming records are read: generation-A extensions put nulls in fields
 * they flag non-null (and mean "none"), so those are accepted there.
 */
export function readOptionsOf(protocol: ProtocolSpec): RecordReadOptions {
  return { acceptNulls: protocol.generation === 'A' };
}

/**
 * The outer result schema a method's responses (result, logs, errors) are written on:
 * `result: binary!` for record results, the empty schema for void results and streams.
 */
export function outerResultSchema(method: MethodSpec): Schema {
  return method.kind === 'unary' && method.result !== null ? RESULT_BINARY_SCHEMA : EMPTY_SCHEMA;
}

const byName = (methods: MethodSpec[]): ReadonlyMap<string, MethodSpec> => new Map(methods.map((m) => [m.name, m]));

/** vgi.v2 at protocol version 2.0.0. */
export const VGI_V2_PROTOCOL: ProtocolSpec = {
  name: VGI_PROTOCOL_NAME,
  version: VGI_PROTOCOL_VERSION,
  generation: 'B',
  callToken: true,
  methods: byName(vgiMethods(VGI_PROTOCOL_NAME, SHAPES_V2)),
};

/** `vgi_rpc.Reflection.v1` (no version gate). */
const REFLECTION_PROTOCOL: ProtocolSpec = {
  name: REFLECTION_PROTOCOL_NAME,
  version: '',
  generation: 'B',
  callToken: true,
  methods: byName(reflectionMethods()),
};

const generationA = (version: string, shapes: WireShapes, callToken: boolean): ProtocolSpec => {
  const name = `vgi@${version.split('.').slice(0, 2).join('.')}`;
  return { name, version, generation: 'A', callToken, methods: byName(vgiMethods(name, shapes)) };
};

/** Wire generation A at 1.0.0: the `vgi` extension on npm and vgi-python 0.8.0. */
export const VGI_A10_PROTOCOL: ProtocolSpec = generationA(GENERATION_A_VERSIONS[0], SHAPES_A10, false);

/** Wire generation A at 1.3.0: the extension's newest source (it echoes a call token when sent one). */
export const VGI_A13_PROTOCOL: ProtocolSpec = generationA(GENERATION_A_VERSIONS[1], SHAPES_A13, true);

/** The generation-A versions served, oldest first. */
export const GENERATION_A_PROTOCOLS: readonly ProtocolSpec[] = [VGI_A10_PROTOCOL, VGI_A13_PROTOCOL];

/** Every application protocol version this worker serves, newest first: what a client may ask for. */
export const APPLICATION_PROTOCOLS: readonly ProtocolSpec[] = [VGI_V2_PROTOCOL, VGI_A13_PROTOCOL, VGI_A10_PROTOCOL];

/** Every hosted protocol by routing name, application protocol first. */
export const HOSTED_PROTOCOLS: ReadonlyMap<string, ProtocolSpec> = new Map([
  [VGI_V2_PROTOCOL.name, VGI_V2_PROTOCOL],
  [REFLECTION_PROTOCOL.name, REFLECTION_PROTOCOL],
]);

/**
 * The contract of a method in `protocol` (default vgi.v2), or of a reflection method.
 */
export function methodSpec(name: MethodName, protocol: ProtocolSpec = VGI_V2_PROTOCOL): MethodSpec {
  const found = protocol.methods.get(name) ?? REFLECTION_PROTOCOL.methods.get(name);
  if (found === undefined) throw new Error(`methodSpec(): unknown method "${name}".`);
  return found;
}
