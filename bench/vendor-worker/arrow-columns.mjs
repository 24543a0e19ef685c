// Between the vendor SDK's Arrow batches (@query-farm/apache-arrow, the fork it ships
// with; Silo's official apache-arrow objects must not cross into it) and the shared
// kernels' typed arrays. Mirrors bench/functions/arrow-columns.ts, so both sides pay
// the same for moving data in and out of the kernels.
import { Field, Float64, Int64, RecordBatch, Schema, Struct, makeData } from '@query-farm/apache-arrow';

export const KEY_COLUMN = 'k';
export const VALUE_COLUMN = 'v';
export const TEXT_COLUMN = 's';

/** `key_sum`'s output: one row per key. */
export const SUMS_SCHEMA = new Schema([
  new Field(KEY_COLUMN, new Int64(), false),
  new Field('sum', new Float64(), false),
]);

function child(batch, name) {
  const index = batch.schema.fields.findIndex((f) => f.name === name);
  const vector = index < 0 ? null : batch.getChildAt(index);
  if (!vector) throw new Error(`the batch has no column "${name}"`);
  if (vector.data.length !== 1) throw new Error(`column "${name}" has ${vector.data.length} chunks; expected one`);
  const data = vector.data[0];
  if (data.nullCount > 0) throw new Error(`column "${name}" has nulls; the bench kernels take none`);
  return data;
}

/** Refuses at bind an input without the bench columns. */
export function assertBenchInput(schema, functionName, needed) {
  for (const name of needed) {
    if (!schema.fields.some((f) => f.name === name)) {
      throw new Error(
        `${functionName}: the input needs columns k BIGINT, v DOUBLE, s VARCHAR (got ${schema.fields.map((f) => f.name).join(', ')}).`,
      );
    }
  }
}

export function columnsOf(batch) {
  const text = child(batch, TEXT_COLUMN);
  return {
    length: batch.numRows,
    keys: child(batch, KEY_COLUMN).values,
    values: child(batch, VALUE_COLUMN).values,
    textOffsets: text.valueOffsets,
    textData: text.values,
  };
}

export function keysAndValuesOf(batch) {
  return { keys: child(batch, KEY_COLUMN).values, values: child(batch, VALUE_COLUMN).values };
}

/** A batch on exactly `schema` (the bound output schema) from bench columns. */
export function batchOfColumns(schema, columns) {
  const { length } = columns;
  const children = schema.fields.map((field) => {
    if (field.name === KEY_COLUMN) return makeData({ type: field.type, length, nullCount: 0, data: columns.keys });
    if (field.name === VALUE_COLUMN) return makeData({ type: field.type, length, nullCount: 0, data: columns.values });
    if (field.name === TEXT_COLUMN)
      return makeData({
        type: field.type,
        length,
        nullCount: 0,
        valueOffsets: columns.textOffsets,
        data: columns.textData,
      });
    throw new Error(`the output schema has a column "${field.name}" the bench does not produce`);
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

export function batchOfSums(sums) {
  const [keyField, sumField] = SUMS_SCHEMA.fields;
  const length = sums.keys.length;
  const children = [
    makeData({ type: keyField.type, length, nullCount: 0, data: sums.keys }),
    makeData({ type: sumField.type, length, nullCount: 0, data: sums.sums }),
  ];
  return new RecordBatch(
    SUMS_SCHEMA,
    makeData({ type: new Struct(SUMS_SCHEMA.fields), length, nullCount: 0, children }),
  );
}

export function sumsOf(batch) {
  return { keys: child(batch, KEY_COLUMN).values, sums: child(batch, 'sum').values };
}
