import { Field, Float64, Int32, Int64, Schema, Table, Utf8 } from 'apache-arrow';
import { makeRecordBatch } from '../../../src/arrow';
import { bytesToText, partitionIndices } from '../../../src';
import { createTestingWorker } from '../../../src/testing';
import { RecipeFunctionsModule } from './recipe-functions';
import { rowsOf, referenceSort, seeded } from '../../unit/recipes/random-batches';

const schema = new Schema([
  new Field('k', new Int64(), true),
  new Field('s', new Utf8(), true),
  new Field('v', new Float64(), false),
  new Field('id', new Int32(), false),
]);

/** `n` rows: keys with many repeats and some nulls, a text key, a value, the row number. */
function input(n: number, seed: number): Table {
  const random = seeded(seed);
  const k: (bigint | null)[] = [];
  const s: (string | null)[] = [];
  const v: number[] = [];
  const id: number[] = [];
  for (let i = 0; i < n; i++) {
    k.push(random() < 0.05 ? null : BigInt(Math.floor(random() * 500) - 250) * 2n ** 33n);
    s.push(random() < 0.05 ? null : `s${Math.floor(random() * 40)}`);
    v.push(Math.round(random() * 1000) / 8);
    id.push(i);
  }
  return new Table([makeRecordBatch(schema, { k, s, v, id })]);
}

describe('Storage recipes in buffering functions (chaos: every phase and tick in a fresh container)', () => {
  const rows = input(9000, 21);
  const inputRows = rowsOf(rows.batches[0]);

  it('should replay every row in order, in batches of exactly the target size (collect-and-replay, coalescing)', async () => {
    const worker = await createTestingWorker({ modules: [RecipeFunctionsModule] }).compile();
    const { output, ticks, leaks } = await worker.run('replay_rows', {
      input: rows,
      sinkConnections: 1,
      batchSize: 333,
      chaos: true,
    });
    expect(output.batches.map((b) => b.numRows)).toEqual([...new Array(9).fill(1000)]);
    expect(output.batches.flatMap(rowsOf)).toEqual(inputRows);
    expect(ticks).toEqual([10]);
    expect(leaks).toEqual([]);
  });

  it('should give one stream per non-empty partition, each reading only its own partition', async () => {
    const worker = await createTestingWorker({ modules: [RecipeFunctionsModule] }).compile();
    const { output, finalizeStateIds, leaks } = await worker.run('partition_rows', {
      input: rows,
      args: { key: 's' },
      sinkConnections: 4,
      batchSize: 500,
      chaos: true,
    });
    expect(finalizeStateIds.map(bytesToText).sort()).toEqual([
      'partition:0',
      'partition:1',
      'partition:2',
      'partition:3',
      'partition:4',
    ]);
    for (const batch of output.batches) {
      expect(batch.numRows).toBeLessThanOrEqual(700);
      const home = partitionIndices(batch, 's', 5);
      const stream = batch.getChild('stream')!.toArray() as Int32Array;
      expect(Array.from(home)).toEqual(Array.from(stream));
    }
    expect(
      output.batches
        .flatMap(rowsOf)
        .map((r) => r.id)
        .sort((a, b) => Number(a) - Number(b)),
    ).toEqual(inputRows.map((r) => r.id));
    expect(leaks).toEqual([]);
  });

  const byId = (list: readonly Record<string, unknown>[]) => [...list].sort((a, b) => Number(a.id) - Number(b.id));

  it.each(['sort_rows', 'sort_rows_uncached'])(
    '%s: should sort as a stable ORDER BY does, through multi-pass merges of fan-in 3',
    async (name) => {
      const worker = await createTestingWorker({ modules: [RecipeFunctionsModule] }).compile();
      for (const key of ['k', 's DESC NULLS FIRST, v', 'v desc, k nulls first']) {
        const { output, finalizeStateIds, leaks } = await worker.run(name, {
          input: rows,
          args: { key },
          sinkConnections: 3,
          batchSize: 256,
          chaos: true,
        });
        // 36 runs of 256 rows, merged 3 at a time: 36 → 12 → 4 → 2 runs for the stream.
        expect(finalizeStateIds.map(bytesToText)).toEqual(['sorted:3:2']);
        const keys = key.split(',').map((p) => {
          const [column, ...rest] = p.trim().split(/\s+/);
          const words = rest.join(' ').toLowerCase();
          return {
            column,
            order: words.includes('desc') ? ('desc' as const) : ('asc' as const),
            nulls: words.includes('nulls first') ? ('first' as const) : ('last' as const),
          };
        });
        // Three connections sink interleaved, so rows with equal keys come in the order their
        // runs were written, not in input order (as in DuckDB): sorted, and every row once.
        const sorted = output.batches.flatMap(rowsOf);
        expect(sorted).toEqual(referenceSort(sorted, keys));
        expect(byId(sorted)).toEqual(byId(inputRows));
        if (name === 'sort_rows') expect(output.batches.slice(0, -1).every((b) => b.numRows === 777)).toBe(true);
        expect(leaks).toEqual([]);
      }
      // Through one connection the runs are the input's consecutive slices: a stable sort.
      const key = 's DESC NULLS FIRST, v';
      const { output } = await worker.run(name, { input: rows, args: { key }, batchSize: 256, chaos: true });
      expect(output.batches.flatMap(rowsOf)).toEqual(
        referenceSort(inputRows, [
          { column: 's', order: 'desc', nulls: 'first' },
          { column: 'v', order: 'asc', nulls: 'last' },
        ]),
      );
    },
  );

  it('should sort with no merge pass in combine when the runs fit the fan-in', async () => {
    const worker = await createTestingWorker({ modules: [RecipeFunctionsModule] }).compile();
    const small = new Table([rows.batches[0].slice(0, 500)]);
    const { output, finalizeStateIds } = await worker.run('sort_rows', {
      input: small,
      args: { key: 'id desc', fan_in: 4n },
      batchSize: 200,
    });
    expect(finalizeStateIds.map(bytesToText)).toEqual(['sorted:0:3']);
    expect(output.batches.flatMap(rowsOf).map((r) => r.id)).toEqual(Array.from({ length: 500 }, (_, i) => 499 - i));
  });

  it('should keep the k rows first in key order, ties in input order (top-k)', async () => {
    const worker = await createTestingWorker({ modules: [RecipeFunctionsModule] }).compile();
    const reference = referenceSort(inputRows, [{ column: 'v', order: 'desc' }]).slice(0, 37);
    const parallel = await worker.run('top_rows', {
      input: rows,
      args: { key: 'v DESC', k: 37n },
      sinkConnections: 3,
      batchSize: 400,
      chaos: true,
    });
    expect(parallel.output.batches.map((b) => b.numRows)).toEqual([10, 10, 10, 7]);
    // Connections sink interleaved: among equal keys, which rows come first is the sink's order.
    const got = parallel.output.batches.flatMap(rowsOf);
    expect(got.map((r) => r.v)).toEqual(reference.map((r) => r.v));
    const byIdOfInput = new Map(inputRows.map((r) => [r.id, r]));
    expect(got).toEqual(got.map((r) => byIdOfInput.get(r.id)));
    expect(parallel.leaks).toEqual([]);
    // Through one connection, ties keep the input order.
    const serial = await worker.run('top_rows', { input: rows, args: { key: 'v DESC', k: 37n }, batchSize: 400 });
    expect(serial.output.batches.flatMap(rowsOf)).toEqual(reference);
  });

  it('should keep the first row of every key in input order within each partition (dedup)', async () => {
    const worker = await createTestingWorker({ modules: [RecipeFunctionsModule] }).compile();
    const keyOf = (r: Record<string, unknown>): string => `${String(r.s)}|${String(r.k)}`;
    const seen = new Set<string>();
    const expected = inputRows.filter((r) => (seen.has(keyOf(r)) ? false : (seen.add(keyOf(r)), true)));
    const parallel = await worker.run('first_rows', {
      input: rows,
      args: { key: 's,k' },
      sinkConnections: 3,
      batchSize: 300,
      chaos: true,
    });
    const got = parallel.output.batches.flatMap(rowsOf);
    expect(parallel.finalizeStateIds).toHaveLength(3);
    // Connections sink interleaved, so "first" is first in the sink's order: one row per key.
    expect(got.map(keyOf).sort()).toEqual(expected.map(keyOf).sort());
    expect(parallel.output.batches.every((b) => b.numRows <= 100)).toBe(true);
    expect(parallel.leaks).toEqual([]);
    // Through one connection, the first row of each key in input order; streams one after another.
    const serial = await worker.run('first_rows', { input: rows, args: { key: 's,k' }, batchSize: 300 });
    expect(serial.output.batches.flatMap(rowsOf).sort((a, b) => Number(a.id) - Number(b.id))).toEqual(expected);
  });
});
