import { tableFromArrays } from 'apache-arrow';
import { createTestingWorker } from 'vgi-silo/testing';
import { ExternalSortModule } from './external-sort.module';

describe('external_sort', () => {
  const n = 30_000;
  // A permutation of 0..n-1 (7919 is prime to n), and a coarse second key with many ties.
  const id = Int32Array.from({ length: n }, (_, i) => (i * 7919) % n);
  const bucket = Int32Array.from(id, (v) => v % 10);
  const input = tableFromArrays({ id, bucket });

  it('should sort by a key across 4 sink connections under chaos, merging runs in combine', async () => {
    const worker = await createTestingWorker({ modules: [ExternalSortModule] }).compile();
    const { output, leaks } = await worker.run('external_sort', {
      input,
      args: { by: 'id', fan_in: 4n },
      sinkConnections: 4,
      batchSize: 1000,
    });
    expect(Array.from(output.getChild('id')!.toArray() as Int32Array)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(leaks).toEqual([]);
  });

  it('should sort by several keys with directions, as ORDER BY bucket DESC, id does', async () => {
    const worker = await createTestingWorker({ modules: [ExternalSortModule] }).compile();
    const { output } = await worker.run('external_sort', {
      input,
      args: { by: 'bucket DESC, id' },
      sinkConnections: 2,
    });
    const rows = output.toArray().map((r) => [r!.bucket as number, r!.id as number]);
    const expected = Array.from(id, (v) => [v % 10, v]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    expect(rows).toEqual(expected);
  });

  it('should refuse an unknown column, an unreadable key list and a fan-in below 2 at bind', async () => {
    const worker = await createTestingWorker({ modules: [ExternalSortModule] }).compile();
    await expect(worker.run('external_sort', { input, args: { by: 'price' } })).rejects.toThrow(
      '[SILO560] external_sort: no column "price" in the input (columns: id, bucket).',
    );
    await expect(worker.run('external_sort', { input, args: { by: 'id upward' } })).rejects.toThrow(
      '[SILO564] external_sort: cannot read the key "id upward"',
    );
    await expect(worker.run('external_sort', { input, args: { by: 'id', fan_in: 1n } })).rejects.toThrow(
      'fan_in must not be less than 2 (got 1)',
    );
  });
});
