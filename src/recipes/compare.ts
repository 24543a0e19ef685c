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
    return { batch, views: columnViews(batch, this.columns, this.subject, 'order') };
  }

  /** Negative when row `i` of `a` sorts before row `j` of `b`, positive after, 0 when the keys are equal. */
  compare(a: KeyedBatch, i: number, b: KeyedBatch, j: number): number {
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
