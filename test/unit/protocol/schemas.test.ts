import { Dictionary, Field, Int32, List, Schema, Utf8 } from 'apache-arrow';
import {
  ATTACH_ONLY_PARAMS_SCHEMA,
  ATTACH_TRANSACTION_PARAMS_SCHEMA,
  BIND_REQUEST_SCHEMA,
  BIND_RESPONSE_SCHEMA,
  CATALOG_ATTACH_REQUEST_SCHEMA,
  CATALOG_ATTACH_RESULT_SCHEMA,
  CATALOG_INFO_SCHEMA,
  CLIENT_CAPABILITIES_SCHEMA,
  COMBINE_REQUEST_SCHEMA,
  COMBINE_RESPONSE_SCHEMA,
  DESTRUCTOR_REQUEST_SCHEMA,
  DESTRUCTOR_RESULT_SCHEMA,
  FUNCTION_INFO_SCHEMA,
  GLOBAL_INIT_RESPONSE_SCHEMA,
  INIT_REQUEST_SCHEMA,
  ITEMS_RESULT_SCHEMA,
  methodSpec,
  PATH_PARAMS_SCHEMA,
  PROCESS_REQUEST_SCHEMA,
  PROCESS_RESPONSE_SCHEMA,
  PROTOCOL_LIST_SCHEMA,
  REQUEST_PARAMS_SCHEMA,
  RESULT_BINARY_SCHEMA,
  SCHEMA_INFO_SCHEMA,
  SECRET_TYPE_SPEC_SCHEMA,
  SERVICE_DESCRIPTION_SCHEMA,
  SETTING_SPEC_SCHEMA,
  TRANSACTION_END_PARAMS_SCHEMA,
  TYPED_CONTENTS_PARAMS_SCHEMA,
  VGI_METHOD_NAMES,
} from '../../../src/protocol';
import { renderWireSchema, specLines } from './schema-notation';
import { ATTACH_RESULT_SPEC, CATALOG_INFO_SPEC, FUNCTION_INFO_SPEC, SCHEMA_INFO_SPEC } from './spec-tables';

/** The tables of vgi-wire.md §4 and §9, in its own notation. */
const SPEC: [string, Schema, string][] = [
  ['CatalogInfo (§4.1)', CATALOG_INFO_SCHEMA, CATALOG_INFO_SPEC],
  [
    'CatalogAttachRequest (§4.2)',
    CATALOG_ATTACH_REQUEST_SCHEMA,
    `
    name: utf8!
    options: binary?
    data_version_spec: utf8?
    implementation_version: utf8?
    client_capabilities: binary?`,
  ],
  [
    'ClientCapabilities (§4.2)',
    CLIENT_CAPABILITIES_SCHEMA,
    `
    engine: utf8!
    native_formats: list<utf8>!
    catalogs: list<utf8>!
    can_stream: bool!
    filter_encodings: list<utf8>!`,
  ],
  ['CatalogAttachResult (§4.2)', CATALOG_ATTACH_RESULT_SCHEMA, ATTACH_RESULT_SPEC],
  [
    'setting spec (§4.2)',
    SETTING_SPEC_SCHEMA,
    'name: utf8!\n description: utf8!\n type: binary!\n default_value: binary?',
  ],
  ['secret-type spec (§4.2)', SECRET_TYPE_SPEC_SCHEMA, 'name: utf8!\n description: utf8!\n parameters_schema: binary!'],
  [
    'catalog_copy_from_formats / catalog_version / catalog_schemas params (§4.3–§4.5)',
    ATTACH_TRANSACTION_PARAMS_SCHEMA,
    `
    attach_opaque_data: binary!
    transaction_opaque_data: binary?`,
  ],
  ['catalog_transaction_begin params (§4.4)', ATTACH_ONLY_PARAMS_SCHEMA, 'attach_opaque_data: binary!'],
  [
    'catalog_transaction_commit / _rollback params (§4.4)',
    TRANSACTION_END_PARAMS_SCHEMA,
    `
    attach_opaque_data: binary!
    transaction_opaque_data: binary!`,
  ],
  ['SchemaInfo (§4.5)', SCHEMA_INFO_SCHEMA, SCHEMA_INFO_SPEC],
  [
    'catalog_schema_contents_functions params (§4.6)',
    TYPED_CONTENTS_PARAMS_SCHEMA,
    `
    attach_opaque_data: binary!
    path: list<utf8>!
    type: dict!
    transaction_opaque_data: binary?`,
  ],
  ['FunctionInfo (§4.6)', FUNCTION_INFO_SCHEMA, FUNCTION_INFO_SPEC],
  [
    'BindRequest (§4.8)',
    BIND_REQUEST_SCHEMA,
    `
    function_name: utf8!
    arguments: binary!
    function_type: dict!
    input_schema: binary?
    settings: binary?
    secrets: binary?
    attach_opaque_data: binary?
    transaction_opaque_data: binary?
    resolved_secrets_provided: bool!
    at_unit: utf8?
    at_value: utf8?
    copy_from: struct<format: utf8!, file_path: utf8!, expected_schema: binary!>?
    copy_to: struct<format: utf8!, file_path: utf8!>?
    schema_path: list<utf8>?
    argument_names: list<utf8>?`,
  ],
  [
    'BindResponse (§4.8)',
    BIND_RESPONSE_SCHEMA,
    `
    output_schema: binary!
    opaque_data: binary?
    lookup_secret_types: list<utf8>!
    lookup_scopes: list<utf8>!
    lookup_names: list<utf8>!`,
  ],
  [
    'InitRequest (§4.9)',
    INIT_REQUEST_SCHEMA,
    `
    bind_call: binary!
    output_schema: binary!
    bind_opaque_data: binary?
    projection_ids: list<int64>?
    pushdown_filters: large_binary?
    join_keys: list<large_binary>?
    split_tokens: list<large_binary>?
    row_limit: int64?
    phase: dict?
    finalize_state_id: binary?
    execution_id: binary?
    init_opaque_data: binary?
    substream_id: binary?
    order_by_column_name: utf8?
    order_by_direction: dict?
    order_by_null_order: dict?
    order_by_limit: int64?
    tablesample_percentage: float64?
    tablesample_seed: int64?`,
  ],
  [
    'GlobalInitResponse (§4.9)',
    GLOBAL_INIT_RESPONSE_SCHEMA,
    `
    execution_id: binary!
    opaque_data: binary?
    max_workers: int64!`,
  ],
  [
    'TableBufferingProcessRequest (§4.10)',
    PROCESS_REQUEST_SCHEMA,
    `
    function_name: utf8!
    execution_id: binary!
    input_batch: binary!
    attach_opaque_data: binary?
    transaction_id: binary?
    batch_index: int64?
    schema_path: list<utf8>?`,
  ],
  ['TableBufferingProcessResponse (§4.10)', PROCESS_RESPONSE_SCHEMA, 'state_id: binary!'],
  [
    'TableBufferingCombineRequest (§4.11)',
    COMBINE_REQUEST_SCHEMA,
    `
    function_name: utf8!
    execution_id: binary!
    state_ids: list<binary>!
    attach_opaque_data: binary?
    transaction_id: binary?
    schema_path: list<utf8>?`,
  ],
  ['TableBufferingCombineResponse (§4.11)', COMBINE_RESPONSE_SCHEMA, 'finalize_state_ids: list<binary>!'],
  [
    'TableBufferingDestructorRequest (§4.12)',
    DESTRUCTOR_REQUEST_SCHEMA,
    `
    function_name: utf8!
    execution_id: binary!
    attach_opaque_data: binary?
    transaction_id: binary?
    schema_path: list<utf8>?`,
  ],
  [
    'catalog_schema_contents_tables / _views / _indexes / catalog_schema_get params (§4.13)',
    PATH_PARAMS_SCHEMA,
    `
    attach_opaque_data: binary!
    path: list<utf8>!
    transaction_opaque_data: binary?`,
  ],
  ['record params (§3.4)', REQUEST_PARAMS_SCHEMA, 'request: binary!'],
  ['record result (§3.3)', RESULT_BINARY_SCHEMA, 'result: binary!'],
  ['listing result record (§4.1)', ITEMS_RESULT_SCHEMA, 'items: list<binary>!'],
  [
    'list_protocols result (§9)',
    PROTOCOL_LIST_SCHEMA,
    `
    server_id: utf8!
    server_version: utf8!
    request_version: utf8!
    protocols: list<struct<protocol: utf8!, protocol_version: utf8!, protocol_hash: utf8!, deprecated: bool!, deprecation_message: utf8!, features: list<utf8>!>>!`,
  ],
  [
    'describe result (§9)',
    SERVICE_DESCRIPTION_SCHEMA,
    `
    protocol: utf8!
    protocol_version: utf8!
    protocol_hash: utf8!
    deprecated: bool!
    deprecation_message: utf8!
    features: list<utf8>!
    methods: list<struct<name: utf8!, method_type: utf8!, has_return: bool!, has_header: bool!, stream_kind: utf8!, params_schema_ipc: binary!, result_schema_ipc: binary!, header_schema_ipc: binary!, idempotency: utf8!, deprecated: bool!, deprecation_message: utf8!>>!`,
  ],
];

describe('vgi.v2 2.0.0 schemas', () => {
  it.each(SPEC)('should match the spec for %s, field by field, as it travels on the wire', (_name, schema, spec) => {
    expect(renderWireSchema(schema)).toEqual(specLines(spec));
  });

  it('should have the field counts the extension pins (FunctionInfo 41, CatalogAttachResult 17, InitRequest 19, BindRequest 15)', () => {
    expect(FUNCTION_INFO_SCHEMA.fields).toHaveLength(41);
    expect(CATALOG_ATTACH_RESULT_SCHEMA.fields).toHaveLength(17);
    expect(INIT_REQUEST_SCHEMA.fields).toHaveLength(19);
    expect(BIND_REQUEST_SCHEMA.fields).toHaveLength(15);
  });

  it('should give the destructor an empty result record', () => {
    expect(DESTRUCTOR_RESULT_SCHEMA.fields).toHaveLength(0);
  });

  it('should wrap every record method in request: binary! / result: binary!', () => {
    for (const name of [
      'catalog_attach',
      'bind',
      'init',
      'table_buffering_process',
      'table_buffering_combine',
      'table_buffering_destructor',
    ] as const) {
      expect(renderWireSchema(methodSpec(name).params)).toEqual(['request:binary!']);
    }
    expect(renderWireSchema(methodSpec('catalog_catalogs').params)).toEqual([]);
    expect(renderWireSchema(methodSpec('catalog_schema_contents_macros').params)).toEqual(
      specLines('attach_opaque_data: binary!\npath: list<utf8>!\ntype: dict!\ntransaction_opaque_data: binary?'),
    );
    expect(renderWireSchema(methodSpec('init').header!)).toEqual(
      specLines('execution_id: binary!\nopaque_data: binary?\nmax_workers: int64!'),
    );
  });

  it('should host every method a buffering worker needs (§4.0)', () => {
    expect(VGI_METHOD_NAMES).toEqual(
      expect.arrayContaining([
        'catalog_catalogs',
        'catalog_attach',
        'catalog_copy_from_formats',
        'catalog_version',
        'catalog_schemas',
        'catalog_schema_contents_functions',
        'bind',
        'init',
        'table_buffering_process',
        'table_buffering_combine',
        'table_buffering_destructor',
      ]),
    );
    expect(VGI_METHOD_NAMES).not.toContain('__transport_options__');
  });
});

describe('schema notation used by these tests', () => {
  it('should render a list item that is not nullable, or an int32 enum index, as visibly wrong', () => {
    const bad = new Schema([
      new Field('path', new List(new Field('item', new Utf8(), false)), false),
      new Field('kind', new Dictionary(new Utf8(), new Int32()), false),
    ]);
    expect(renderWireSchema(bad)).toEqual([
      'path:list<BADitem"item"nullable=false>!',
      'kind:dictionary<BADint32,utf8>!',
    ]);
  });
});
