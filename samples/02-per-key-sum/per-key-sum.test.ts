import { tableFromArrays } from 'apache-arrow';
import { createTestingWorker } from 'vgi-silo/testing';
import { PerKeySumModule } from './per-key-sum.module';

describe('per_key_sum', () => {
  const n = 30_000;
  const input = tableFromArrays({
    city: Array.from({ length: n }, (_, i) => `city-${i % 97}`),
    fare: Float64Array.from({ length: n }, (_, i) => i % 10),
  });

  it('should sum per key across 3 sink connections and 4 parallel finalize streams', async () => {
    const worker = await createTestingWorker({ modules: [PerKeySumModule] }).compile();
    const { output, finalizeStateIds, logs, leaks } = await worker.run('per_key_sum', {
      input,
      args: { key: 'city', value: 'fare' },
      sinkConnections: 3,
    });
    expect(finalizeStateIds).toHaveLength(4);
    expect(output.numRows).toBe(97);
    const rows = new Map(output.toArray().map((r) => [r!.city as string, [r!.sum as number, r!.count as bigint]]));
    let expectedSum = 0;
    for (let i = 0; i < n; i++) if (i % 97 === 5) expectedSum += i % 10;
    expect(rows.get('city-5')).toEqual([expectedSum, BigInt(Math.ceil((n - 5) / 97))]);
    expect(logs.map((l) => l.message)).toEqual(['combining 3 sink connections into 4 partitions']);
    expect(leaks).toEqual([]);
  });

  it('should refuse an unknown column and an out-of-range partition count', async () => {
    const worker = await createTestingWorker({ modules: [PerKeySumModule] }).compile();
    await expect(worker.run('per_key_sum', { input, args: { key: 'town', value: 'fare' } })).rejects.toThrow(
      'per_key_sum: no column "town" in the input (columns: city, fare).',
    );
    await expect(
      worker.run('per_key_sum', { input, args: { key: 'city', value: 'fare', partitions: 0n } }),
    ).rejects.toThrow('partitions must not be less than 1 (got 0)');
  });
});
