/**
 * Builds batches from rows of other batches by copying buffers: fixed-width values word
 * by word, strings and binaries byte range by byte range, booleans and validity bit by
 * bit. Nothing goes through JS values except nested and dictionary columns (through the
 * typed builders), so regrouping a million rows costs milliseconds, not a million BigInts.
 */
import { type Data, type DataType, type RecordBatch, type Schema, Type, makeData, makeVector } from 'apache-arrow';
import { buildColumn } from '../arrow/column.builder';
import { batchFromData } from '../arrow/batch-utils';

type WordArray = Int32Array | Uint16Array | Uint8Array;

/**
 * A batch of `schema` whose row `r` is row `rowOf[r]` of `sources[sourceOf[r]]`, for
 * `r < count`. Every source must have `schema`'s columns in order (sliced batches are fine).
 *
 * @example
 * ```ts
 * // rows 3 and 0 of `a`, then row 1 of `b`
 * const out = gatherRows(a.schema, [a, b], [0, 0, 1], [3, 0, 1]);
 * ```
 */
export function gatherRows(
  schema: Schema,
  sources: readonly RecordBatch[],
  sourceOf: ArrayLike<number>,
  rowOf: ArrayLike<number>,
  count: number = rowOf.length,
): RecordBatch {
  const children = schema.fields.map((field, c) =>
    gatherColumn(
      field.type as DataType,
      sources.map((s) => s.data.children[c]),
      sourceOf,
      rowOf,
      count,
    ),
  );
  return batchFromData(schema, children, count);
}

/**
 * The rows at `indices` of `batch`, in that order.
 *
 * @example
 * ```ts
 * const firstAndLast = takeIndices(batch, [0, batch.numRows - 1]);
 * ```
 */
export function takeIndices(
  batch: RecordBatch,
  indices: ArrayLike<number>,
  count: number = indices.length,
): RecordBatch {
  return gatherRows(batch.schema, [batch], new Uint8Array(count), indices, count);
}

/**
 * The rows of `batches` one after the other, as one batch of `schema` (copied).
 *
 * @example
 * ```ts
 * const all = concatRows(schema, [a, b, c]);
 * ```
 */
export function concatRows(schema: Schema, batches: readonly RecordBatch[]): RecordBatch {
  if (batches.length === 1) return batches[0];
  const total = batches.reduce((n, b) => n + b.numRows, 0);
  const sourceOf = batches.length <= 256 ? new Uint8Array(total) : new Uint32Array(total);
  const rowOf = new Uint32Array(total);
  let at = 0;
  batches.forEach((b, s) => {
    sourceOf.fill(s, at, at + b.numRows);
    for (let r = 0; r < b.numRows; r++) rowOf[at + r] = r;
    at += b.numRows;
  });
  return gatherRows(schema, batches, sourceOf, rowOf, total);
}

function gatherColumn(
  type: DataType,
  sources: readonly Data[],
  sourceOf: ArrayLike<number>,
  rowOf: ArrayLike<number>,
  count: number,
): Data {
  switch (type.typeId) {
    case Type.Null:
      return makeData({ type, length: count } as never);
    case Type.Bool:
      return gatherBool(type, sources, sourceOf, rowOf, count);
    case Type.Utf8:
    case Type.Binary:
      return gatherBytes(type, sources, sourceOf, rowOf, count);
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Duration:
    case Type.Decimal:
    case Type.Interval:
    case Type.FixedSizeBinary:
      return gatherFixed(type, sources, sourceOf, rowOf, count);
    default: {
      // Nested, dictionary and large variable-width columns: through their values.
      const vectors = sources.map((d) => makeVector(d));
      const values = new Array<unknown>(count);
      for (let r = 0; r < count; r++) values[r] = vectors[sourceOf[r]].get(rowOf[r]);
      return buildColumn(type, values, 'gathered column');
    }
  }
}

/** The output validity bitmap, or undefined when no gathered row is null. */
function gatherValidity(
  sources: readonly Data[],
  sourceOf: ArrayLike<number>,
  rowOf: ArrayLike<number>,
  count: number,
): { bitmap?: Uint8Array; nullCount: number } {
  if (!sources.some((d) => d.nullCount > 0)) return { nullCount: 0 };
  const bitmap = new Uint8Array(((count + 63) & ~63) >> 3);
  let nullCount = 0;
  for (let r = 0; r < count; r++) {
    const d = sources[sourceOf[r]];
    const bits = d.nullBitmap;
    let valid = true;
    if (d.nullCount > 0 && bits && bits.length > 0) {
      const at = d.offset + rowOf[r];
      valid = (bits[at >> 3] & (1 << (at & 7))) !== 0;
    }
    if (valid) bitmap[r >> 3] |= 1 << (r & 7);
    else nullCount++;
  }
  return nullCount === 0 ? { nullCount: 0 } : { bitmap, nullCount };
}

function gatherBool(
  type: DataType,
  sources: readonly Data[],
  sourceOf: ArrayLike<number>,
  rowOf: ArrayLike<number>,
  count: number,
): Data {
  const { bitmap, nullCount } = gatherValidity(sources, sourceOf, rowOf, count);
  const out = new Uint8Array(((count + 63) & ~63) >> 3);
  for (let r = 0; r < count; r++) {
    const d = sources[sourceOf[r]];
    const at = d.offset + rowOf[r];
    if ((d.values as Uint8Array)[at >> 3] & (1 << (at & 7))) out[r >> 3] |= 1 << (r & 7);
  }
  return makeData({ type: type as never, length: count, nullCount, nullBitmap: bitmap, data: out });
}

function gatherBytes(
  type: DataType,
  sources: readonly Data[],
  sourceOf: ArrayLike<number>,
  rowOf: ArrayLike<number>,
  count: number,
): Data {
  const { bitmap, nullCount } = gatherValidity(sources, sourceOf, rowOf, count);
  const offsets = new Int32Array(count + 1);
  const srcOffsets = sources.map((d) => d.valueOffsets as Int32Array);
  let total = 0;
  for (let r = 0; r < count; r++) {
    const o = srcOffsets[sourceOf[r]];
    const i = rowOf[r];
    total += o[i + 1] - o[i];
    offsets[r + 1] = total;
  }
  const data = new Uint8Array(total);
  const srcData = sources.map((d) => (d.values as Uint8Array | undefined) ?? new Uint8Array(0));
  for (let r = 0; r < count; r++) {
    const s = sourceOf[r];
    const o = srcOffsets[s];
    const i = rowOf[r];
    const start = o[i];
    const end = o[i + 1];
    const bytes = srcData[s];
    let at = offsets[r];
    // Short values (most keys and names) copy faster by hand than through subarray + set.
    if (end - start <= 32) for (let k = start; k < end; k++) data[at++] = bytes[k];
    else data.set(bytes.subarray(start, end), at);
  }
  return makeData({ type: type as never, length: count, nullCount, nullBitmap: bitmap, valueOffsets: offsets, data });
}

function wordsOf(values: ArrayBufferView, byteWidth: number): WordArray {
  const { buffer, byteOffset, byteLength } = values;
  if (byteWidth % 4 === 0 && byteOffset % 4 === 0) return new Int32Array(buffer, byteOffset, byteLength >> 2);
  if (byteWidth % 2 === 0 && byteOffset % 2 === 0) return new Uint16Array(buffer, byteOffset, byteLength >> 1);
  return new Uint8Array(buffer, byteOffset, byteLength);
}

function gatherFixed(
  type: DataType,
  sources: readonly Data[],
  sourceOf: ArrayLike<number>,
  rowOf: ArrayLike<number>,
  count: number,
): Data {
  const { bitmap, nullCount } = gatherValidity(sources, sourceOf, rowOf, count);
  const first = sources[0].values as unknown as ArrayBufferView & {
    constructor: new (n: number) => ArrayBufferView;
    BYTES_PER_ELEMENT: number;
  };
  const stride = sources[0].stride;
  const byteWidth = first.BYTES_PER_ELEMENT * stride;
  const out = new first.constructor(count * stride);
  const views = sources.map((d) => wordsOf(d.values as unknown as ArrayBufferView, byteWidth));
  const outWords = wordsOf(out, byteWidth);
  const unit = outWords.BYTES_PER_ELEMENT;
  // Every source view must use the output's word size (an odd byte offset forces bytes).
  const same = views.every((v) => v.BYTES_PER_ELEMENT === unit);
  const src = same
    ? views
    : sources.map(
        (d) =>
          new Uint8Array(
            (d.values as ArrayBufferView).buffer,
            (d.values as ArrayBufferView).byteOffset,
            (d.values as ArrayBufferView).byteLength,
          ),
      );
  const dst = same ? outWords : new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const per = byteWidth / dst.BYTES_PER_ELEMENT;
  if (per === 1) {
    for (let r = 0; r < count; r++) dst[r] = src[sourceOf[r]][rowOf[r]];
  } else if (per === 2) {
    for (let r = 0; r < count; r++) {
      const v = src[sourceOf[r]];
      const i = rowOf[r] * 2;
      dst[2 * r] = v[i];
      dst[2 * r + 1] = v[i + 1];
    }
  } else {
    for (let r = 0; r < count; r++) {
      const v = src[sourceOf[r]];
      const i = rowOf[r] * per;
      for (let k = 0; k < per; k++) dst[r * per + k] = v[i + k];
    }
  }
  return makeData({ type: type as never, length: count, nullCount, nullBitmap: bitmap, data: out as never });
}
