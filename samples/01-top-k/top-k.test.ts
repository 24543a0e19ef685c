import { tableFromArrays } from 'apache-arrow';
import { createTestingWorker } from 'vgi-silo/testing';
import { TopKModule } from './top-k.module';

describe('top_k', () => {
  const n = 20_000;
  // A permutation of 0..n-1, so the expected top rows are known exactly.
  const score = Float64Array.from({ length: n }, (_, i) => (i * 7919) % n);
  const id = Int32Array.from({ length: n }, (_, i) => i);
  const input = tableFromArrays({ id, score });

  it('should return the k largest rows, largest first, with 4 sink connections (under chaos, the default)', async () => {
    const worker = await createTestingWorker({ modules: [TopKModule] }).compile();
    const { output, leaks } = await worker.run('top_k', { input, args: { k: 5n }, sinkConnections: 4 });
    expect([...output.getChild('score')!.toArray()]).toEqual([n - 1, n - 2, n - 3, n - 4, n - 5]);
    expect(
      output
        .getChild('id')!
        .toArray()
        .every((v: number, i: number) => score[v] === n - 1 - i),
    ).toBe(true);
    expect(leaks).toEqual([]);
  });

  it('should refuse k < 1 and an unknown column at bind', async () => {
    const worker = await createTestingWorker({ modules: [TopKModule] }).compile();
    await expect(worker.run('top_k', { input, args: { k: 0n } })).rejects.toThrow('k must not be less than 1 (got 0)');
    await expect(worker.run('top_k', { input, args: { k: 3n, by: 'fare' } })).rejects.toThrow(
      'top_k: no column "fare" in the input (columns: id, score)',
    );
  });
});
