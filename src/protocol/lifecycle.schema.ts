/**
 * Function lifecycle schemas of vgi.v2 2.0.0: bind (§4.8), init (§4.9) and the three
 * buffering methods (§4.10–§4.12), plus the outer `request` / `result` wrappers.
 */
import { type Schema } from 'apache-arrow';
import { EMPTY_SCHEMA, field, schemaOf, wire } from '../arrow';

/** Outer params of every method taking a nested record: `request: binary!`. */
export const REQUEST_PARAMS_SCHEMA: Schema = schemaOf([field('request', wire.binary(), false)]);

/** Outer result of every record-returning unary method: `result: binary!`. */
export const RESULT_BINARY_SCHEMA: Schema = schemaOf([field('result', wire.binary(), false)]);

/** BindRequest (§4.8), 15 fields. */
export const BIND_REQUEST_SCHEMA: Schema = schemaOf([
  field('function_name', wire.utf8(), false),
  field('arguments', wire.binary(), false),
  field('function_type', wire.dict(), false),
  field('input_schema', wire.binary(), true),
  field('settings', wire.binary(), true),
  field('secrets', wire.binary(), true),
  field('attach_opaque_data', wire.binary(), true),
  field('transaction_opaque_data', wire.binary(), true),
  field('resolved_secrets_provided', wire.bool(), false),
  field('at_unit', wire.utf8(), true),
  field('at_value', wire.utf8(), true),
  field(
    'copy_from',
    wire.struct([
      field('format', wire.utf8(), false),
      field('file_path', wire.utf8(), false),
      field('expected_schema', wire.binary(), false),
    ]),
    true,
  ),
  field('copy_to', wire.struct([field('format', wire.utf8(), false), field('file_path', wire.utf8(), false)]), true),
  field('schema_path', wire.list(wire.utf8()), true),
  field('argument_names', wire.list(wire.utf8()), true),
]);

/** BindResponse (§4.8). */
export const BIND_RESPONSE_SCHEMA: Schema = schemaOf([
  field('output_schema', wire.binary(), false),
  field('opaque_data', wire.binary(), true),
  field('lookup_secret_types', wire.list(wire.utf8()), false),
  field('lookup_scopes', wire.list(wire.utf8()), false),
  field('lookup_names', wire.list(wire.utf8()), false),
]);

/** InitRequest (§4.9), 19 fields. */
export const INIT_REQUEST_SCHEMA: Schema = schemaOf([
  field('bind_call', wire.binary(), false),
  field('output_schema', wire.binary(), false),
  field('bind_opaque_data', wire.binary(), true),
  field('projection_ids', wire.list(wire.int64()), true),
  field('pushdown_filters', wire.largeBinary(), true),
  field('join_keys', wire.list(wire.largeBinary()), true),
  field('split_tokens', wire.list(wire.largeBinary()), true),
  field('row_limit', wire.int64(), true),
  field('phase', wire.dict(), true),
  field('finalize_state_id', wire.binary(), true),
  field('execution_id', wire.binary(), true),
  field('init_opaque_data', wire.binary(), true),
  field('substream_id', wire.binary(), true),
  field('order_by_column_name', wire.utf8(), true),
  field('order_by_direction', wire.dict(), true),
  field('order_by_null_order', wire.dict(), true),
  field('order_by_limit', wire.int64(), true),
  field('tablesample_percentage', wire.float64(), true),
  field('tablesample_seed', wire.int64(), true),
]);

/** GlobalInitResponse (§4.9): the `init` header, written as its own IPC stream (not nested). */
export const GLOBAL_INIT_RESPONSE_SCHEMA: Schema = schemaOf([
  field('execution_id', wire.binary(), false),
  field('opaque_data', wire.binary(), true),
  field('max_workers', wire.int64(), false),
]);

/** TableBufferingProcessRequest (§4.10). */
export const PROCESS_REQUEST_SCHEMA: Schema = schemaOf([
  field('function_name', wire.utf8(), false),
  field('execution_id', wire.binary(), false),
  field('input_batch', wire.binary(), false),
  field('attach_opaque_data', wire.binary(), true),
  field('transaction_id', wire.binary(), true),
  field('batch_index', wire.int64(), true),
  field('schema_path', wire.list(wire.utf8()), true),
]);

/** TableBufferingProcessResponse (§4.10). */
export const PROCESS_RESPONSE_SCHEMA: Schema = schemaOf([field('state_id', wire.binary(), false)]);

/** TableBufferingCombineRequest (§4.11). */
export const COMBINE_REQUEST_SCHEMA: Schema = schemaOf([
  field('function_name', wire.utf8(), false),
  field('execution_id', wire.binary(), false),
  field('state_ids', wire.list(wire.binary()), false),
  field('attach_opaque_data', wire.binary(), true),
  field('transaction_id', wire.binary(), true),
  field('schema_path', wire.list(wire.utf8()), true),
]);

/** TableBufferingCombineResponse (§4.11). */
export const COMBINE_RESPONSE_SCHEMA: Schema = schemaOf([field('finalize_state_ids', wire.list(wire.binary()), false)]);

/** TableBufferingDestructorRequest (§4.12). */
export const DESTRUCTOR_REQUEST_SCHEMA: Schema = schemaOf([
  field('function_name', wire.utf8(), false),
  field('execution_id', wire.binary(), false),
  field('attach_opaque_data', wire.binary(), true),
  field('transaction_id', wire.binary(), true),
  field('schema_path', wire.list(wire.utf8()), true),
]);

/** The destructor's result record: an empty schema (§4.12). */
export const DESTRUCTOR_RESULT_SCHEMA: Schema = EMPTY_SCHEMA;
