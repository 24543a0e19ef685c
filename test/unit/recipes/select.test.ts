import { Field, Float64, Int32, Int64, type RecordBatch, Schema, Utf8, tableFromArrays } from 'apache-arrow';
import { makeRecordBatch, schemasEqual } from '../../../src/arrow';
import { deserializeBatch, serializeBatch } from '../../../src';
import {
  BatchCoalescer,
  FirstByKey,
  TopKSelector,
  coalesceBatches,
  dedupBatch,
  hashRows,
  partitionBatch,
  topK,
  topKOf,
} from '../../../src/recipes';
import { SCHEMA, randomBatch, randomSlices, referenceSort, rowsOf, seeded } from './random-batches';

const plainKey = (row: Record<string, unknown>, columns: readonly string[]) =>
  JSON.stringify(
    columns.map((c) => row[c]),
    (_k, v: unknown) =>
      typeof v === 'bigint'
        ? `${v}n`
        : v instanceof Uint8Array
          ? Buffer.from(v).toString('hex')
          : typeof v === 'number'
            ? `${v === 0 ? 0 : v}`
            : v,
  );

describe('hashRows and partitionBatch', () => {
  it('should hash a key the same in every batch, slice and IPC round trip, and pin the values', () => {
    const random = seeded(11);
    const batch = randomBatch(random, 2000);
    const columns = ['i64', 's', 'f64', 'b', 'bin'];
    const byKey = new Map<string, number>();
    for (const part of [batch, batch.slice(700, 1900), deserializeBatch(serializeBatch(batch)).slice(5)]) {
      const hashes = hashRows(part, columns);
      rowsOf(part).forEach((row, i) => {
        const key = plainKey(row, columns);
        if (!byKey.has(key)) byKey.set(key, hashes[i]);
        expect(hashes[i]).toBe(byKey.get(key));
      });
    }
    // The hash is part of the contract (processes of different releases must agree): pinned.
    const pinned = makeRecordBatch(new Schema([new Field('k', new Int64(), true), new Field('s', new Utf8(), true)]), {
      k: [0n, 5n, -1n, null],
      s: ['', 'silo', 'é', null],
    });
    expect(Array.from(hashRows(pinned, 'k'))).toMatchInlineSnapshot(`
[
  1000441743,
  2631004404,
  1074312294,
  4275867640,
]
`);
    expect(Array.from(hashRows(pinned, ['s', 'k']))).toMatchInlineSnapshot(`
[
  342391140,
  1943766187,
  640921231,
  1214783464,
]
`);
  });

  it('should hash an integer key alike at every width, and -0 like 0', () => {
    const wide = makeRecordBatch(new Schema([new Field('k', new Int64(), true)]), { k: [7n, -3n, null] });
    const narrow = makeRecordBatch(new Schema([new Field('k', new Int32(), true)]), { k: [7, -3, null] });
    expect(Array.from(hashRows(narrow, 'k'))).toEqual(Array.from(hashRows(wide, 'k')));
    const floats = makeRecordBatch(new Schema([new Field('f', new Float64(), true)]), { f: [0, -0, NaN, -NaN] });
    const [a, b, c, d] = hashRows(floats, 'f');
    expect([a === b, c === d, a === c]).toEqual([true, true, false]);
  });

  it('should split a batch into n batches of its schema, every key in one partition, rows in order', () => {
    const random = seeded(12);
    const batch = randomBatch(random, 3000);
    const parts = partitionBatch(batch, ['s', 'i32'], 7);
    expect(parts).toHaveLength(7);
    expect(parts.every((p) => schemasEqual(p.schema, batch.schema))).toBe(true);
    const all = parts.flatMap(rowsOf);
    expect(all.map((r) => r.row).sort((x, y) => Number(x) - Number(y))).toEqual(rowsOf(batch).map((r) => r.row));
    const home = new Map<string, number>();
    parts.forEach((p, n) => {
      const rows = rowsOf(p).map((r) => r.row as number);
      expect(rows).toEqual([...rows].sort((x, y) => x - y));
      for (const r of rowsOf(p)) {
        const key = plainKey(r, ['s', 'i32']);
        expect(home.get(key) ?? n).toBe(n);
        home.set(key, n);
      }
    });
    expect(() => partitionBatch(batch, 's', 0)).toThrow(
      '[SILO563] partitionBatch: the partition count must be a whole number from 1 to 65536 (got 0).',
    );
  });
});

describe('topK', () => {
  it('should keep the first k rows of a stable sort, within a batch and across candidates', () => {
    const random = seeded(13);
    const keys = [{ column: 'i32', order: 'desc' as const }, { column: 'b' }];
    const input = randomBatch(random, 2500);
    const slices = randomSlices(random, input, 400);
    for (const k of [0, 1, 7, 100, 3000]) {
      const expected = referenceSort(rowsOf(input), keys).slice(0, k);
      expect(rowsOf(topKOf(SCHEMA, slices, keys, k))).toEqual(expected);
      expect(rowsOf(topK(input, keys, k))).toEqual(expected);
    }
  });

  it('should let the row offered first win a tie', () => {
    const schema = new Schema([new Field('score', new Int32(), false), new Field('id', new Int32(), false)]);
    const best = new TopKSelector(schema, { column: 'score', order: 'desc' }, 2);
    best.add(makeRecordBatch(schema, { score: [5, 9], id: [1, 2] }));
    best.add(makeRecordBatch(schema, { score: [9, 5, 9], id: [3, 4, 5] }));
    expect(rowsOf(best.result())).toEqual([
      { score: 9, id: 2 },
      { score: 9, id: 3 },
    ]);
  });
});

describe('dedup', () => {
  it('should keep the first row of every key, in order, across batches', () => {
    const random = seeded(14);
    const input = randomBatch(random, 3000);
    for (const columns of [['i64'], ['s'], ['f64'], ['b', 'bin'], ['nul', 'i32', 's']]) {
      const seen = new Set<string>();
      const expected = rowsOf(input).filter((r) => {
        const key = plainKey(r, columns);
        return seen.has(key) ? false : (seen.add(key), true);
      });
      const filter = new FirstByKey(SCHEMA, columns);
      const got = randomSlices(random, input, 500).flatMap((b) => rowsOf(filter.filter(b)));
      expect(got).toEqual(expected);
      expect(filter.size).toBe(expected.length);
    }
  });

  it('should treat null as a key of its own and 2^53 + 1 apart from 2^53', () => {
    const batch = makeRecordBatch(new Schema([new Field('k', new Int64(), true), new Field('n', new Int32(), false)]), {
      k: [null, 2n ** 53n, 2n ** 53n + 1n, null, 2n ** 53n],
      n: [0, 1, 2, 3, 4],
    });
    expect(dedupBatch(batch, 'k').getChild('n')!.toArray()).toEqual(Int32Array.from([0, 1, 2]));
  });
});

describe('BatchCoalescer', () => {
  it('should give batches of exactly targetRows from batches of any size, the last one shorter', async () => {
    const random = seeded(15);
    const input = randomBatch(random, 5000);
    for (const target of [1, 7, 1000, 2048, 6000]) {
      const out: RecordBatch[] = [];
      for await (const b of coalesceBatches(SCHEMA, randomSlices(random, input, 3000), target)) out.push(b);
      expect(out.slice(0, -1).every((b) => b.numRows === target)).toBe(true);
      expect(out[out.length - 1].numRows).toBe(5000 % target || Math.min(target, 5000));
      expect(out.flatMap(rowsOf)).toEqual(rowsOf(input));
    }
  });

  it('should refuse a batch of another schema and a target below 1', () => {
    const coalescer = new BatchCoalescer(SCHEMA, 10);
    expect(() => coalescer.push(tableFromArrays({ x: [1] }).batches[0])).toThrow(
      '[SILO562] BatchCoalescer.push: the batch does not have the expected schema',
    );
    expect(() => new BatchCoalescer(SCHEMA, 0)).toThrow(
      '[SILO563] BatchCoalescer: targetRows must be a whole number of at least 1 (got 0).',
    );
  });
});
