/**
 * Deduplication by key: the first row of every key wins, and rows keep their order.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { describeSchemaDifference } from '../arrow/schema-compare';
import { type ColumnView, ViewKind, columnViews, isKeyType } from './column-view';
import { takeIndices } from './gather';
import { schemaMismatch, unsupportedKeyType } from './recipe.error';
import { resolveKeys, type SortKeys } from './sort-keys';

/** The key of a row as a value a `Set` compares by value. */
type RowKey = number | string | bigint | boolean | symbol;

const NULL_KEY = Symbol('null');
const TWO_32 = 2 ** 32;

function bytesAsText(view: ColumnView): Buffer {
  return Buffer.from(view.bytes.buffer, view.bytes.byteOffset, view.bytes.byteLength);
}

/** Reads one key column of one batch as Set-comparable values. */
function keyReader(view: ColumnView): (i: number) => RowKey {
  switch (view.kind) {
    case ViewKind.Null:
      return () => NULL_KEY;
    case ViewKind.Number:
      // A Set treats -0 as 0 and NaN as NaN: SQL's grouping rules for floats.
      return (i) => (view.isNull(i) ? NULL_KEY : view.numbers[i]);
    case ViewKind.Bool:
      return (i) => (view.isNull(i) ? NULL_KEY : view.bit(i) === 1);
    case ViewKind.Bytes: {
      // latin1 maps bytes to characters one to one: a cheap exact key for any bytes.
      const text = bytesAsText(view);
      return (i) => (view.isNull(i) ? NULL_KEY : text.toString('latin1', view.offsets[i], view.offsets[i + 1]));
    }
    case ViewKind.Words: {
      const s = view.stride;
      if (s === 2) {
        return (i) => {
          if (view.isNull(i)) return NULL_KEY;
          const hi = view.words[2 * i + 1];
          const lo = view.words[2 * i] >>> 0;
          // Within ±2^53 a number is exact and hashes far faster than a bigint or a string.
          if (!view.unsigned && hi >= -0x200000 && hi < 0x200000) return hi * TWO_32 + lo;
          if (view.unsigned && hi >= 0 && hi < 0x200000) return hi * TWO_32 + lo;
          return `w${hi >>> 0}:${lo}`;
        };
      }
      return (i) => (view.isNull(i) ? NULL_KEY : `w${Array.from(view.words.subarray(i * s, i * s + s)).join(':')}`);
    }
    default:
      return (i) => {
        const v = view.vector!.get(i) as unknown;
        if (v === null || v === undefined) return NULL_KEY;
        if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
        return v as RowKey;
      };
  }
}

function encodePart(v: RowKey): string {
  if (v === NULL_KEY) return 'n';
  const text = String(v);
  return `${typeof v === 'string' ? 's' : 'v'}${text.length}:${text}`;
}

/**
 * Remembers the keys it has seen and passes on only rows with a new key: the first row of
 * each key, in input order, across every batch it filters. Memory: one entry per distinct key.
 *
 * @example
 * ```ts
 * const seen = new FirstByKey(schema, ['user_id']);
 * for (const batch of batches) out.push(seen.filter(batch));
 * ```
 */
export class FirstByKey {
  private readonly seen = new Set<RowKey>();
  private readonly columns: number[];

  constructor(
    readonly schema: Schema,
    keys: SortKeys,
  ) {
    const resolved = resolveKeys(schema, keys, 'dedup');
    for (const k of resolved) {
      const type = schema.fields[k.index].type;
      if (!isKeyType(type)) throw unsupportedKeyType('dedup', k.column, String(type), 'hash');
    }
    this.columns = resolved.map((k) => k.index);
  }

  /** Distinct keys seen so far. */
  get size(): number {
    return this.seen.size;
  }

  /** The rows of `batch` whose key was not seen before (in order); their keys are now seen. */
  filter(batch: RecordBatch): RecordBatch {
    if (batch.schema !== this.schema) {
      const drift = describeSchemaDifference(this.schema, batch.schema);
      if (drift !== null) throw schemaMismatch('FirstByKey.filter', drift);
    }
    const readers = columnViews(batch, this.columns, 'dedup', 'hash').map(keyReader);
    const keep = new Uint32Array(batch.numRows);
    let n = 0;
    const one = readers.length === 1 ? readers[0] : undefined;
    for (let i = 0; i < batch.numRows; i++) {
      const key = one ? one(i) : readers.map((read) => encodePart(read(i))).join('|');
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      keep[n++] = i;
    }
    return n === batch.numRows ? batch : takeIndices(batch, keep, n);
  }
}

/**
 * The first row of each key of one batch, in order.
 *
 * @example
 * ```ts
 * const unique = dedupBatch(batch, ['email']);
 * ```
 */
export function dedupBatch(batch: RecordBatch, keys: SortKeys): RecordBatch {
  return new FirstByKey(batch.schema, keys).filter(batch);
}
