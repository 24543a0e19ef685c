/**
 * Builds Arrow column data of an explicit type from plain JS values — never by inference.
 *
 * Value conventions (the same ones {@link readValue} returns):
 * utf8 → string; binary / large_binary → Uint8Array; bool → boolean; int8–int32 → number;
 * int64 / uint64 → bigint (safe-integer numbers accepted); float → number;
 * timestamp → Date, epoch-milliseconds number, or bigint in the column's unit;
 * list<T> → array; struct → object keyed by field name; map<K, V> → Map, plain object or
 * [key, value] pairs; dictionary<int*, utf8> (enums) → the member name; null → null.
 * `null` and `undefined` are nulls. Other types go through `apache-arrow`'s own builders.
 */
import {
  type Bool,
  type Data,
  type DataType,
  type Dictionary,
  type Field,
  type Float,
  type Int,
  makeBuilder,
  makeData,
  makeVector,
  type Map_,
  Precision,
  type Struct,
  type Timestamp,
  TimeUnit,
  Type,
} from 'apache-arrow';
import { ArrowValueError } from './ipc.error';
import { buildBinaryData, buildUtf8Data, validityOf } from './utf8.builder';

/**
 * Column data of `type` holding `values`.
 */
export function buildColumn(type: DataType, values: readonly unknown[], subject = 'column'): Data {
  switch (type.typeId) {
    case Type.Null:
      return makeData({ type, length: values.length } as never);
    case Type.Utf8:
      return buildUtf8Data(strings(values, subject));
    case Type.LargeUtf8:
      return buildUtf8Data(strings(values, subject), true);
    case Type.Binary:
      return buildBinaryData(byteArrays(values, subject));
    case Type.LargeBinary:
      return buildBinaryData(byteArrays(values, subject), true);
    case Type.Bool:
      return buildBool(type as Bool, values, subject);
    case Type.Int:
      return buildInt(type as Int, values, subject);
    case Type.Float:
      return buildFloat(type as Float, values, subject);
    case Type.Timestamp:
      return buildTimestamp(type as Timestamp, values, subject);
    case Type.List:
      return buildList(type, values, subject);
    case Type.Struct:
      return buildStruct(type as Struct, values, subject);
    case Type.Map:
      return buildMap(type as Map_, values, subject);
    case Type.Dictionary:
      return buildDictionary(type as Dictionary, values, subject);
    default:
      return buildWithArrow(type, values, subject);
  }
}

/**
 * The value a non-nullable child gets under a null parent (struct/map slot): Arrow ignores
 * it, but a non-null field must not carry a null bit.
 */
function zeroValue(type: DataType): unknown {
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
      return '';
    case Type.Binary:
    case Type.LargeBinary:
      return new Uint8Array(0);
    case Type.Bool:
      return false;
    case Type.Int:
      return (type as Int).bitWidth === 64 ? 0n : 0;
    case Type.Float:
      return 0;
    case Type.Timestamp:
      return 0n;
    case Type.List:
      return [];
    case Type.Struct:
    case Type.Map:
      return {};
    case Type.Dictionary:
      return zeroValue((type as Dictionary).dictionary);
    default:
      return null;
  }
}

function isNull(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

function strings(values: readonly unknown[], subject: string): (string | null)[] {
  return values.map((v, i) => {
    if (isNull(v)) return null;
    if (typeof v !== 'string') throw new ArrowValueError(`${subject} row ${i}`, `expected a string, got ${typeof v}.`);
    return v;
  });
}

function byteArrays(values: readonly unknown[], subject: string): (Uint8Array | null)[] {
  return values.map((v, i) => {
    if (isNull(v)) return null;
    if (v instanceof Uint8Array) return v;
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    throw new ArrowValueError(`${subject} row ${i}`, `expected a Uint8Array or Buffer, got ${typeof v}.`);
  });
}

function buildBool(type: Bool, values: readonly unknown[], subject: string): Data {
  const { bitmap, nullCount } = validityOf(values);
  const bits = new Uint8Array(((values.length + 63) & ~63) >> 3);
  values.forEach((v, i) => {
    if (isNull(v)) return;
    if (typeof v !== 'boolean')
      throw new ArrowValueError(`${subject} row ${i}`, `expected a boolean, got ${typeof v}.`);
    if (v) bits[i >> 3] |= 1 << (i & 7);
  });
  return makeData({ type, length: values.length, nullCount, nullBitmap: bitmap, data: bits });
}

function buildInt(type: Int, values: readonly unknown[], subject: string): Data {
  const { bitmap, nullCount } = validityOf(values);
  const Ctor = intArray(type);
  const out = new Ctor(values.length);
  const wide = type.bitWidth === 64;
  values.forEach((v, i) => {
    if (isNull(v)) return;
    if (wide) {
      if (typeof v === 'bigint') (out as BigInt64Array)[i] = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) (out as BigInt64Array)[i] = BigInt(v);
      else
        throw new ArrowValueError(
          `${subject} row ${i}`,
          `expected a bigint (or a safe integer) for ${String(type)}, got ${String(v)}.`,
        );
    } else if (typeof v === 'number' && Number.isInteger(v)) {
      (out as Int32Array)[i] = v;
    } else {
      throw new ArrowValueError(
        `${subject} row ${i}`,
        `expected an integer number for ${String(type)}, got ${String(v)}.`,
      );
    }
  });
  return makeData({ type, length: values.length, nullCount, nullBitmap: bitmap, data: out as never });
}

function intArray(type: Int): new (n: number) => ArrayLike<number | bigint> {
  const signed = type.isSigned;
  switch (type.bitWidth) {
    case 8:
      return signed ? Int8Array : Uint8Array;
    case 16:
      return signed ? Int16Array : Uint16Array;
    case 32:
      return signed ? Int32Array : Uint32Array;
    default:
      return signed ? BigInt64Array : BigUint64Array;
  }
}

function buildFloat(type: Float, values: readonly unknown[], subject: string): Data {
  if (type.precision === Precision.HALF) return buildWithArrow(type, values, subject);
  const { bitmap, nullCount } = validityOf(values);
  const out = type.precision === Precision.SINGLE ? new Float32Array(values.length) : new Float64Array(values.length);
  values.forEach((v, i) => {
    if (isNull(v)) return;
    if (typeof v !== 'number') throw new ArrowValueError(`${subject} row ${i}`, `expected a number, got ${typeof v}.`);
    out[i] = v;
  });
  return makeData({ type, length: values.length, nullCount, nullBitmap: bitmap, data: out as never });
}

const UNITS_PER_MS: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 0n,
  [TimeUnit.MILLISECOND]: 1n,
  [TimeUnit.MICROSECOND]: 1_000n,
  [TimeUnit.NANOSECOND]: 1_000_000n,
};

function buildTimestamp(type: Timestamp, values: readonly unknown[], subject: string): Data {
  const { bitmap, nullCount } = validityOf(values);
  const out = new BigInt64Array(values.length);
  const fromMs = (ms: number): bigint =>
    type.unit === TimeUnit.SECOND ? BigInt(Math.floor(ms / 1000)) : BigInt(Math.round(ms)) * UNITS_PER_MS[type.unit];
  values.forEach((v, i) => {
    if (isNull(v)) return;
    if (typeof v === 'bigint') out[i] = v;
    else if (v instanceof Date) out[i] = fromMs(v.getTime());
    else if (typeof v === 'number') out[i] = fromMs(v);
    else
      throw new ArrowValueError(`${subject} row ${i}`, `expected a Date, epoch-ms number or bigint, got ${typeof v}.`);
  });
  return makeData({ type, length: values.length, nullCount, nullBitmap: bitmap, data: out });
}

function buildList(type: DataType, values: readonly unknown[], subject: string): Data {
  const { bitmap, nullCount } = validityOf(values);
  const childField = type.children[0];
  const offsets = new Int32Array(values.length + 1);
  const items: unknown[] = [];
  values.forEach((v, i) => {
    if (!isNull(v)) {
      if (typeof v !== 'object' || !(Symbol.iterator in v)) {
        throw new ArrowValueError(`${subject} row ${i}`, `expected an array for ${String(type)}, got ${typeof v}.`);
      }
      for (const item of v as Iterable<unknown>) items.push(item);
    }
    offsets[i + 1] = items.length;
  });
  const child = buildChild(childField, items, `${subject} item`);
  return makeData({
    type: type as never,
    length: values.length,
    nullCount,
    nullBitmap: bitmap,
    valueOffsets: offsets,
    child,
  });
}

function buildStruct(type: Struct, values: readonly unknown[], subject: string): Data {
  const { bitmap, nullCount } = validityOf(values);
  const children = type.children.map((f) => {
    const column = values.map((v, i) => {
      if (isNull(v)) return f.nullable ? null : zeroValue(f.type);
      if (typeof v !== 'object')
        throw new ArrowValueError(`${subject} row ${i}`, `expected an object, got ${typeof v}.`);
      return (v as Record<string, unknown>)[f.name];
    });
    return buildChild(f, column, `${subject}.${f.name}`);
  });
  return makeData({ type, length: values.length, nullCount, nullBitmap: bitmap, children });
}

function buildMap(type: Map_, values: readonly unknown[], subject: string): Data {
  const { bitmap, nullCount } = validityOf(values);
  const entriesField = type.children[0];
  const offsets = new Int32Array(values.length + 1);
  const entries: { key: unknown; value: unknown }[] = [];
  values.forEach((v, i) => {
    if (!isNull(v)) {
      for (const [key, value] of mapEntries(v, `${subject} row ${i}`)) entries.push({ key, value });
    }
    offsets[i + 1] = entries.length;
  });
  const child = buildChild(entriesField, entries, `${subject} entries`);
  return makeData({ type, length: values.length, nullCount, nullBitmap: bitmap, valueOffsets: offsets, child });
}

function mapEntries(v: unknown, subject: string): Iterable<readonly [unknown, unknown]> {
  if (v instanceof Map) return v.entries();
  if (Array.isArray(v)) return v as [unknown, unknown][];
  if (typeof v === 'object' && v !== null) return Object.entries(v);
  throw new ArrowValueError(subject, `expected a Map, a plain object or [key, value] pairs, got ${typeof v}.`);
}

function buildDictionary(type: Dictionary, values: readonly unknown[], subject: string): Data {
  const { bitmap, nullCount } = validityOf(values);
  // Only the values actually used travel, in order of first use (what the reference writers do).
  const positions = new Map<unknown, number>();
  const members: unknown[] = [];
  const Ctor = intArray(type.indices);
  const indices = new Ctor(values.length) as Int16Array;
  values.forEach((v, i) => {
    if (isNull(v)) return;
    let at = positions.get(v);
    if (at === undefined) {
      at = members.length;
      positions.set(v, at);
      members.push(v);
    }
    if ((type.indices.bitWidth as number) === 64) (indices as unknown as BigInt64Array)[i] = BigInt(at);
    else indices[i] = at;
  });
  const dictionary = makeVector(buildColumn(type.dictionary, members, `${subject} dictionary`));
  return makeData({ type, length: values.length, nullCount, nullBitmap: bitmap, data: indices as never, dictionary });
}

function buildChild(f: Field, values: readonly unknown[], subject: string): Data {
  if (!f.nullable) {
    const at = values.findIndex(isNull);
    if (at >= 0)
      throw new ArrowValueError(
        `${subject} row ${at}`,
        `field "${f.name}" is non-nullable (${String(f.type)}) but the value is null.`,
      );
  }
  return buildColumn(f.type, values, subject);
}

function buildWithArrow(type: DataType, values: readonly unknown[], subject: string): Data {
  try {
    const builder = makeBuilder({ type, nullValues: [null, undefined] });
    for (const v of values) builder.append(v as never);
    const data = builder.flush();
    builder.finish();
    return data;
  } catch (cause) {
    throw new ArrowValueError(
      subject,
      `could not build ${String(type)} from the given values: ${(cause as Error).message}`,
    );
  }
}
