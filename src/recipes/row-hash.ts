/**
 * A stable 32-bit hash of rows by key columns, and partitioning by it. Stable means: the
 * same key gives the same hash in every process, on every platform, in every release of
 * this package — which is what lets sink processes that never talk to each other send a
 * key to the same partition. Integers of every width hash by their 64-bit value (an
 * int32 5 and an int64 5 agree), floats by their float64 bits (-0 as 0, one NaN), strings
 * by their UTF-8 bytes, booleans as 0 and 1; null has a hash of its own.
 */
import type { RecordBatch } from 'apache-arrow';
import { type ColumnView, ViewKind, columnViews, isKeyType } from './column-view';
import { takeIndices } from './gather';
import { badOption, unsupportedKeyType } from './recipe.error';
import { resolveKeys, type SortKeys } from './sort-keys';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const NULL_WORD = 0x6e756c6c; // 'null'
const SEED = 0x5f3759df;

/** Murmur3's per-word mixing step. */
function absorb(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Murmur3's finalizer: every input bit reaches every output bit. */
function finish(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const scratchFloat = new Float64Array(1);
const scratchWords = new Int32Array(scratchFloat.buffer);
const encoder = new TextEncoder();
let scratchBytes = new Uint8Array(256);

function absorbNumber(h: number, v: number, isFloat: boolean): number {
  // Integers as their 64-bit two's complement (low word, high word), like int64 words.
  if (!isFloat) return absorb(absorb(h, v | 0), v < 0 ? -1 : 0);
  scratchFloat[0] = v === 0 ? 0 : v !== v ? NaN : v;
  return absorb(absorb(h, scratchWords[0]), scratchWords[1]);
}

function absorbBytes(h: number, bytes: Uint8Array, start: number, end: number): number {
  let at = start;
  for (; at + 4 <= end; at += 4)
    h = absorb(h, bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24));
  let tail = 0;
  for (let shift = 0; at < end; at++, shift += 8) tail |= bytes[at] << shift;
  return absorb(absorb(h, tail), end - start);
}

function absorbGeneric(h: number, v: unknown): number {
  if (typeof v === 'string') {
    if (scratchBytes.length < v.length * 3) scratchBytes = new Uint8Array(v.length * 3);
    const { written } = encoder.encodeInto(v, scratchBytes);
    return absorbBytes(h, scratchBytes, 0, written);
  }
  if (v instanceof Uint8Array) return absorbBytes(h, v, 0, v.length);
  if (typeof v === 'bigint')
    return absorb(absorb(h, Number(BigInt.asIntN(32, v))), Number(BigInt.asIntN(32, v >> 32n)));
  if (typeof v === 'number') return absorbNumber(h, v, true);
  if (typeof v === 'boolean') return absorb(absorb(h, v ? 1 : 0), 0);
  return absorbGeneric(h, String(v));
}

function absorbValue(h: number, view: ColumnView, i: number): number {
  if (view.isNull(i)) return absorb(h, NULL_WORD);
  switch (view.kind) {
    case ViewKind.Number:
      return absorbNumber(h, view.numbers[i], view.isFloat);
    case ViewKind.Words: {
      const s = view.stride;
      for (let k = 0; k < s; k++) h = absorb(h, view.words[i * s + k]);
      return h;
    }
    case ViewKind.Bytes:
      return absorbBytes(h, view.bytes, view.offsets[i], view.offsets[i + 1]);
    case ViewKind.Bool:
      return absorb(absorb(h, view.bit(i)), 0);
    case ViewKind.Null:
      return absorb(h, NULL_WORD);
    default:
      return absorbGeneric(h, view.vector!.get(i));
  }
}

/**
 * The hash of every row of `batch` by `keys` (one column or several), as unsigned 32-bit
 * integers. Refuses key columns that are not in the batch (SILO560) or cannot be hashed
 * (lists, structs, maps: SILO561).
 *
 * @example
 * ```ts
 * const hashes = hashRows(batch, ['city', 'day']);
 * ```
 */
export function hashRows(batch: RecordBatch, keys: SortKeys): Uint32Array {
  const resolved = resolveKeys(batch.schema, keys, 'hashRows');
  for (const k of resolved) {
    const type = batch.schema.fields[k.index].type;
    if (!isKeyType(type)) throw unsupportedKeyType('hashRows', k.column, String(type), 'hash');
  }
  const views = columnViews(
    batch,
    resolved.map((k) => k.index),
    'hashRows',
    'hash',
  );
  const out = new Uint32Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) {
    let h = SEED;
    for (let c = 0; c < views.length; c++) h = absorbValue(h, views[c], i);
    out[i] = finish(h, views.length);
  }
  return out;
}

/**
 * The partition (`0 … n-1`) of every row: its hash modulo `n`.
 *
 * @example
 * ```ts
 * const parts = partitionIndices(batch, 'city', 8); // parts[i] is row i's partition
 * ```
 */
export function partitionIndices(batch: RecordBatch, keys: SortKeys, n: number): Uint32Array {
  if (!Number.isInteger(n) || n < 1 || n > 65536)
    throw badOption('partitionBatch', 'the partition count', 'a whole number from 1 to 65536', n);
  const hashes = hashRows(batch, keys);
  for (let i = 0; i < hashes.length; i++) hashes[i] = hashes[i] % n;
  return hashes;
}

/**
 * Splits `batch` into `n` batches of its schema by the hash of `keys`: batch `p` holds,
 * in input order, the rows whose key hashes to partition `p` (possibly none). Every
 * process that sees a key puts it in the same partition.
 *
 * @example
 * ```ts
 * const parts = partitionBatch(batch, ['city'], 4);
 * await Promise.all(parts.map((part, p) => part.numRows > 0 && log.partition(String(p)).append(part)));
 * ```
 */
export function partitionBatch(batch: RecordBatch, keys: SortKeys, n: number): RecordBatch[] {
  const parts = partitionIndices(batch, keys, n);
  const counts = new Uint32Array(n);
  for (let i = 0; i < parts.length; i++) counts[parts[i]]++;
  const rows = Array.from(counts, (c) => new Uint32Array(c));
  counts.fill(0);
  for (let i = 0; i < parts.length; i++) rows[parts[i]][counts[parts[i]]++] = i;
  return rows.map((indices) => (indices.length === batch.numRows ? batch : takeIndices(batch, indices)));
}
