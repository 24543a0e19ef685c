/**
 * The compute of the benchmark functions on plain typed arrays, with no Arrow and no
 * framework in sight. Silo's bench functions and the vendor-SDK worker
 * (`bench/vendor-worker/`, which loads the compiled copy of this file) both call these,
 * so the two sides of a workload differ only in what the frameworks do around them:
 * wire, storage, serialization, dispatch.
 */

/** DuckDB's vector size: the rows of every batch the functions stage for finalize. */
export const CHUNK_ROWS = 2048;

/** Finalize streams `key_sum` fans out to (keys are partitioned by `key mod PARTITIONS`). */
export const PARTITIONS = 4;

/**
 * The benchmark's three columns of one batch (`k int64, v float64, s utf8`), without
 * nulls. `textOffsets` has `length + 1` entries indexing into `textData`.
 */
export interface BenchColumns {
  readonly length: number;
  readonly keys: BigInt64Array;
  readonly values: Float64Array;
  readonly textOffsets: Int32Array;
  readonly textData: Uint8Array;
}

/** Per-key sums: parallel arrays, one entry per distinct key. */
export interface KeySums {
  readonly keys: BigInt64Array;
  readonly sums: Float64Array;
}

/**
 * A key as a JS number, so per-key maps hash doubles rather than bigints (several
 * times faster). The benchmark's keys are far inside the exact range; a key outside it
 * is refused rather than silently merged with a neighbour.
 */
function exactKey(key: bigint): number {
  const n = Number(key);
  if (!Number.isSafeInteger(n))
    throw new RangeError(`key ${key} does not fit a double exactly; the bench kernels only sum keys within ±2^53.`);
  return n;
}

/** The partition a key belongs to: stable across processes, non-negative for negative keys. */
export function partitionOf(key: number, partitions: number): number {
  const p = key % partitions;
  return p < 0 ? p + partitions : p;
}

/**
 * Pre-aggregates one input batch: the sum of `values` per key, split by partition, so
 * each finalize stream later merges only its own partials.
 */
export function partialSums(keys: BigInt64Array, values: Float64Array, partitions: number): KeySums[] {
  const maps: Map<number, number>[] = Array.from({ length: partitions }, () => new Map());
  for (let i = 0; i < keys.length; i++) {
    const key = exactKey(keys[i]);
    const map = maps[partitionOf(key, partitions)];
    map.set(key, (map.get(key) ?? 0) + values[i]);
  }
  return maps.map(toKeySums);
}

/** Adds partial sums into a running total. */
export function mergeSums(into: Map<number, number>, part: KeySums): void {
  for (let i = 0; i < part.keys.length; i++) {
    const key = exactKey(part.keys[i]);
    into.set(key, (into.get(key) ?? 0) + part.sums[i]);
  }
}

/** A running total as arrays ordered by key, so the output is deterministic. */
export function sortedSums(totals: Map<number, number>): KeySums {
  const ordered = Float64Array.from(totals.keys()).sort();
  const keys = new BigInt64Array(ordered.length);
  const sums = new Float64Array(ordered.length);
  for (let i = 0; i < ordered.length; i++) {
    keys[i] = BigInt(ordered[i]);
    sums[i] = totals.get(ordered[i])!;
  }
  return { keys, sums };
}

/** Rows `[start, end)` of per-key sums (views, no copy). */
export function sliceSums(sums: KeySums, start: number, end: number): KeySums {
  return { keys: sums.keys.subarray(start, end), sums: sums.sums.subarray(start, end) };
}

function toKeySums(map: Map<number, number>): KeySums {
  const keys = new BigInt64Array(map.size);
  const sums = new Float64Array(map.size);
  let i = 0;
  for (const [key, sum] of map) {
    keys[i] = BigInt(key);
    sums[i++] = sum;
  }
  return { keys, sums };
}

/**
 * Batches' columns left where they are (in the batches read back from storage), plus
 * what addressing them by global row number needs: every key in one array (to sort
 * on), and each row's batch. Not concatenating the rest keeps the peak memory of a
 * global sort near one copy of the input.
 */
export interface PartedColumns {
  readonly length: number;
  readonly parts: readonly BenchColumns[];
  /** The first global row of each part. */
  readonly starts: Int32Array;
  /** The part each global row is in. */
  readonly partOf: Uint16Array | Uint32Array;
  /** Every key, in global row order. */
  readonly keys: BigInt64Array;
  /** Each part's keys viewed as int32 pairs (low, high), to copy keys without creating BigInts. */
  readonly keyHalves: readonly Int32Array[];
}

/** Indexes `parts` for {@link sortOrder} and {@link gatherRows}, copying only the keys. */
export function partedColumns(parts: readonly BenchColumns[]): PartedColumns {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const starts = new Int32Array(parts.length);
  const partOf = parts.length <= 0xffff ? new Uint16Array(length) : new Uint32Array(length);
  const keys = new BigInt64Array(length);
  let row = 0;
  parts.forEach((p, i) => {
    starts[i] = row;
    partOf.fill(i, row, row + p.length);
    keys.set(p.keys.subarray(0, p.length), row);
    row += p.length;
  });
  const keyHalves = parts.map((p) => new Int32Array(p.keys.buffer, p.keys.byteOffset, p.length * 2));
  return { length, parts, starts, partOf, keys, keyHalves };
}

/**
 * The row order that sorts `keys` ascending, ties kept in input order: an LSD radix sort
 * over the keys' eight bytes (sign bit flipped so negatives come first), skipping bytes
 * every key shares. Linear time, and no memory beyond two index arrays — a comparison
 * sort through `TypedArray.prototype.sort` copies the indices into a boxed work array
 * and a merge buffer, which is what drives a global sort's peak memory. Reads the keys
 * as int32 halves (little-endian, as Node's platforms are), so no BigInt is created.
 */
export function sortOrder(keys: BigInt64Array): Uint32Array {
  const n = keys.length;
  const halves = new Int32Array(keys.buffer, keys.byteOffset, n * 2);
  let order = new Uint32Array(n);
  let spare = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Int32Array(256);
  for (let pass = 0; pass < 8; pass++) {
    const word = pass >> 2;
    const shift = (pass & 3) * 8;
    // The top byte of the high word carries the sign: flip it so the order is signed.
    const flip = pass === 7 ? 0x80 : 0;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((halves[2 * i + word] >>> shift) & 0xff) ^ flip]++;
    if (n === 0 || counts.includes(n)) continue;
    let total = 0;
    for (let b = 0; b < 256; b++) {
      const c = counts[b];
      counts[b] = total;
      total += c;
    }
    for (let i = 0; i < n; i++) {
      const row = order[i];
      spare[counts[((halves[2 * row + word] >>> shift) & 0xff) ^ flip]++] = row;
    }
    [order, spare] = [spare, order];
  }
  return order;
}

/** The global rows `order[start..end)` of `columns`, as new arrays. */
export function gatherRows(columns: PartedColumns, order: Uint32Array, start: number, end: number): BenchColumns {
  const length = end - start;
  const keys = new BigInt64Array(length);
  // int64 keys copied as int32 halves: reading a BigInt64Array element allocates a BigInt.
  const keyHalves = new Int32Array(keys.buffer);
  const values = new Float64Array(length);
  const textOffsets = new Int32Array(length + 1);
  let bytes = 0;
  for (let i = 0; i < length; i++) {
    const row = order[start + i];
    const part = columns.partOf[row];
    const p = columns.parts[part];
    const at = row - columns.starts[part];
    const from = columns.keyHalves[part];
    keyHalves[2 * i] = from[2 * at];
    keyHalves[2 * i + 1] = from[2 * at + 1];
    values[i] = p.values[at];
    bytes += p.textOffsets[at + 1] - p.textOffsets[at];
    textOffsets[i + 1] = bytes;
  }
  const textData = new Uint8Array(bytes);
  for (let i = 0; i < length; i++) {
    const row = order[start + i];
    const part = columns.partOf[row];
    const p = columns.parts[part];
    const at = row - columns.starts[part];
    textData.set(p.textData.subarray(p.textOffsets[at], p.textOffsets[at + 1]), textOffsets[i]);
  }
  return { length, keys, values, textOffsets, textData };
}
