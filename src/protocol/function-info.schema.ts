/**
 * FunctionInfo of vgi.v2 2.0.0 (vgi-wire §4.6): 41 fields, in this order.
 */
import { type Schema } from 'apache-arrow';
import { field, schemaOf, wire } from '../arrow';

const filterFunctionRef = () =>
  wire.list(
    wire.struct([
      field('namespace', wire.utf8(), false),
      field('name', wire.utf8(), false),
      field('version', wire.uint64(), false),
    ]),
  );

/** FunctionInfo, one per `catalog_schema_contents_functions` item. */
export const FUNCTION_INFO_SCHEMA: Schema = schemaOf([
  field('comment', wire.utf8(), true),
  field('tags', wire.map(wire.utf8()), false),
  field('name', wire.utf8(), false),
  field('schema_path', wire.list(wire.utf8()), false),
  field('function_type', wire.dict(), false),
  field('arguments', wire.binary(), false),
  field('output_schema', wire.binary(), false),
  field('parameter_default_values', wire.binary(), true),
  field('stability', wire.dict(), true),
  field('null_handling', wire.dict(), true),
  field('argument_monotonicity', wire.list(wire.utf8()), true),
  field('description', wire.utf8(), false),
  field(
    'examples',
    wire.list(
      wire.struct([
        field('sql', wire.utf8(), false),
        field('description', wire.utf8(), false),
        field('expected_output', wire.utf8(), true),
      ]),
    ),
    false,
  ),
  field('categories', wire.list(wire.utf8()), false),
  field('projection_pushdown', wire.bool(), true),
  field('filter_pushdown', wire.bool(), true),
  field('sampling_pushdown', wire.bool(), true),
  field('late_materialization', wire.bool(), true),
  field('filter_semantic_profiles', wire.list(wire.utf8()), false),
  field('additional_filter_functions', filterFunctionRef(), false),
  field('runtime_filter_algorithms', filterFunctionRef(), false),
  field(
    'filter_evaluation_contexts',
    wire.list(wire.struct([field('profile', wire.utf8(), false), field('provider_fingerprint', wire.utf8(), true)])),
    false,
  ),
  field('order_preservation', wire.dict(), true),
  field('max_workers', wire.int32(), true),
  field('supports_batch_index', wire.bool(), false),
  field('supports_splits', wire.bool(), false),
  field('filters_exactly_applied', wire.bool(), false),
  field('supports_positions', wire.bool(), false),
  field('split_token_ttl_seconds', wire.int64(), true),
  field('partition_kind', wire.dict(), false),
  field('order_dependent', wire.dict(), false),
  field('distinct_dependent', wire.dict(), false),
  field('supports_window', wire.bool(), false),
  field('streaming_partitioned', wire.bool(), false),
  field('has_finalize', wire.bool(), false),
  field('source_order_dependent', wire.bool(), false),
  field('sink_order_dependent', wire.bool(), false),
  field('requires_input_batch_index', wire.bool(), false),
  field('input_from_args', wire.bool(), false),
  field('required_settings', wire.list(wire.utf8()), false),
  field(
    'required_secrets',
    wire.list(
      wire.struct([
        field('secret_type', wire.utf8(), false),
        field('scope', wire.utf8(), true),
        field('secret_name', wire.utf8(), true),
      ]),
    ),
    false,
  ),
]);
