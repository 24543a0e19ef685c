/**
 * Row comparison by one or more key columns, across batches of one schema.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { type ColumnView, ViewKind, columnViews, compareBytes, isKeyType } from './column-view';
import { unsupportedKeyType } from './recipe.error';
import { type ResolvedKey, type SortKeys, resolveKeys } from './sort-keys';

/** A batch prepared for comparison: its key columns as views. */
export interface KeyedBatch {
  readonly batch: RecordBatch;
  readonly views: readonly ColumnView[];
  /**
   * The first key of every row as a double that never contradicts the order (a row that
   * sorts first never has a larger one); equal doubles are settled by the full comparison.
   * Most comparisons end here, on one subtraction. Null when the key has no such form.
   */
  readonly prefix: Float64Array | null;
}

const TWO_32 = 2 ** 32;

/** The order-preserving double of every row's first key (see {@link KeyedBatch.prefix}). */
function prefixOf(view: ColumnView, key: ResolvedKey, rows: number): Float64Array | null {
  const out = new Float64Array(rows);
  const d = key.direction;
  switch (view.kind) {
    case ViewKind.Number:
      for (let i = 0; i < rows; i++) {
        const v = view.numbers[i];
        // NaN sorts after every number: as +Infinity, the tie with it settled by the full comparison.
        out[i] = (v !== v ? Infinity : v) * d;
      }
      break;
    case ViewKind.Words: {
      // The top two words as a double: rounding is monotone, so the order never inverts.
      const s = view.stride;
      const w = view.words;
      for (let i = 0; i < rows; i++) {
        const hi = view.unsigned ? w[i * s + s - 1] >>> 0 : w[i * s + s - 1];
        out[i] = (hi * TWO_32 + (w[i * s + s - 2] >>> 0)) * d;
      }
      break;
    }
    case ViewKind.Bytes: {
      // The first six bytes, big-endian (48 bits, exact); a shorter value pads with zeros.
      const o = view.offsets;
      const b = view.bytes;
      for (let i = 0; i < rows; i++) {
        const start = o[i];
        const len = o[i + 1] - start;
        let v = 0;
        for (let k = 0; k < 6; k++) v = v * 256 + (k < len ? b[start + k] : 0);
        out[i] = v * d;
      }
      break;
    }
    case ViewKind.Bool:
      for (let i = 0; i < rows; i++) out[i] = view.bit(i) * d;
      break;
    default:
      return null;
  }
  if (view.valid !== null) {
    const nullValue = key.nullsFirst ? -Infinity : Infinity;
    for (let i = 0; i < rows; i++) if (view.isNull(i)) out[i] = nullValue;
  }
  return out;
}

/**
 * Compares rows of batches of one schema by resolved keys: nulls where the key asks,
 * NaN after every other float (as DuckDB orders them), -0 equal to 0, strings by UTF-8
 * bytes (code-point order, DuckDB's default collation), booleans false first.
 *
 * @example
 * ```ts
 * const order = new RowComparator(schema, ['city', { column: 'fare', order: 'desc' }]);
 * const a = order.prepare(batchA), b = order.prepare(batchB);
 * if (order.compare(a, 0, b, 5) < 0) { ... } // row 0 of A sorts before row 5 of B
 * ```
 */
export class RowComparator {
  readonly keys: readonly ResolvedKey[];
  private readonly columns: readonly number[];

  constructor(
    readonly schema: Schema,
    keys: SortKeys,
    private readonly subject = 'sort',
  ) {
    this.keys = resolveKeys(schema, keys, subject);
    for (const k of this.keys) {
      const type = schema.fields[k.index].type;
      if (!isKeyType(type)) throw unsupportedKeyType(subject, k.column, String(type), 'order');
    }
    this.columns = this.keys.map((k) => k.index);
  }

  /** Views of the key columns of `batch` (a batch of this comparator's schema). */
  prepare(batch: RecordBatch): KeyedBatch {
    const views = columnViews(batch, this.columns, this.subject, 'order');
    return { batch, views, prefix: prefixOf(views[0], this.keys[0], batch.numRows) };
  }

  /** Negative when row `i` of `a` sorts before row `j` of `b`, positive after, 0 when the keys are equal. */
  compare(a: KeyedBatch, i: number, b: KeyedBatch, j: number): number {
    if (a.prefix !== null && b.prefix !== null) {
      const p = a.prefix[i];
      const q = b.prefix[j];
      if (p < q) return -1;
      if (p > q) return 1;
    }
    const keys = this.keys;
    for (let c = 0; c < keys.length; c++) {
      const key = keys[c];
      const x = a.views[c];
      const y = b.views[c];
      const xNull = x.isNull(i);
      const yNull = y.isNull(j);
      if (xNull || yNull) {
        if (xNull && yNull) continue;
        return xNull === key.nullsFirst ? -1 : 1;
      }
      const d = compareValues(x, i, y, j);
      if (d !== 0) return d * key.direction;
    }
    return 0;
  }
}

/** Compares two non-null values of views of the same kind. */
function compareValues(x: ColumnView, i: number, y: ColumnView, j: number): number {
  switch (x.kind) {
    case ViewKind.Number: {
      const p = x.numbers[i];
      const q = y.numbers[j];
      if (p < q) return -1;
      if (p > q) return 1;
      if (p === q || !x.isFloat) return 0;
      // One or both NaN: NaN sorts after every number and equals NaN.
      const pNaN = p !== p;
      const qNaN = q !== q;
      return pNaN === qNaN ? 0 : pNaN ? 1 : -1;
    }
    case ViewKind.Words: {
      const s = x.stride;
      const xw = x.words;
      const yw = y.words;
      let at = s - 1;
      const top = x.unsigned ? (xw[i * s + at] >>> 0) - (yw[j * s + at] >>> 0) : xw[i * s + at] - yw[j * s + at];
      if (top !== 0) return top;
      for (at = s - 2; at >= 0; at--) {
        const d = (xw[i * s + at] >>> 0) - (yw[j * s + at] >>> 0);
        if (d !== 0) return d;
      }
      return 0;
    }
    case ViewKind.Bytes:
      return compareBytes(x.bytes, x.offsets[i], x.offsets[i + 1], y.bytes, y.offsets[j], y.offsets[j + 1]);
    case ViewKind.Bool:
      return x.bit(i) - y.bit(j);
    case ViewKind.Null:
      return 0;
    default:
      return compareGeneric(x.vector!.get(i), y.vector!.get(j));
  }
}

function compareGeneric(p: unknown, q: unknown): number {
  if (p instanceof Uint8Array && q instanceof Uint8Array) return compareBytes(p, 0, p.length, q, 0, q.length);
  if (typeof p === 'string' && typeof q === 'string') {
    // Code-point order, as the byte comparison of UTF-8 gives (UTF-16 `<` differs above U+FFFF).
    if (p === q) return 0;
    const a = Buffer.from(p, 'utf8');
    const b = Buffer.from(q, 'utf8');
    return compareBytes(a, 0, a.length, b, 0, b.length);
  }
  if (typeof p === 'number' && typeof q === 'number' && (p !== p || q !== q)) return p !== p ? (q !== q ? 0 : 1) : -1;
  const a = p as number | bigint | string;
  const b = q as number | bigint | string;
  return a < b ? -1 : a > b ? 1 : 0;
}
