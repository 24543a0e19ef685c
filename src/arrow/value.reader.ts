/**
 * Reads Arrow values back as plain JS, recursively: lists become arrays, structs plain
 * objects, maps `Map`s. Scalars keep `apache-arrow`'s conventions (int64 → bigint,
 * binary → Uint8Array view, enum dictionary → member name, timestamp → epoch ms number),
 * which are also the values {@link buildColumn} accepts.
 */
import { type DataType, type RecordBatch, Type, type Vector } from 'apache-arrow';

/**
 * Converts one value obtained from `vector.get(i)` to plain JS, given its type.
 */
export function toPlainValue(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const child = type.children[0].type;
      const items = value as Vector;
      const out: unknown[] = new Array(items.length);
      for (let i = 0; i < items.length; i++) out[i] = toPlainValue(items.get(i), child);
      return out;
    }
    case Type.Struct: {
      const row = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of type.children) out[f.name] = toPlainValue(row[f.name], f.type);
      return out;
    }
    case Type.Map: {
      const [keyField, valueField] = type.children[0].type.children;
      const out = new Map<unknown, unknown>();
      for (const [k, v] of value as Iterable<[unknown, unknown]>) {
        out.set(toPlainValue(k, keyField.type), toPlainValue(v, valueField.type));
      }
      return out;
    }
    default:
      return value;
  }
}

/**
 * Value `index` of a column, as plain JS.
 */
export function readValue(vector: Vector, index: number): unknown {
  return toPlainValue(vector.get(index), vector.type);
}

/**
 * Row `index` of a batch as an object keyed by field name, values as plain JS.
 */
export function readRow(batch: RecordBatch, index = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  batch.schema.fields.forEach((f, i) => {
    out[f.name] = readValue(batch.getChildAt(i)!, index);
  });
  return out;
}

/**
 * A whole column as plain JS values.
 */
export function readColumn(batch: RecordBatch, name: string): unknown[] {
  const vector = batch.getChild(name);
  if (vector === null)
    throw new Error(
      `readColumn(): the batch has no column "${name}" (columns: ${batch.schema.fields.map((f) => f.name).join(', ')}).`,
    );
  const out: unknown[] = new Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = readValue(vector, i);
  return out;
}
