/**
 * The benchmark input: N rows of `k BIGINT, v DOUBLE, s VARCHAR` (about 20 bytes of
 * text), generated from a fixed seed so every run and both sides see the same bytes.
 */
import {
  Field,
  Float64,
  Int64,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
} from 'apache-arrow';

/** Distinct keys of `k` (fewer when N is smaller). */
export const DISTINCT_KEYS = 100_000;

/** Bytes of every `s` value. */
export const TEXT_BYTES = 20;

/** A small, fast, seedable PRNG (mulberry32): `Math.random` cannot be seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LETTERS = new TextEncoder().encode('abcdefghijklmnopqrstuvwxyz');

/**
 * `rows` rows: `k` takes each of min(rows, 100 000) keys about equally often, in random
 * order; `v` is a random double; `s` is `r-<row in base 36, 8 chars>-<9 random letters>`.
 * Built from buffers directly (one batch): `vectorFromArray` over a million strings
 * would take longer than some workloads.
 */
export function makeInput(rows: number, seed = 20261124): Table {
  const random = prng(seed);
  const keyCount = Math.min(rows, DISTINCT_KEYS);
  const keys = new BigInt64Array(rows);
  const values = new Float64Array(rows);
  const textOffsets = new Int32Array(rows + 1);
  const textData = new Uint8Array(rows * TEXT_BYTES);
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i % keyCount;
  // Fisher–Yates, so equal keys are spread over the whole input (and over sink workers).
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const encoder = new TextEncoder();
  for (let i = 0; i < rows; i++) {
    keys[i] = BigInt(order[i]);
    values[i] = Math.round(random() * 1e6) / 100;
    const at = i * TEXT_BYTES;
    textOffsets[i] = at;
    encoder.encodeInto(`r-${i.toString(36).padStart(8, '0')}-`, textData.subarray(at, at + 11));
    for (let c = 11; c < TEXT_BYTES; c++) textData[at + c] = LETTERS[Math.floor(random() * 26)];
  }
  textOffsets[rows] = rows * TEXT_BYTES;
  const schema = new Schema([
    new Field('k', new Int64(), true),
    new Field('v', new Float64(), true),
    new Field('s', new Utf8(), true),
  ]);
  const children = [
    makeData({ type: new Int64(), length: rows, nullCount: 0, data: keys }),
    makeData({ type: new Float64(), length: rows, nullCount: 0, data: values }),
    makeData({ type: new Utf8(), length: rows, nullCount: 0, valueOffsets: textOffsets, data: textData }),
  ];
  return new Table([
    new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children })),
  ]);
}

/**
 * The input as one Arrow IPC stream of `batchRows`-row batches: the bytes the raw
 * pipe limit moves (the client sends the same batches, one per process call).
 */
export function inputAsIpc(input: Table, batchRows: number): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, input.schema);
  for (const batch of input.batches) {
    for (let at = 0; at < batch.numRows; at += batchRows)
      writer.write(batch.slice(at, Math.min(batch.numRows, at + batchRows)));
  }
  writer.finish();
  return writer.toUint8Array(true);
}

/** Sum of `v` over the input, to check an aggregate's output. */
export function totalOfValues(input: Table): number {
  let total = 0;
  for (const batch of input.batches) {
    const values = batch.getChildAt(1)!.data[0].values as Float64Array;
    for (let i = 0; i < batch.numRows; i++) total += values[i];
  }
  return total;
}
