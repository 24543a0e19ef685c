/**
 * Structural schema comparison, and re-binding a batch onto an exact schema object.
 *
 * `apache-arrow` compares schemas by constructor (`Int64` vs the generic `Int` its reader
 * produces), by dictionary id and by nullability, and its stream writer silently closes
 * the stream on any difference. These helpers compare what the wire cares about — names,
 * types with their parameters, nullability, order — and say *where* two schemas differ.
 */
import {
  type Data,
  DataType,
  type Dictionary,
  type Field,
  type FixedSizeBinary,
  type FixedSizeList,
  type Float,
  type Int,
  type Map_,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  type Timestamp,
  Type,
} from 'apache-arrow';
import { assembleRecordBatch } from './assemble-batch';
import { assertSameArrowCopy } from './arrow-copy';
import { IpcSchemaMismatchError } from './ipc.error';

/** What a comparison may ignore. */
interface SchemaCompareOptions {
  /** Ignore field nullability (used before checking the data's actual nulls). */
  readonly ignoreNullability?: boolean;
  /** Compare field metadata too (off by default: the wire ignores it for record checks). */
  readonly compareMetadata?: boolean;
}

/**
 * The first difference between two field lists, or `null` when they are equal.
 */
export function describeSchemaDifference(
  expected: Schema | readonly Field[],
  actual: Schema | readonly Field[],
  options: SchemaCompareOptions = {},
): string | null {
  return compareFieldLists(fieldsOf(expected), fieldsOf(actual), () => '', options);
}

/**
 * True when two schemas have the same field names, types, nullability and order.
 */
export function schemasEqual(
  a: Schema | readonly Field[],
  b: Schema | readonly Field[],
  options?: SchemaCompareOptions,
): boolean {
  return describeSchemaDifference(a, b, options) === null;
}

/**
 * The first difference between two data types (children included), or `null`.
 */
export function describeTypeDifference(
  expected: DataType,
  actual: DataType,
  options: SchemaCompareOptions = {},
): string | null {
  return compareTypes(expected, actual, () => 'type', options);
}

/**
 * Returns a batch with exactly `schema` (the same field and type objects), keeping the
 * batch's data and custom metadata. Refuses when the structure differs, or when a field
 * the target declares non-nullable holds nulls.
 */
export function conformBatchToSchema(batch: RecordBatch, schema: Schema, subject = 'record batch'): RecordBatch {
  assertSameArrowCopy(batch, RecordBatch, subject);
  assertSameArrowCopy(schema, Schema, subject);
  if (batch.schema === schema) return batch;
  const difference = describeSchemaDifference(schema, batch.schema, { ignoreNullability: true });
  if (difference !== null) throw new IpcSchemaMismatchError(subject, difference);
  assertNoForbiddenNulls(batch, schema, subject);
  const children = schema.fields.map((field, i) => retype(batch.data.children[i], field.type));
  const data = makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children });
  return assembleRecordBatch(schema, data, new Map(batch.metadata));
}

/**
 * Refuses a batch that holds nulls where `schema` (whose structure the batch already
 * has) declares a field non-nullable, children included.
 */
export function assertNoForbiddenNulls(batch: RecordBatch, schema: Schema, subject = 'record batch'): void {
  const fields = schema.fields;
  for (let i = 0; i < fields.length; i++) {
    const nullProblem = findForbiddenNulls(fields[i], batch.data.children[i], () => `field ${i} "${fields[i].name}"`);
    if (nullProblem !== null) throw new IpcSchemaMismatchError(subject, nullProblem);
  }
}

function fieldsOf(value: Schema | readonly Field[]): readonly Field[] {
  return Array.isArray(value) ? value : (value as Schema).fields;
}

function compareFieldLists(
  expected: readonly Field[],
  actual: readonly Field[],
  path: () => string,
  options: SchemaCompareOptions,
): string | null {
  if (expected.length !== actual.length) {
    return (
      `${path() || 'schema'}: expected ${expected.length} field(s) [${expected.map((f) => f.name).join(', ')}], ` +
      `got ${actual.length} [${actual.map((f) => f.name).join(', ')}]`
    );
  }
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    // Named only when there is a difference to report: equal schemas build no strings.
    const where = (): string => `${path()}field ${i} "${e.name}"`;
    if (e.name !== a.name) return `${where()}: name differs (got "${a.name}")`;
    if (!options.ignoreNullability && e.nullable !== a.nullable) {
      return `${where()}: nullable differs (expected ${e.nullable}, got ${a.nullable})`;
    }
    if (options.compareMetadata && !sameMetadata(e.metadata, a.metadata)) return `${where()}: field metadata differs`;
    if (e.type === a.type) continue;
    const typeDiff = compareTypes(e.type, a.type, where, options);
    if (typeDiff !== null) return typeDiff;
  }
  return null;
}

function compareTypes(e: DataType, a: DataType, where: () => string, options: SchemaCompareOptions): string | null {
  const mismatch = (): string => `${where()}: type differs (expected ${String(e)}, got ${String(a)})`;
  if (e.typeId !== a.typeId) return mismatch();
  if (DataType.isInt(e)) {
    const ai = a as Int;
    return e.bitWidth === ai.bitWidth && e.isSigned === ai.isSigned ? null : mismatch();
  }
  if (DataType.isFloat(e)) return e.precision === (a as Float).precision ? null : mismatch();
  if (DataType.isTimestamp(e)) {
    const at = a as Timestamp;
    return e.unit === at.unit && (e.timezone ?? null) === (at.timezone ?? null) ? null : mismatch();
  }
  if (DataType.isDictionary(e)) {
    const ad = a as Dictionary;
    if (e.isOrdered !== ad.isOrdered) return mismatch();
    return (
      compareTypes(e.indices, ad.indices, () => `${where()} (indices)`, options) ??
      compareTypes(e.dictionary, ad.dictionary, () => `${where()} (values)`, options)
    );
  }
  if (DataType.isFixedSizeBinary(e)) return e.byteWidth === (a as FixedSizeBinary).byteWidth ? null : mismatch();
  if (DataType.isFixedSizeList(e) && e.listSize !== (a as FixedSizeList).listSize) return mismatch();
  if (DataType.isMap(e) && e.keysSorted !== (a as Map_).keysSorted) return mismatch();
  if (
    e.typeId === Type.Decimal ||
    e.typeId === Type.Date ||
    e.typeId === Type.Time ||
    e.typeId === Type.Interval ||
    e.typeId === Type.Duration ||
    e.typeId === Type.Union
  ) {
    // Parameterised types without nested fields: their rendering carries every parameter.
    if (String(e) !== String(a)) return mismatch();
  }
  const eChildren = e.children ?? [];
  const aChildren = a.children ?? [];
  if (eChildren.length === 0 && aChildren.length === 0) return null;
  return compareFieldLists(eChildren, aChildren, () => `${where()} > `, options);
}

function sameMetadata(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** Finds nulls in data whose field is declared non-nullable, recursively. */
function findForbiddenNulls(field: Field, data: Data, where: () => string): string | null {
  if (!field.nullable && data.nullCount > 0) {
    return `${where()} is declared non-nullable but holds ${data.nullCount} null(s)`;
  }
  const children = field.type.children ?? [];
  for (let i = 0; i < children.length; i++) {
    const child = data.children[i];
    if (child === undefined) continue;
    const problem = findForbiddenNulls(children[i], child, () => `${where()} > "${children[i].name}"`);
    if (problem !== null) return problem;
  }
  return null;
}

/** Re-labels data with structurally equal types (children included); buffers are shared. */
function retype(data: Data, type: DataType): Data {
  const childFields = type.children ?? [];
  const children = data.children.map((child, i) => (childFields[i] ? retype(child, childFields[i].type) : child));
  return data.clone(type, data.offset, data.length, data.nullCount, undefined, children);
}
