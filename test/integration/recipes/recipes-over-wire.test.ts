/**
 * The recipes in real worker processes: Silo's client starts stdio workers of the recipe
 * test functions as DuckDB would (a process per sink connection, combine on one of them,
 * every finalize stream on a fresh process), all on one SQLite file.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Float64, Int32, Int64, Schema, Table, Utf8 } from 'apache-arrow';
import { makeRecordBatch } from '../../../src/arrow';
import { partitionIndices } from '../../../src';
import { runFunction } from '../../../src/client';
import { REGISTER_TS, sharedStorageEnv } from '../client/support';
import { referenceSort, rowsOf } from '../../unit/recipes/random-batches';

jest.setTimeout(180_000);

const WORKER = [process.execPath, '-r', REGISTER_TS, join(__dirname, 'recipe-worker.ts')];
const schema = new Schema([
  new Field('k', new Int64(), true),
  new Field('s', new Utf8(), true),
  new Field('v', new Float64(), false),
  new Field('id', new Int32(), false),
]);
const n = 6000;
const input = new Table([
  makeRecordBatch(schema, {
    k: Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : BigInt((i * 7919) % 211) - 100n)),
    s: Array.from({ length: n }, (_, i) => (i % 17 === 0 ? null : `s${(i * 31) % 53}`)),
    v: Array.from({ length: n }, (_, i) => ((i * 104729) % 6007) / 4),
    id: Array.from({ length: n }, (_, i) => i),
  }),
]);
const inputRows = rowsOf(input.batches[0]);

describe('Storage recipes in worker processes', () => {
  const { dir, env } = sharedStorageEnv('silo-recipes-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should replay every row in batches of 1000 on a finalize process that saw no sink call', async () => {
    const result = await runFunction({
      command: WORKER,
      env,
      function: 'replay_rows',
      input,
      sinkConnections: 1,
      batchSize: 700,
    });
    expect(result.output.batches.map((b) => b.numRows)).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
    expect(result.output.batches.flatMap(rowsOf)).toEqual(inputRows);
    expect(result.pids.finalize.some((p) => result.pids.sink.includes(p))).toBe(false);
  });

  it('should fan out to one finalize process per partition, each reading only its partition', async () => {
    const result = await runFunction({
      command: WORKER,
      env,
      function: 'partition_rows',
      input,
      args: { key: 'k' },
      sinkConnections: 3,
      batchSize: 500,
    });
    expect(result.finalizeStateIds).toHaveLength(5);
    expect(new Set(result.pids.finalize).size).toBe(5);
    for (const batch of result.output.batches) {
      expect(Array.from(partitionIndices(batch, 'k', 5))).toEqual(
        Array.from(batch.getChild('stream')!.toArray() as Int32Array),
      );
    }
    expect(result.output.numRows).toBe(n);
  });

  it('should return the global top 37 from candidates stored by 3 sink processes', async () => {
    const result = await runFunction({
      command: WORKER,
      env,
      function: 'top_rows',
      input,
      args: { key: 'v DESC', k: 37n },
      sinkConnections: 3,
      batchSize: 400,
    });
    const values = result.output.batches.flatMap(rowsOf).map((r) => r.v);
    expect(values).toEqual(
      referenceSort(inputRows, [{ column: 'v', order: 'desc' }])
        .slice(0, 37)
        .map((r) => r.v),
    );
  });
});
