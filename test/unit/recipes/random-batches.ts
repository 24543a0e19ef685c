/** Seeded random batches of every common key type, and a plain-JS reference ordering. */
import { Binary, Bool, Field, Float64, Int32, Int64, Null, type RecordBatch, Schema, Utf8 } from 'apache-arrow';
import { makeRecordBatch } from '../../../src/arrow';

/** mulberry32: a small seeded generator, so every run sees the same data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SCHEMA = new Schema([
  new Field('i32', new Int32(), true),
  new Field('i64', new Int64(), true),
  new Field('f64', new Float64(), true),
  new Field('s', new Utf8(), true),
  new Field('b', new Bool(), true),
  new Field('bin', new Binary(), true),
  new Field('nul', new Null(), true),
  new Field('row', new Int32(), false),
]);

const WORDS = ['', 'a', 'b', 'ab', 'Z', 'é', 'e', 'zz', '😀', 'ﬀ', 'abc', 'b '];
const FLOATS = [0, -0, 1.5, -2, NaN, Infinity, -Infinity, 3, 1e300];
const BIGS = [0n, 1n, -1n, 2n ** 40n, -(2n ** 40n), 2n ** 62n, -(2n ** 63n), 2n ** 63n - 1n, 7n];

/**
 * `n` rows with few distinct values per column (so ties and duplicates are common),
 * about `nullRate` of them null; `row` numbers the rows from `firstRow`.
 */
export function randomBatch(random: () => number, n: number, firstRow = 0, nullRate = 0.1): RecordBatch {
  const pick = <T>(values: readonly T[]): T | null =>
    random() < nullRate ? null : values[Math.floor(random() * values.length)];
  const columns: Record<string, unknown[]> = { i32: [], i64: [], f64: [], s: [], b: [], bin: [], nul: [], row: [] };
  for (let r = 0; r < n; r++) {
    columns.i32.push(pick([-3, -1, 0, 2, 5, 2147483647, -2147483648]));
    columns.i64.push(pick(BIGS));
    columns.f64.push(pick(FLOATS));
    columns.s.push(pick(WORDS));
    columns.b.push(pick([true, false]));
    const bytes = pick(['', '00', '0001', 'ff', '7f80']);
    columns.bin.push(bytes === null ? null : Uint8Array.from(Buffer.from(bytes, 'hex')));
    columns.nul.push(null);
    columns.row.push(firstRow + r);
  }
  return makeRecordBatch(SCHEMA, columns);
}

/** A value as the reference comparison sees it. */
export type Plain = number | bigint | string | boolean | Uint8Array | null;

/** Plain rows of a batch (column name → value). */
export function rowsOf(batch: RecordBatch): Record<string, Plain>[] {
  const out: Record<string, Plain>[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const row: Record<string, Plain> = {};
    batch.schema.fields.forEach((f, c) => {
      row[f.name] = batch.getChildAt(c)!.get(i) as Plain;
    });
    out.push(row);
  }
  return out;
}

function comparePlain(a: Plain, b: Plain): number {
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
}

/** A key of the reference ordering. */
export interface RefKey {
  readonly column: string;
  readonly order?: 'asc' | 'desc';
  readonly nulls?: 'first' | 'last';
}

/** The reference: a stable sort of plain rows by keys, nulls last unless asked. */
export function referenceSort(
  rows: readonly Record<string, Plain>[],
  keys: readonly RefKey[],
): Record<string, Plain>[] {
  return rows
    .map((row, i) => ({ row, i }))
    .sort((x, y) => {
      for (const k of keys) {
        const a = x.row[k.column];
        const b = y.row[k.column];
        if (a === null || b === null) {
          if (a === null && b === null) continue;
          return (a === null) === (k.nulls === 'first') ? -1 : 1;
        }
        const d = comparePlain(a, b) * (k.order === 'desc' ? -1 : 1);
        if (d !== 0) return d;
      }
      return x.i - y.i;
    })
    .map((x) => x.row);
}

/** Splits a batch into slices of random sizes between 1 and `max` rows. */
export function randomSlices(random: () => number, batch: RecordBatch, max: number): RecordBatch[] {
  const out: RecordBatch[] = [];
  for (let at = 0; at < batch.numRows;) {
    const size = 1 + Math.floor(random() * max);
    out.push(batch.slice(at, Math.min(batch.numRows, at + size)));
    at += size;
  }
  return out;
}
