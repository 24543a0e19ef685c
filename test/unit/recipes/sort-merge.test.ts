import { Field, Int32, List, type RecordBatch, Schema, tableFromArrays } from 'apache-arrow';
import { makeRecordBatch } from '../../../src/arrow';
import { deserializeBatch, serializeBatch } from '../../../src';
import {
  KWayMerge,
  RecipeError,
  concatRows,
  firstUnsorted,
  mergeSortedRuns,
  parseSortKeys,
  sortBatch,
  takeIndices,
} from '../../../src/recipes';
import { type RefKey, SCHEMA, randomBatch, randomSlices, referenceSort, rowsOf, seeded } from './random-batches';

const KEY_SETS: readonly RefKey[][] = [
  [{ column: 'i64' }],
  [{ column: 'i32', order: 'desc' }],
  [{ column: 'f64' }, { column: 'row', order: 'desc' }],
  [
    { column: 's', nulls: 'first' },
    { column: 'i64', order: 'desc' },
  ],
  [{ column: 'b', order: 'desc', nulls: 'first' }, { column: 'bin' }, { column: 'f64', order: 'desc', nulls: 'last' }],
  [{ column: 'nul' }, { column: 's', order: 'desc' }],
];

async function collect(batches: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

describe('gather', () => {
  it('should take rows of sliced batches with nulls, of every column type, by value', () => {
    const random = seeded(1);
    const batch = randomBatch(random, 300, 0, 0.3).slice(37, 250);
    const indices = Array.from({ length: 120 }, () => Math.floor(random() * batch.numRows));
    const rows = rowsOf(batch);
    expect(rowsOf(takeIndices(batch, indices))).toEqual(indices.map((i) => rows[i]));
  });

  it('should concatenate batches, and survive an IPC round trip', () => {
    const random = seeded(2);
    const parts = randomSlices(random, randomBatch(random, 500), 90);
    const all = concatRows(SCHEMA, parts);
    expect(rowsOf(all)).toEqual(parts.flatMap(rowsOf));
    expect(rowsOf(deserializeBatch(serializeBatch(all)))).toEqual(rowsOf(all));
  });
});

describe('sortBatch', () => {
  it.each(
    KEY_SETS.map((keys) => [
      keys.map((k) => `${k.column} ${k.order ?? 'asc'} nulls ${k.nulls ?? 'last'}`).join(', '),
      keys,
    ]),
  )('should sort random rows by %s as a stable reference sort does', (_name, keys) => {
    const random = seeded(3);
    for (let round = 0; round < 5; round++) {
      const batch = randomBatch(random, 1 + Math.floor(random() * 700)).slice(round);
      expect(rowsOf(sortBatch(batch, keys))).toEqual(referenceSort(rowsOf(batch), keys));
    }
  });

  it('should put NaN after infinity, treat -0 as 0 and order strings by code point', () => {
    const t = tableFromArrays({
      f: Float64Array.from([NaN, Infinity, -0, 0, -Infinity]),
      s: ['ﬀ', '😀', 'z', 'Z', 'é'],
    });
    const batch = t.batches[0];
    expect(Array.from(sortBatch(batch, 'f').getChild('f')!.toArray() as Float64Array)).toEqual([
      -Infinity,
      -0,
      0,
      Infinity,
      NaN,
    ]);
    expect(sortBatch(batch, 's').getChild('s')!.toArray()).toEqual(['Z', 'z', 'é', 'ﬀ', '😀']);
  });

  it('should refuse an unknown column and a column that cannot be ordered, with their codes', () => {
    const batch = randomBatch(seeded(4), 3);
    expect(() => sortBatch(batch, 'price')).toThrow(RecipeError);
    expect(() => sortBatch(batch, 'price')).toThrow(
      '[SILO560] sort: no column "price" in the input (columns: i32, i64, f64, s, b, bin, nul, row)',
    );
    const lists = makeRecordBatch(new Schema([new Field('l', new List(new Field('item', new Int32(), true)), true)]), {
      l: [[1], [2, 3]],
    });
    expect(() => sortBatch(lists, 'l')).toThrow(
      '[SILO561] sort: column "l" is List<Int32>, which cannot be used to order rows.',
    );
    expect(() => sortBatch(batch, [])).toThrow('[SILO564] sort: no key column given');
    expect(() => sortBatch(batch, { column: 's', order: 'up' as 'asc' })).toThrow(
      "[SILO564] sort: order of \"s\" must be 'asc' or 'desc'",
    );
  });
});

/** An async run over pages that counts how many pages were pulled. */
function countingRun(pages: readonly RecordBatch[], pulled: number[], r: number): AsyncIterable<RecordBatch> {
  return {
    async *[Symbol.asyncIterator]() {
      for (const page of pages) {
        pulled[r]++;
        await Promise.resolve();
        yield page;
      }
    },
  };
}

describe('mergeSortedRuns', () => {
  it('should equal a full stable sort for random runs of random pages, with every batch of the target size', async () => {
    const random = seeded(5);
    for (const keys of KEY_SETS) {
      const input = randomBatch(random, 3000);
      // Consecutive slices of the input, each stable-sorted: the merge is then the input's stable sort.
      const runs = randomSlices(random, input, 900).map((slice) => randomSlices(random, sortBatch(slice, keys), 300));
      const target = 1 + Math.floor(random() * 700);
      const out = await collect(mergeSortedRuns(SCHEMA, runs, keys, { targetRows: target }));
      expect(out.slice(0, -1).every((b) => b.numRows === target)).toBe(true);
      expect(out[out.length - 1].numRows).toBeLessThanOrEqual(target);
      expect(out.flatMap(rowsOf)).toEqual(referenceSort(rowsOf(input), keys));
    }
  });

  it('should pull pages only as the output needs them: one page per run ahead at most', async () => {
    const random = seeded(6);
    const keys = [{ column: 'i64' }, { column: 'row' }];
    const runs = Array.from({ length: 8 }, (_, r) =>
      randomSlices(random, sortBatch(randomBatch(random, 4000, r * 4000), keys), 100),
    );
    const pulled = new Array<number>(runs.length).fill(0);
    const merge = new KWayMerge(
      SCHEMA,
      runs.map((pages, r) => countingRun(pages, pulled, r)),
      keys,
      { targetRows: 256 },
    );
    const taken = new Array<number>(runs.length).fill(0);
    for (let out = await merge.next(); out; out = await merge.next()) {
      const positions = merge.positions();
      positions.forEach((p, r) => {
        // Pages fully used, plus the page in hand: never a page the output has not reached.
        expect(pulled[r]).toBeLessThanOrEqual(p.pagesDone + 1);
        taken[r] = p.pagesDone;
      });
      expect(out.numRows).toBeLessThanOrEqual(256);
    }
    expect(taken).toEqual(runs.map((pages) => pages.length));
  });

  it('should resume from its positions in a new merge and give the same rows', async () => {
    const random = seeded(7);
    const keys = [{ column: 's' }, { column: 'i32', order: 'desc' as const }];
    const runs = Array.from({ length: 5 }, (_, r) =>
      randomSlices(random, sortBatch(randomBatch(random, 700, r * 700), keys), 64),
    );
    const whole = (await collect(mergeSortedRuns(SCHEMA, runs, keys, { targetRows: 100 }))).flatMap(rowsOf);
    const resumed: ReturnType<typeof rowsOf> = [];
    let positions = runs.map(() => ({ pagesDone: 0, row: 0, exhausted: false }));
    for (;;) {
      // A fresh merge per batch, as a finalize tick in a fresh process: pages skipped, rows skipped.
      const merge = new KWayMerge(
        SCHEMA,
        runs.map((pages, r) => pages.slice(positions[r].pagesDone)),
        keys,
        { targetRows: 100, skipRows: positions.map((p) => p.row) },
      );
      const out = await merge.next();
      if (!out) break;
      resumed.push(...rowsOf(out));
      positions = merge.positions().map((p, r) => ({ ...p, pagesDone: p.pagesDone + positions[r].pagesDone }));
    }
    expect(resumed).toEqual(whole);
  });

  it('should refuse a page of another schema', async () => {
    const other = tableFromArrays({ i64: BigInt64Array.from([1n]) }).batches[0];
    const run = [randomBatch(seeded(8), 3)];
    await expect(collect(mergeSortedRuns(SCHEMA, [run, [other]], 'i64'))).rejects.toThrow(
      '[SILO562] mergeSortedRuns (run 1): the batch does not have the expected schema',
    );
  });

  it('should merge 200k int64 rows in 40 runs into sorted output', async () => {
    const random = seeded(9);
    const runs: RecordBatch[][] = [];
    for (let r = 0; r < 40; r++) {
      const keys = BigInt64Array.from({ length: 5000 }, () => BigInt(Math.floor(random() * 2 ** 48) - 2 ** 47));
      const sorted = sortBatch(tableFromArrays({ k: keys }).batches[0], 'k');
      runs.push(randomSlices(random, sorted, 2048).map((b) => deserializeBatch(serializeBatch(b))));
    }
    const out = concatRows(
      runs[0][0].schema,
      await collect(mergeSortedRuns(runs[0][0].schema, runs, 'k', { targetRows: 2048 })),
    );
    expect(out.numRows).toBe(200_000);
    expect(firstUnsorted(out, 'k')).toBe(-1);
  });
});

describe('parseSortKeys', () => {
  it('should read an ORDER BY list, defaulting to ascending, nulls last', () => {
    expect(parseSortKeys('fare DESC, id,  city asc nulls first')).toEqual([
      { column: 'fare', order: 'desc', nulls: 'last' },
      { column: 'id', order: 'asc', nulls: 'last' },
      { column: 'city', order: 'asc', nulls: 'first' },
    ]);
  });

  it('should refuse an empty entry and words it does not know, with SILO564', () => {
    expect(() => parseSortKeys('a,,b')).toThrow('[SILO564] sort: the key list "a,,b" has an empty entry.');
    expect(() => parseSortKeys('a descending', 'external_sort')).toThrow(
      '[SILO564] external_sort: cannot read the key "a descending"',
    );
  });
});
