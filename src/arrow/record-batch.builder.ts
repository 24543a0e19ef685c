/**
 * Builds record batches on an exact schema object, with per-batch (message) custom
 * metadata, and checks the result: `apache-arrow` silently flips a field to nullable when a
 * column's length differs from the batch's, which a strict reader then rejects.
 */
import { Data, makeData, type RecordBatch, type Schema, Struct, Vector } from 'apache-arrow';
import { assertSameArrowCopy } from './arrow-copy';
import { assembleRecordBatch } from './assemble-batch';
import { EMPTY_SCHEMA } from './arrow-types';
import { buildColumn } from './column.builder';
import { ArrowValueError, IpcSchemaMismatchError } from './ipc.error';
import { describeSchemaDifference } from './schema-compare';

/** Batch custom metadata as a Map or a plain object. */
type BatchMetadata = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/** A column given as JS values, or as ready Arrow data. */
type ColumnInput = readonly unknown[] | Data | Vector;

/**
 * A batch of `schema` from columns keyed by field name. Every field must be given.
 */
export function makeRecordBatch(
  schema: Schema,
  columns: Readonly<Record<string, ColumnInput>>,
  options: {
    metadata?: BatchMetadata;
    numRows?: number;
    /** Allow nulls in non-nullable fields (generation-A records flag "none" fields non-null). */
    acceptNulls?: boolean;
  } = {},
): RecordBatch {
  const datas = schema.fields.map((f) => {
    const column = columns[f.name];
    if (column === undefined) {
      throw new ArrowValueError(
        `column "${f.name}"`,
        `is missing; the schema needs [${schema.fields.map((x) => x.name).join(', ')}].`,
      );
    }
    return toData(column, f.type, `column "${f.name}"`);
  });
  const numRows = options.numRows ?? (datas.length > 0 ? datas[0].length : 0);
  datas.forEach((d, i) => {
    const f = schema.fields[i];
    if (d.length !== numRows) {
      throw new ArrowValueError(
        `column "${f.name}"`,
        `has ${d.length} value(s) but the batch has ${numRows} row(s); give every column the same length.`,
      );
    }
    if (!f.nullable && !options.acceptNulls && d.nullCount > 0) {
      throw new ArrowValueError(
        `column "${f.name}"`,
        `is non-nullable (${String(f.type)}) but holds ${d.nullCount} null(s).`,
      );
    }
  });
  const data = makeData({ type: new Struct(schema.fields), length: numRows, nullCount: 0, children: datas });
  const batch = assembleRecordBatch(schema, data, toMetadataMap(options.metadata));
  const drift = describeSchemaDifference(schema, batch.schema);
  if (drift !== null) throw new IpcSchemaMismatchError('makeRecordBatch()', drift);
  return batch;
}

/**
 * A batch of `schema` from row objects.
 */
export function makeRowsBatch(
  schema: Schema,
  rows: readonly Readonly<Record<string, unknown>>[],
  metadata?: BatchMetadata,
  options: { readonly acceptNulls?: boolean } = {},
): RecordBatch {
  const columns: Record<string, unknown[]> = {};
  for (const f of schema.fields) columns[f.name] = rows.map((r) => r[f.name]);
  return makeRecordBatch(schema, columns, { metadata, numRows: rows.length, acceptNulls: options.acceptNulls });
}

/**
 * A 0-row batch of `schema` carrying only metadata (log, error and state-token batches).
 */
export function makeEmptyBatch(schema: Schema, metadata?: BatchMetadata): RecordBatch {
  const columns: Record<string, unknown[]> = {};
  for (const f of schema.fields) columns[f.name] = [];
  return makeRecordBatch(schema, columns, { metadata, numRows: 0 });
}

/**
 * A batch with no columns and `numRows` rows (parameterless requests carry 1 row, ticks 0).
 */
export function makeZeroColumnBatch(
  numRows: number,
  metadata?: BatchMetadata,
  schema: Schema = EMPTY_SCHEMA,
): RecordBatch {
  const data = makeData({ type: new Struct([]), length: numRows, nullCount: 0, children: [] });
  return assembleRecordBatch(schema, data, toMetadataMap(metadata));
}

/**
 * The same batch (same data, same schema) with different custom metadata.
 */
export function withBatchMetadata(batch: RecordBatch, metadata: BatchMetadata): RecordBatch {
  return assembleRecordBatch(batch.schema, batch.data, toMetadataMap(metadata));
}

/**
 * Normalises metadata to a fresh `Map`.
 */
function toMetadataMap(metadata?: BatchMetadata): Map<string, string> {
  if (metadata === undefined) return new Map();
  if (metadata instanceof Map) return new Map(metadata);
  return new Map(Object.entries(metadata as Record<string, string>));
}

function toData(column: ColumnInput, type: Schema['fields'][number]['type'], subject: string): Data {
  if (column instanceof Data) return column;
  if (column instanceof Vector) {
    if (column.data.length !== 1) {
      throw new ArrowValueError(
        subject,
        `is a vector of ${column.data.length} chunks; pass a single-chunk vector or plain values.`,
      );
    }
    return column.data[0];
  }
  assertSameArrowCopy(column, Data, subject);
  assertSameArrowCopy(column, Vector, subject);
  return buildColumn(type, column as readonly unknown[], subject);
}
