/**
 * Between Arrow batches (the official `apache-arrow`, as Silo uses it) and the kernels'
 * typed arrays. Column buffers are read in place and batches are built straight from
 * buffers: `vectorFromArray` would cost more than the kernels themselves.
 */
import { type Data, DataType, Field, Float64, Int64, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import { type BenchColumns, type KeySums } from './kernels';

/** The columns every bench function reads: `k int64, v float64, s utf8`. */
export const KEY_COLUMN = 'k';
export const VALUE_COLUMN = 'v';
export const TEXT_COLUMN = 's';

/** `key_sum`'s output: one row per key. */
export const SUMS_SCHEMA = new Schema([
  new Field(KEY_COLUMN, new Int64(), false),
  new Field('sum', new Float64(), false),
]);

/**
 * Checks at bind that the input has the bench columns with the bench types, so a
 * wrong input fails at plan time with a message instead of deep inside a kernel.
 */
export function assertBenchInput(schema: Schema, functionName: string, needed: readonly string[]): void {
  const want: Record<string, (t: DataType) => boolean> = {
    [KEY_COLUMN]: (t) => DataType.isInt(t) && t.bitWidth === 64 && t.isSigned,
    [VALUE_COLUMN]: (t) => DataType.isFloat(t),
    [TEXT_COLUMN]: (t) => DataType.isUtf8(t),
  };
  for (const name of needed) {
    const field = schema.fields.find((f) => f.name === name);
    if (!field || !want[name](field.type)) {
      const have = schema.fields.map((f) => `${f.name} ${String(f.type)}`).join(', ');
      throw new Error(`${functionName}: the input needs columns k BIGINT, v DOUBLE, s VARCHAR (got ${have}).`);
    }
  }
}

function child(batch: RecordBatch, name: string): Data {
  const index = batch.schema.fields.findIndex((f) => f.name === name);
  const vector = index < 0 ? null : batch.getChildAt(index);
  if (!vector) throw new Error(`the batch has no column "${name}"`);
  if (vector.data.length !== 1) throw new Error(`column "${name}" has ${vector.data.length} chunks; expected one`);
  const data = vector.data[0];
  if (data.nullCount > 0) throw new Error(`column "${name}" has nulls; the bench kernels take none`);
  return data;
}

/**
 * The kernels' view of a batch. apache-arrow slices fixed-width values and utf8 offsets
 * to the batch's own rows, so these arrays start at row 0.
 */
export function columnsOf(batch: RecordBatch): BenchColumns {
  const text = child(batch, TEXT_COLUMN);
  return {
    length: batch.numRows,
    keys: child(batch, KEY_COLUMN).values as BigInt64Array,
    values: child(batch, VALUE_COLUMN).values as Float64Array,
    textOffsets: text.valueOffsets as Int32Array,
    textData: text.values as Uint8Array,
  };
}

/** Only the key and value columns (what `key_sum` reads). */
export function keysAndValuesOf(batch: RecordBatch): { keys: BigInt64Array; values: Float64Array } {
  return {
    keys: child(batch, KEY_COLUMN).values as BigInt64Array,
    values: child(batch, VALUE_COLUMN).values as Float64Array,
  };
}

/** Builds a batch on exactly `schema` (the bound output schema, nullability kept) from bench columns. */
export function batchOfColumns(schema: Schema, columns: BenchColumns): RecordBatch {
  const children = schema.fields.map((field) => {
    const { length } = columns;
    switch (field.name) {
      case KEY_COLUMN:
        return makeData({ type: field.type, length, nullCount: 0, data: columns.keys });
      case VALUE_COLUMN:
        return makeData({ type: field.type, length, nullCount: 0, data: columns.values });
      case TEXT_COLUMN:
        return makeData({
          type: field.type,
          length,
          nullCount: 0,
          valueOffsets: columns.textOffsets,
          data: columns.textData,
        });
      default:
        throw new Error(`the output schema has a column "${field.name}" the bench does not produce`);
    }
  });
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: columns.length, nullCount: 0, children }),
  );
}

/** A `key_sum` batch (partials or output rows). */
export function batchOfSums(sums: KeySums): RecordBatch {
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

/** The per-key sums held by a `key_sum` batch. */
export function sumsOf(batch: RecordBatch): KeySums {
  return { keys: child(batch, KEY_COLUMN).values as BigInt64Array, sums: child(batch, 'sum').values as Float64Array };
}
