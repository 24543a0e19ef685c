/**
 * Schemas of the reflection protocol `vgi_rpc.Reflection.v1` (vgi-wire §9).
 */
import { type Field, type Schema } from 'apache-arrow';
import { field, schemaOf, wire } from '../arrow';

const summaryFields = (): Field[] => [
  field('protocol', wire.utf8(), false),
  field('protocol_version', wire.utf8(), false),
  field('protocol_hash', wire.utf8(), false),
  field('deprecated', wire.bool(), false),
  field('deprecation_message', wire.utf8(), false),
  field('features', wire.list(wire.utf8()), false),
];

/** `describe` params: `protocol: utf8!`. */
export const DESCRIBE_PARAMS_SCHEMA: Schema = schemaOf([field('protocol', wire.utf8(), false)]);

/** `list_protocols` result record. */
export const PROTOCOL_LIST_SCHEMA: Schema = schemaOf([
  field('server_id', wire.utf8(), false),
  field('server_version', wire.utf8(), false),
  field('request_version', wire.utf8(), false),
  field('protocols', wire.list(wire.struct(summaryFields())), false),
]);

/** `describe` result record. */
export const SERVICE_DESCRIPTION_SCHEMA: Schema = schemaOf([
  ...summaryFields(),
  field(
    'methods',
    wire.list(
      wire.struct([
        field('name', wire.utf8(), false),
        field('method_type', wire.utf8(), false),
        field('has_return', wire.bool(), false),
        field('has_header', wire.bool(), false),
        field('stream_kind', wire.utf8(), false),
        field('params_schema_ipc', wire.binary(), false),
        field('result_schema_ipc', wire.binary(), false),
        field('header_schema_ipc', wire.binary(), false),
        field('idempotency', wire.utf8(), false),
        field('deprecated', wire.bool(), false),
        field('deprecation_message', wire.utf8(), false),
      ]),
    ),
    false,
  ),
]);
