import { tableFromArrays } from 'apache-arrow';
import { createTestingWorker } from 'vgi-silo/testing';
import { DedupModule } from './dedup.module';

describe('dedup', () => {
  const n = 12_000;
  // 1,000 users with 12 events each; the first event of user u is row u.
  const user = Int32Array.from({ length: n }, (_, i) => i % 1000);
  const event = Int32Array.from({ length: n }, (_, i) => i);
  const input = tableFromArrays({ user, event });

  it('should keep the first row of every key across 3 sink connections and 4 partitions under chaos', async () => {
    const worker = await createTestingWorker({ modules: [DedupModule] }).compile();
    const { output, finalizeStateIds, leaks } = await worker.run('dedup', {
      input,
      args: { key: 'user' },
      sinkConnections: 3,
      batchSize: 500,
    });
    expect(finalizeStateIds).toHaveLength(4);
    expect(output.numRows).toBe(1000);
    const firstEvent = new Map(output.toArray().map((r) => [r!.user as number, r!.event as number]));
    expect([...firstEvent].every(([u, e]) => u === e)).toBe(true);
    expect(leaks).toEqual([]);
  });

  it('should dedup by several columns, and refuse a key column the input does not have', async () => {
    const worker = await createTestingWorker({ modules: [DedupModule] }).compile();
    const pairs = tableFromArrays({
      a: Int32Array.from([1, 1, 2, 1, 2]),
      b: ['x', 'y', 'x', 'x', 'x'],
      n: Int32Array.from([0, 1, 2, 3, 4]),
    });
    const { output } = await worker.run('dedup', { input: pairs, args: { key: 'a, b' } });
    expect([...output.getChild('n')!.toArray()].sort()).toEqual([0, 1, 2]);
    await expect(worker.run('dedup', { input, args: { key: 'user_id' } })).rejects.toThrow(
      '[SILO560] dedup: no column "user_id" in the input (columns: user, event).',
    );
  });
});
