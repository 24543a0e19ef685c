/**
 * Typed, allocation-free access to one key column of one batch, shared by hashing and
 * comparison. Reading an int64 through `Vector.get` creates a BigInt and reading a string
 * decodes UTF-8; a view reads the buffers themselves (int64 as two int32 words, strings
 * as bytes), which is what keeps sorting and partitioning millions of rows cheap.
 */
import { type Data, type DataType, Precision, type RecordBatch, Type, type Vector, makeVector } from 'apache-arrow';
import { unsupportedKeyType } from './recipe.error';

/** How a view reads its column. */
export const enum ViewKind {
  /** Up to 32-bit integers, float32/float64 and day dates: one JS number per row. */
  Number,
  /** 64-bit and wider integers (int64, timestamps, decimals) as little-endian int32 words. */
  Words,
  /** utf8 and binary with 32-bit offsets: bytes compared unsigned, which is code-point order for UTF-8. */
  Bytes,
  /** Booleans, one bit per row. */
  Bool,
  /** The null type: every row is null. */
  Null,
  /** Anything else orderable (dictionary, large utf8, half floats): through `Vector.get`. */
  Generic,
}

/** One key column of one batch. */
export class ColumnView {
  readonly kind: ViewKind;
  /** Validity bits, or null when the column has no nulls. */
  readonly valid: Uint8Array | null;
  /** The data's bit offset (validity and bool bits are not sliced with the data). */
  readonly bitOffset: number;
  /** Number kind: the values; true for floats (NaN and -0 get their own rules). */
  readonly numbers: ArrayLike<number> = [];
  readonly isFloat: boolean = false;
  /** Words kind: the values as int32 words, `stride` per row, the top word signed unless `unsigned`. */
  readonly words: Int32Array = new Int32Array(0);
  readonly stride: number = 0;
  readonly unsigned: boolean = false;
  /** Bytes kind: offsets (length + 1) into `bytes`. */
  readonly offsets: Int32Array = new Int32Array(0);
  readonly bytes: Uint8Array = new Uint8Array(0);
  /** Generic kind: the column as a vector. */
  readonly vector: Vector | null = null;

  constructor(data: Data, column: string, subject: string, use: 'order' | 'hash') {
    this.bitOffset = data.offset;
    this.valid = data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0 ? data.nullBitmap : null;
    const type = data.type as DataType;
    const values = data.values as unknown;
    switch (type.typeId) {
      case Type.Null:
        this.kind = ViewKind.Null;
        return;
      case Type.Bool:
        this.kind = ViewKind.Bool;
        this.bytes = data.values as Uint8Array;
        return;
      case Type.Utf8:
      case Type.Binary:
        this.kind = ViewKind.Bytes;
        this.offsets = data.valueOffsets as Int32Array;
        this.bytes = (data.values as Uint8Array | undefined) ?? new Uint8Array(0);
        return;
      case Type.Float:
        if ((type as unknown as { precision: Precision }).precision === Precision.HALF) break;
        this.kind = ViewKind.Number;
        this.numbers = values as Float64Array;
        this.isFloat = true;
        return;
      case Type.Int:
      case Type.Date:
      case Type.Time:
      case Type.Timestamp:
      case Type.Duration:
      case Type.Decimal: {
        const typed = values as ArrayLike<number> & ArrayBufferView & { readonly BYTES_PER_ELEMENT: number };
        if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
          this.kind = ViewKind.Words;
          this.words = new Int32Array(typed.buffer, typed.byteOffset, data.length * 2);
          this.stride = 2;
          this.unsigned = values instanceof BigUint64Array;
          return;
        }
        if (type.typeId === Type.Decimal || data.stride > 1) {
          // Decimals (and int64 in the old int32-pair layout): `stride` little-endian words per row.
          const perRow = (data.stride * typed.BYTES_PER_ELEMENT) / 4;
          this.kind = ViewKind.Words;
          this.words = new Int32Array(typed.buffer, typed.byteOffset, data.length * perRow);
          this.stride = perRow;
          return;
        }
        this.kind = ViewKind.Number;
        this.numbers = typed;
        return;
      }
      case Type.Dictionary:
      case Type.LargeUtf8:
      case Type.LargeBinary:
      case Type.FixedSizeBinary:
        break;
      default:
        throw unsupportedKeyType(subject, column, String(type), use);
    }
    this.kind = ViewKind.Generic;
    this.vector = makeVector(data);
  }

  /** True when row `i` is null. */
  isNull(i: number): boolean {
    if (this.kind === ViewKind.Null) return true;
    const valid = this.valid;
    if (valid === null) return false;
    const at = this.bitOffset + i;
    return (valid[at >> 3] & (1 << (at & 7))) === 0;
  }

  /** Bool kind: the bit of row `i`. */
  bit(i: number): number {
    const at = this.bitOffset + i;
    return (this.bytes[at >> 3] >> (at & 7)) & 1;
  }
}

/**
 * Views of `columns` (by index) of `batch`.
 */
export function columnViews(
  batch: RecordBatch,
  columns: readonly number[],
  subject: string,
  use: 'order' | 'hash',
): ColumnView[] {
  return columns.map((c) => new ColumnView(batch.data.children[c], batch.schema.fields[c].name, subject, use));
}

/** Whether a type can be a key at all (checked before the first batch arrives). */
export function isKeyType(type: DataType): boolean {
  switch (type.typeId) {
    case Type.Null:
    case Type.Bool:
    case Type.Utf8:
    case Type.Binary:
    case Type.Float:
    case Type.Int:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Duration:
    case Type.Decimal:
    case Type.Dictionary:
    case Type.LargeUtf8:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return true;
    default:
      return false;
  }
}

/** Compares two byte ranges unsigned, shorter first on a common prefix. */
export function compareBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let k = 0; k < n; k++) {
    const d = a[aStart + k] - b[bStart + k];
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}
