/**
 * Record and parameter schemas of wire generation A: protocol 1.0.0 (the `vgi` extension
 * on npm, commit 15fe529) and 1.3.0 (the extension's newest source). Only what differs
 * from vgi.v2 is defined here; everything else is shared with `catalog.schema.ts` and
 * `lifecycle.schema.ts`. Field names, types, nullability and order are the contract: the
 * extension compares every result record with `Schema::Equals`.
 *
 * Several fields are flagged non-null although the extension sends (and expects) null
 * values in them (`CatalogAttachRequest.options`, `BindResponse.opaque_data`): the flag is
 * part of the schema, the value is not checked against it.
 */
import { type Schema } from 'apache-arrow';
import { field, schemaOf, wire } from '../arrow';
import { BIND_REQUEST_SCHEMA, INIT_REQUEST_SCHEMA } from './lifecycle.schema';
import { CATALOG_ATTACH_RESULT_SCHEMA, catalogInfoSchema, schemaInfoSchema } from './catalog.schema';
import { FUNCTION_INFO_SCHEMA } from './function-info.schema';

const attach = () => field('attach_opaque_data', wire.binary(), false);
const transaction = () => field('transaction_opaque_data', wire.binary(), true);
/** Generation A names a schema by its name where vgi.v2 sends a path. */
const schemaNameParam = () => field('name', wire.utf8(), false);
const schemaOfFields = (names: readonly string[], from: Schema): Schema => schemaOf(names.map((n) => pick(from, n)));

function pick(from: Schema, name: string) {
  const found = from.fields.find((f) => f.name === name);
  if (found === undefined) throw new Error(`generation-A schema: vgi.v2 has no field "${name}" to share.`);
  return found;
}

/** CatalogInfo: `releases[].released_at` is non-null (vgi.v2: nullable). */
export const CATALOG_INFO_SCHEMA_A: Schema = catalogInfoSchema({ releasedAtNullable: false });

/** CatalogAttachRequest: 4 fields, `options` flagged non-null but null without ATTACH options. */
export const CATALOG_ATTACH_REQUEST_SCHEMA_A: Schema = schemaOf([
  field('name', wire.utf8(), false),
  field('options', wire.binary(), false),
  field('data_version_spec', wire.utf8(), true),
  field('implementation_version', wire.utf8(), true),
]);

/** CatalogAttachResult at 1.0: 14 fields (no attach catalogs, no global functions). */
export const CATALOG_ATTACH_RESULT_SCHEMA_A10: Schema = schemaOfFields(
  [
    'attach_opaque_data',
    'supports_transactions',
    'supports_time_travel',
    'catalog_version_frozen',
    'catalog_version',
    'attach_opaque_data_required',
    'default_schema',
    'settings',
    'secret_types',
    'comment',
    'tags',
    'supports_column_statistics',
    'resolved_data_version',
    'resolved_implementation_version',
  ],
  CATALOG_ATTACH_RESULT_SCHEMA,
);

/** CatalogAttachResult at 1.3: the 17 fields of vgi.v2, in the same order. */
export const CATALOG_ATTACH_RESULT_SCHEMA_A13: Schema = CATALOG_ATTACH_RESULT_SCHEMA;

/** SchemaInfo: the schema's `name` where vgi.v2 has `path`. */
export const SCHEMA_INFO_SCHEMA_A: Schema = schemaInfoSchema('name');

const FUNCTION_INFO_FIELDS_A10 = [
  'comment',
  'tags',
  'name',
  'schema_name',
  'function_type',
  'arguments',
  'output_schema',
  'stability',
  'null_handling',
  'description',
  'examples',
  'categories',
  'projection_pushdown',
  'filter_pushdown',
  'sampling_pushdown',
  'late_materialization',
  'supported_expression_filters',
  'order_preservation',
  'max_workers',
  'supports_batch_index',
  'partition_kind',
  'order_dependent',
  'distinct_dependent',
  'supports_window',
  'streaming_partitioned',
  'has_finalize',
  'source_order_dependent',
  'sink_order_dependent',
  'requires_input_batch_index',
  'required_settings',
  'required_secrets',
] as const;

/** The FunctionInfo fields generation A has and vgi.v2 has not, or types differently. */
const FUNCTION_INFO_A_ONLY = schemaOf([
  field('schema_name', wire.utf8(), false),
  field('supported_expression_filters', wire.list(wire.utf8()), false),
  field('max_workers', wire.int32(), false),
]);

function functionInfoA(names: readonly string[]): Schema {
  return schemaOf(
    names.map((n) => FUNCTION_INFO_A_ONLY.fields.find((f) => f.name === n) ?? pick(FUNCTION_INFO_SCHEMA, n)),
  );
}

/** FunctionInfo at 1.0: 31 fields; `schema_name`, `supported_expression_filters`, `max_workers: int32!`. */
export const FUNCTION_INFO_SCHEMA_A10: Schema = functionInfoA(FUNCTION_INFO_FIELDS_A10);

/** FunctionInfo at 1.3: 32 fields, `input_from_args` after `requires_input_batch_index`. */
export const FUNCTION_INFO_SCHEMA_A13: Schema = functionInfoA([
  ...FUNCTION_INFO_FIELDS_A10.slice(0, FUNCTION_INFO_FIELDS_A10.indexOf('requires_input_batch_index') + 1),
  'input_from_args',
  'required_settings',
  'required_secrets',
]);

const BIND_FIELDS_A10 = [
  'function_name',
  'arguments',
  'function_type',
  'input_schema',
  'settings',
  'secrets',
  'attach_opaque_data',
  'transaction_opaque_data',
  'resolved_secrets_provided',
  'at_unit',
  'at_value',
] as const;

/** BindRequest at 1.0: 11 fields; the function is resolved by name alone. */
export const BIND_REQUEST_SCHEMA_A10: Schema = schemaOfFields(BIND_FIELDS_A10, BIND_REQUEST_SCHEMA);

/** BindRequest at 1.3: `schema_name` appended (`copy_from`/`copy_to` follow only when set, never for buffering). */
export const BIND_REQUEST_SCHEMA_A13: Schema = schemaOf([
  ...BIND_REQUEST_SCHEMA_A10.fields,
  field('schema_name', wire.utf8(), true),
]);

/** BindResponse: `opaque_data` flagged non-null (vgi.v2: nullable). */
export const BIND_RESPONSE_SCHEMA_A: Schema = schemaOf([
  field('output_schema', wire.binary(), false),
  field('opaque_data', wire.binary(), false),
  field('lookup_secret_types', wire.list(wire.utf8()), false),
  field('lookup_scopes', wire.list(wire.utf8()), false),
  field('lookup_names', wire.list(wire.utf8()), false),
]);

const INIT_FIELDS_A10 = [
  'bind_call',
  'output_schema',
  'bind_opaque_data',
  'projection_ids',
  'pushdown_filters',
  'join_keys',
  'phase',
  'execution_id',
  'init_opaque_data',
  'order_by_column_name',
  'order_by_direction',
  'order_by_null_order',
  'order_by_limit',
  'tablesample_percentage',
  'tablesample_seed',
  'finalize_state_id',
] as const;

/** InitRequest at 1.0: 16 fields, in generation A's order. */
export const INIT_REQUEST_SCHEMA_A10: Schema = schemaOfFields(INIT_FIELDS_A10, INIT_REQUEST_SCHEMA);

/** InitRequest at 1.3: `substream_id` appended. */
export const INIT_REQUEST_SCHEMA_A13: Schema = schemaOfFields(
  [...INIT_FIELDS_A10, 'substream_id'],
  INIT_REQUEST_SCHEMA,
);

const bufferingCommon = () => [
  field('attach_opaque_data', wire.binary(), true),
  field('transaction_id', wire.binary(), true),
];

/** TableBufferingProcessRequest at 1.0: 6 fields (no schema reference). */
export const PROCESS_REQUEST_SCHEMA_A10: Schema = schemaOf([
  field('function_name', wire.utf8(), false),
  field('execution_id', wire.binary(), false),
  field('input_batch', wire.binary(), false),
  ...bufferingCommon(),
  field('batch_index', wire.int64(), true),
]);

/** TableBufferingCombineRequest at 1.0: 5 fields. */
export const COMBINE_REQUEST_SCHEMA_A10: Schema = schemaOf([
  field('function_name', wire.utf8(), false),
  field('execution_id', wire.binary(), false),
  field('state_ids', wire.list(wire.binary()), false),
  ...bufferingCommon(),
]);

/** TableBufferingDestructorRequest at 1.0: 4 fields. */
export const DESTRUCTOR_REQUEST_SCHEMA_A10: Schema = schemaOf([
  field('function_name', wire.utf8(), false),
  field('execution_id', wire.binary(), false),
  ...bufferingCommon(),
]);

const withSchemaName = (schema: Schema): Schema =>
  schemaOf([...schema.fields, field('schema_name', wire.utf8(), true)]);

/** The buffering requests at 1.3: `schema_name` appended as the last field. */
export const PROCESS_REQUEST_SCHEMA_A13: Schema = withSchemaName(PROCESS_REQUEST_SCHEMA_A10);
export const COMBINE_REQUEST_SCHEMA_A13: Schema = withSchemaName(COMBINE_REQUEST_SCHEMA_A10);
export const DESTRUCTOR_REQUEST_SCHEMA_A13: Schema = withSchemaName(DESTRUCTOR_REQUEST_SCHEMA_A10);

/** Params of `catalog_schema_get` and `catalog_schema_contents_{tables,views,indexes}`. */
export const NAME_PARAMS_SCHEMA_A: Schema = schemaOf([attach(), schemaNameParam(), transaction()]);

/** Params of `catalog_schema_contents_functions` / `_macros`. */
export const TYPED_NAME_PARAMS_SCHEMA_A: Schema = schemaOf([
  attach(),
  schemaNameParam(),
  field('type', wire.dict(), false),
  transaction(),
]);

/** Params of `catalog_table_get`. */
export const TABLE_GET_PARAMS_SCHEMA_A: Schema = schemaOf([
  attach(),
  field('schema_name', wire.utf8(), false),
  field('name', wire.utf8(), false),
  field('at_unit', wire.utf8(), true),
  field('at_value', wire.utf8(), true),
  transaction(),
]);

/** Params of `catalog_view_get` / `catalog_macro_get`. */
export const NAMED_GET_PARAMS_SCHEMA_A: Schema = schemaOf([
  attach(),
  field('schema_name', wire.utf8(), false),
  field('name', wire.utf8(), false),
  transaction(),
]);
