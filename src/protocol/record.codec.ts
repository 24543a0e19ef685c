/**
 * Generic codec between nested IPC records (1-row batches in `binary` cells, vgi-wire §3.4)
 * and plain TypeScript objects: camelCase keys in TS, snake_case field names on the wire.
 *
 * Decoding is lenient the way the reference SDK is: fields are read by name, missing
 * nullable fields read as `null`, unknown extra fields are ignored, and an enum sent as
 * plain `utf8` is accepted. A missing non-nullable field or a different type is refused.
 */
import { type DataType, type Field, type RecordBatch, type Schema, Type } from 'apache-arrow';
import {
  describeTypeDifference,
  encodeSingleRowStream,
  IpcFramingError,
  makeRowsBatch,
  readIpcStream,
  readSingleRowStream,
  serializeBatch,
  type SingleRow,
  toPlainValue,
} from '../arrow';
import { RecordEncodeError, RequestFormatError } from './protocol.error';

/** A decoded record: camelCase keys, plain JS values. */
export type PlainRecord = Record<string, unknown>;

/** How strictly a record is read (or, for a client, written). */
export interface RecordReadOptions {
  /**
   * Accept nulls in fields flagged non-null. Generation-A extensions send such values
   * (`CatalogAttachRequest.options`, "empty = null" binaries) and mean "none" by them.
   */
  readonly acceptNulls?: boolean;
}

/**
 * `function_name` → `functionName`.
 */
function camelCase(name: string): string {
  let camel = camelNames.get(name);
  if (camel === undefined) {
    camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    // Record field names come from a fixed set of schemas; the bound only guards odd callers.
    if (camelNames.size < 4096) camelNames.set(name, camel);
  }
  return camel;
}

/** Wire field names already converted: every request and response converts the same few. */
const camelNames = new Map<string, string>();

/**
 * Converts a camelCase object to the wire row of `schema` (struct fields recursively),
 * taking a value by its camelCase name or, failing that, its wire name.
 */
export function toWireRow(fields: readonly Field[], value: Readonly<PlainRecord>): PlainRecord {
  const row: PlainRecord = {};
  for (const f of fields) {
    const camel = camelCase(f.name);
    const v = camel in value ? value[camel] : value[f.name];
    row[f.name] = toWireValue(v, f.type);
  }
  return row;
}

function toWireValue(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (type.typeId === Type.Struct) return toWireRow(type.children, value as PlainRecord);
  if (type.typeId === Type.List && Array.isArray(value)) {
    const child = type.children[0].type;
    return value.map((v) => toWireValue(v, child));
  }
  return value;
}

/**
 * Converts a plain value read from the wire to its TS form: struct keys become camelCase,
 * maps (always utf8-keyed in VGI) become plain objects with their keys unchanged.
 */
function fromWireValue(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case Type.Struct: {
      const out: PlainRecord = {};
      for (const f of type.children) out[camelCase(f.name)] = fromWireValue((value as PlainRecord)[f.name], f.type);
      return out;
    }
    case Type.List:
    case Type.LargeList: {
      const child = type.children[0].type;
      return (value as unknown[]).map((v) => fromWireValue(v, child));
    }
    case Type.Map: {
      const valueType = type.children[0].type.children[1].type;
      const out: PlainRecord = {};
      for (const [k, v] of value as Map<unknown, unknown>) out[String(k)] = fromWireValue(v, valueType);
      return out;
    }
    default:
      return value;
  }
}

/**
 * Encodes one record as a complete IPC stream of a 1-row batch on `schema`.
 */
export function encodeRecord(
  schema: Schema,
  value: Readonly<PlainRecord>,
  subject: string,
  options: RecordReadOptions = {},
): Uint8Array {
  try {
    if (schema.fields.length === 0) return serializeBatch(makeRowsBatch(schema, [], undefined, options));
    const row = toWireRow(schema.fields, value);
    // The common case written directly; anything it does not take goes the general way.
    const direct = encodeSingleRowStream(
      schema,
      schema.fields.map((f) => row[f.name]),
      { acceptNulls: options.acceptNulls },
    );
    return direct ?? serializeBatch(makeRowsBatch(schema, [row], undefined, options));
  } catch (cause) {
    throw new RecordEncodeError(subject, (cause as Error).message, { cause });
  }
}

/**
 * Reads a 1-row batch as a camelCase record of `expected`, leniently (see file header).
 * Errors are {@link RequestFormatError}s naming the record.
 */
export function readRecordBatch(
  batch: RecordBatch,
  expected: Schema,
  subject: string,
  options: RecordReadOptions = {},
): PlainRecord {
  if (expected.fields.length > 0 && batch.numRows !== 1) {
    throw new RequestFormatError(
      `${subject}: expected a 1-row batch, got ${batch.numRows} row(s). Send one row per record.`,
    );
  }
  return readRecordRow(
    batch.schema,
    (index, type) => toPlainValue(batch.getChildAt(index)!.get(0), type),
    expected,
    subject,
    options,
  );
}

/** How the fields of one expected record schema are found in one actual schema. */
type RowPlan = readonly {
  readonly field: Field;
  readonly key: string;
  /** Index of the field in the actual schema; -1 when it is absent (and nullable). */
  readonly index: number;
  /** The actual field's type. */
  readonly type: DataType;
}[];

/** Plans by expected schema, then actual schema: requests repeat the same few pairs. */
const rowPlans = new WeakMap<Schema, WeakMap<Schema, RowPlan>>();

/**
 * The plan for reading `expected` from rows of `actual`; throws the {@link RequestFormatError}
 * of the first field that is missing or of an incompatible type.
 */
function rowPlan(actual: Schema, expected: Schema, subject: string): RowPlan {
  let byActual = rowPlans.get(expected);
  const known = byActual?.get(actual);
  if (known !== undefined) return known;
  const plan = expected.fields.map((f) => {
    const index = actual.fields.findIndex((a) => a.name === f.name);
    if (index < 0 && !f.nullable) {
      throw new RequestFormatError(
        `${subject}: the required field "${f.name}" (${String(f.type)}) is missing. Send every non-nullable field of the record.`,
      );
    }
    const type = index < 0 ? f.type : actual.fields[index].type;
    if (index >= 0 && !typesCompatible(f.type, type)) {
      throw new RequestFormatError(
        `${subject}: field "${f.name}" has type ${String(type)}, expected ${String(f.type)}. Send the record schema of the protocol version the request declares.`,
      );
    }
    return { field: f, key: camelCase(f.name), index, type };
  });
  if (byActual === undefined) rowPlans.set(expected, (byActual = new WeakMap()));
  byActual.set(actual, plan);
  return plan;
}

/** The record in row 0 of `actual`, whose field `index` reads as `valueAt(index, type)`. */
function readRecordRow(
  actual: Schema,
  valueAt: (index: number, type: DataType) => unknown,
  expected: Schema,
  subject: string,
  options: RecordReadOptions,
): PlainRecord {
  const out: PlainRecord = {};
  for (const { field: f, key, index, type } of rowPlan(actual, expected, subject)) {
    const value = index < 0 ? null : valueAt(index, type);
    if (!f.nullable && !options.acceptNulls && (value === null || value === undefined)) {
      throw new RequestFormatError(`${subject}: the required field "${f.name}" is null. Send a value for it.`);
    }
    out[key] = index < 0 ? null : fromWireValue(value, type);
  }
  return out;
}

/**
 * Reads a row read straight from the bytes (`readSingleRowStream`, `readSingleRowFrames`)
 * as a camelCase record of `expected`, as {@link readRecordBatch} reads a batch's row.
 */
export function recordFromRow(
  row: SingleRow,
  expected: Schema,
  subject: string,
  options: RecordReadOptions = {},
): PlainRecord {
  const { values } = row;
  return readRecordRow(row.schema, (index) => values[index], expected, subject, options);
}

/**
 * Decodes a nested record held in a `binary` cell (schema + batch + EOS).
 */
export function decodeRecord(
  bytes: Uint8Array,
  expected: Schema,
  subject: string,
  options: RecordReadOptions = {},
): PlainRecord {
  let row: SingleRow | null;
  let batches: RecordBatch[];
  try {
    // A one-row record of plain columns (nearly every record) is read without apache-arrow.
    row = bytes instanceof Uint8Array ? readSingleRowStream(bytes, subject) : null;
    if (row !== null) return recordFromRow(row, expected, subject, options);
    batches = readIpcStream(bytes, subject, { verified: true }).batches;
  } catch (cause) {
    if (!(cause instanceof IpcFramingError)) throw cause;
    throw new RequestFormatError(
      `${subject}: the nested IPC bytes are not a readable Arrow stream (${cause.message}).`,
      { cause },
    );
  }
  if (batches.length !== 1) {
    if (batches.length === 0 && expected.fields.length === 0) return {};
    throw new RequestFormatError(
      `${subject}: expected exactly one record batch in the nested IPC stream, found ${batches.length}.`,
    );
  }
  return readRecordBatch(batches[0], expected, subject, options);
}

/**
 * Whether `actual` can be read as `expected`: equal wire types, or an enum sent as plain utf8.
 */
export function typesCompatible(expected: DataType, actual: DataType): boolean {
  if (expected.typeId === Type.Dictionary && actual.typeId === Type.Utf8) return true;
  return describeTypeDifference(expected, actual, { ignoreNullability: true }) === null;
}
