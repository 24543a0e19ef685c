/**
 * Catalog record and parameter schemas of vgi.v2 2.0.0 (vgi-wire §4.1–§4.5, §4.13).
 * Field names, types, nullability and order are the contract; do not reorder.
 */
import { type Schema } from 'apache-arrow';
import { field, schemaOf, wire } from '../arrow';

const attach = () => field('attach_opaque_data', wire.binary(), false);
const transaction = () => field('transaction_opaque_data', wire.binary(), true);
const path = () => field('path', wire.list(wire.utf8()), false);

/**
 * CatalogInfo with `releases[].released_at` nullable (vgi.v2) or not (generation A).
 */
export function catalogInfoSchema(options: { readonly releasedAtNullable: boolean }): Schema {
  return schemaOf([
    field('name', wire.utf8(), false),
    field('implementation_version', wire.utf8(), true),
    field('data_version_spec', wire.utf8(), true),
    field('attach_option_specs', wire.list(wire.binary()), false),
    field(
      'releases',
      wire.list(
        wire.struct([
          field('version', wire.utf8(), false),
          field('released_at', wire.timestampUs('UTC'), options.releasedAtNullable),
          field('summary', wire.utf8(), false),
          field('notes_url', wire.utf8(), true),
        ]),
      ),
      false,
    ),
    field('source_url', wire.utf8(), true),
  ]);
}

/** CatalogInfo (§4.1), one per `catalog_catalogs` item. */
export const CATALOG_INFO_SCHEMA: Schema = catalogInfoSchema({ releasedAtNullable: true });

/** CatalogAttachRequest (§4.2), nested in `catalog_attach`'s `request`. */
export const CATALOG_ATTACH_REQUEST_SCHEMA: Schema = schemaOf([
  field('name', wire.utf8(), false),
  field('options', wire.binary(), true),
  field('data_version_spec', wire.utf8(), true),
  field('implementation_version', wire.utf8(), true),
  field('client_capabilities', wire.binary(), true),
]);

/** ClientCapabilities (§4.2), nested in `CatalogAttachRequest.client_capabilities`. */
export const CLIENT_CAPABILITIES_SCHEMA: Schema = schemaOf([
  field('engine', wire.utf8(), false),
  field('native_formats', wire.list(wire.utf8()), false),
  field('catalogs', wire.list(wire.utf8()), false),
  field('can_stream', wire.bool(), false),
  field('filter_encodings', wire.list(wire.utf8()), false),
]);

/** CatalogAttachResult (§4.2), 17 fields. */
export const CATALOG_ATTACH_RESULT_SCHEMA: Schema = schemaOf([
  field('attach_opaque_data', wire.binary(), false),
  field('supports_transactions', wire.bool(), false),
  field('supports_time_travel', wire.bool(), false),
  field('catalog_version_frozen', wire.bool(), false),
  field('catalog_version', wire.int64(), false),
  field('attach_opaque_data_required', wire.bool(), false),
  field('default_schema', wire.utf8(), false),
  field('settings', wire.list(wire.binary()), false),
  field('secret_types', wire.list(wire.binary()), false),
  field('attach_catalogs', wire.list(wire.binary()), false),
  field('comment', wire.utf8(), true),
  field('tags', wire.map(wire.utf8()), false),
  field('supports_column_statistics', wire.bool(), false),
  field('global_functions', wire.list(wire.binary()), false),
  field('global_function_prefix', wire.utf8(), false),
  field('resolved_data_version', wire.utf8(), true),
  field('resolved_implementation_version', wire.utf8(), true),
]);

/** Setting spec (§4.2), one per `CatalogAttachResult.settings` item. */
export const SETTING_SPEC_SCHEMA: Schema = schemaOf([
  field('name', wire.utf8(), false),
  field('description', wire.utf8(), false),
  field('type', wire.binary(), false),
  field('default_value', wire.binary(), true),
]);

/** Secret-type spec (§4.2), one per `CatalogAttachResult.secret_types` item. */
export const SECRET_TYPE_SPEC_SCHEMA: Schema = schemaOf([
  field('name', wire.utf8(), false),
  field('description', wire.utf8(), false),
  field('parameters_schema', wire.binary(), false),
]);

/**
 * SchemaInfo naming its schema by `path` (vgi.v2) or by `name` (generation A).
 */
export function schemaInfoSchema(naming: 'path' | 'name'): Schema {
  return schemaOf([
    field('comment', wire.utf8(), true),
    field('tags', wire.map(wire.utf8()), false),
    field('attach_opaque_data', wire.binary(), false),
    naming === 'path' ? field('path', wire.list(wire.utf8()), false) : field('name', wire.utf8(), false),
    field('estimated_object_count', wire.map(wire.int64()), true),
  ]);
}

/** SchemaInfo (§4.5), one per `catalog_schemas` / `catalog_schema_get` item. */
export const SCHEMA_INFO_SCHEMA: Schema = schemaInfoSchema('path');

/** Every listing result record: `items: list<binary>!`, one nested record per item. */
export const ITEMS_RESULT_SCHEMA: Schema = schemaOf([field('items', wire.list(wire.binary()), false)]);

/** `catalog_version` result record. */
export const CATALOG_VERSION_RESULT_SCHEMA: Schema = schemaOf([field('version', wire.int64(), false)]);

/** `catalog_transaction_begin` result record. */
export const TRANSACTION_BEGIN_RESULT_SCHEMA: Schema = schemaOf([
  field('transaction_opaque_data', wire.binary(), true),
]);

/** Params of `catalog_copy_from_formats`, `catalog_version`, `catalog_schemas`. */
export const ATTACH_TRANSACTION_PARAMS_SCHEMA: Schema = schemaOf([attach(), transaction()]);

/** Params of `catalog_transaction_begin` and `catalog_detach`. */
export const ATTACH_ONLY_PARAMS_SCHEMA: Schema = schemaOf([attach()]);

/** Params of `catalog_transaction_commit` / `_rollback`. */
export const TRANSACTION_END_PARAMS_SCHEMA: Schema = schemaOf([
  attach(),
  field('transaction_opaque_data', wire.binary(), false),
]);

/** Params of `catalog_schema_contents_functions` and `_macros`. */
export const TYPED_CONTENTS_PARAMS_SCHEMA: Schema = schemaOf([
  attach(),
  path(),
  field('type', wire.dict(), false),
  transaction(),
]);

/** Params of `catalog_schema_contents_tables` / `_views` / `_indexes` and `catalog_schema_get`. */
export const PATH_PARAMS_SCHEMA: Schema = schemaOf([attach(), path(), transaction()]);
