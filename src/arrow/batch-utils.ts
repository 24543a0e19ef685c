import { type Data, type DataType, RecordBatch, Schema, Struct, makeData, vectorFromArray } from 'apache-arrow';
import { assertBatchConsistent } from './batch-guard';
import { readIpcStream, serializeBatch as serializeOne } from './ipc.codec';
import { SiloError, messages } from '../errors';

/**
 * Builds a batch on exactly `schema` (names, types and nullability kept) from a
 * `Data` per field. apache-arrow's object constructor would mark every field nullable.
 */
export function batchFromData(
  schema: Schema,
  children: readonly Data[],
  length?: number,
  metadata?: ReadonlyMap<string, string>,
): RecordBatch {
  const rows = length ?? (children.length > 0 ? children[0].length : 0);
  const data = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: [...children] });
  return new RecordBatch(schema, data, metadata ? new Map(metadata) : undefined);
}

/** A batch with no rows on exactly `schema`. */
export function emptyBatch(schema: Schema): RecordBatch {
  return batchFromData(
    schema,
    schema.fields.map((f) => vectorFromArray([], f.type as DataType).data[0]),
    0,
  );
}

/**
 * Builds a batch on `schema` from JavaScript arrays, one per field, converted with the
 * field's declared type (int64 takes bigint, utf8 takes strings, ...).
 *
 * @example
 * ```ts
 * const schema = new Schema([new Field('n', new Int64(), true)]);
 * out.emit(batchFromColumns(schema, { n: [0n, 1n, 2n] }));
 * ```
 */
export function batchFromColumns(schema: Schema, columns: Readonly<Record<string, readonly unknown[]>>): RecordBatch {
  const lengths = new Set(schema.fields.map((f) => columns[f.name]?.length ?? 0));
  if (lengths.size > 1) throw new SiloError('SILO532', messages.columnLengthsDiffer([...lengths]));
  const children = schema.fields.map((f) => {
    const values = columns[f.name];
    if (!values) throw new SiloError('SILO532', messages.columnValuesMissing(f.name));
    return vectorFromArray(values as unknown[], f.type as DataType).data[0];
  });
  return batchFromData(schema, children, [...lengths][0] ?? 0);
}

/**
 * Writes one batch as a complete Arrow IPC stream (schema + batch + end marker): the
 * usual way to keep a batch in storage. A batch whose columns disagree with its schema
 * is refused (SILO530) rather than stored unreadable.
 *
 * @example
 * ```ts
 * await this.storage.append('buf', '', serializeBatch(batch));
 * ```
 */
export function serializeBatch(batch: RecordBatch): Uint8Array {
  assertBatchConsistent(batch, 'serializeBatch');
  return serializeOne(batch);
}

/**
 * Reads the single batch written by {@link serializeBatch}. Zero-copy where possible.
 *
 * @example
 * ```ts
 * const [entry] = await this.storage.logScan('buf', '', { afterId, limit: 1 });
 * out.emit(deserializeBatch(entry.value));
 * ```
 */
export function deserializeBatch(bytes: Uint8Array): RecordBatch {
  const { schema, batches } = readIpcStream(bytes, 'stored batch');
  if (batches.length === 1) return batches[0];
  if (batches.length === 0) return emptyBatch(schema);
  throw new SiloError('SILO533', messages.notOneBatch(batches.length));
}

/** Reads every batch of an IPC stream. */
export function deserializeBatches(bytes: Uint8Array): RecordBatch[] {
  return readIpcStream(bytes, 'stored batches').batches;
}

/**
 * Joins batches of one schema into a single batch (copying values). Useful in combine,
 * when candidates from many sink calls become one result.
 *
 * @example
 * ```ts
 * const all = concatBatches(ctx.inputSchema, candidates);
 * ```
 */
export function concatBatches(schema: Schema, batches: readonly RecordBatch[]): RecordBatch {
  if (batches.length === 1) return batches[0];
  const total = batches.reduce((n, b) => n + b.numRows, 0);
  const children = schema.fields.map((f, c) => {
    const values: unknown[] = [];
    for (const b of batches) {
      const column = b.getChildAt(c)!;
      for (let i = 0; i < b.numRows; i++) values.push(column.get(i));
    }
    return vectorFromArray(values, f.type as DataType).data[0];
  });
  return batchFromData(schema, children, total);
}

/**
 * Keeps the rows at `indices` (in that order). Builds each column once from the
 * selected values, with the column's own type.
 */
export function takeRows(batch: RecordBatch, indices: readonly number[]): RecordBatch {
  if (indices.length === batch.numRows && indices.every((v, i) => v === i)) return batch;
  const children = batch.schema.fields.map((f, c) => {
    const column = batch.getChildAt(c)!;
    return vectorFromArray(indices.map((i) => column.get(i)) as unknown[], f.type as DataType).data[0];
  });
  return batchFromData(batch.schema, children, indices.length, batch.metadata);
}

/**
 * The columns `names` of a batch, in that order, as a new batch sharing the column data
 * (nothing is copied).
 *
 * Use it instead of apache-arrow's `RecordBatch.select(names)`: in apache-arrow 21 that
 * keeps the leading columns' data under the selected fields when the selected columns
 * are not the leading ones (`select(['city', 'fare'])` of `id, city, fare` labels the
 * `id` data `city`), a batch Silo refuses with SILO530 wherever it is emitted or stored.
 *
 * @example
 * ```ts
 * const keyed = selectColumns(batch, ['city', 'fare']);
 * ```
 */
export function selectColumns(batch: RecordBatch, names: readonly string[]): RecordBatch {
  const fields = batch.schema.fields;
  const indices = names.map((name) => {
    const index = fields.findIndex((f) => f.name === name);
    if (index < 0) {
      throw new SiloError(
        'SILO531',
        `selectColumns: the batch has no column "${name}" (columns: ${fields.map((f) => f.name).join(', ')}). Pick columns the batch has.`,
      );
    }
    return index;
  });
  const schema = new Schema(
    indices.map((i) => fields[i]),
    batch.schema.metadata,
  );
  return batchFromData(
    schema,
    indices.map((i) => batch.data.children[i]),
    batch.numRows,
    batch.metadata,
  );
}
