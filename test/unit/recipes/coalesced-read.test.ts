import { Field, Int64, type RecordBatch, Schema } from 'apache-arrow';
import { randomBytes } from 'node:crypto';
import { BatchLog } from '../../../src/collections';
import { batchFromColumns } from '../../../src/arrow/batch-utils';
import { BoundStorage, MemoryStorage } from '../../../src/providers/storage';
import { type CoalescedPosition, readCoalesced } from '../../../src/recipes/storage/coalesced-read';

const schema = new Schema([new Field('n', new Int64(), false)]);
const rows = (from: number, count: number): RecordBatch =>
  batchFromColumns(schema, { n: Array.from({ length: count }, (_, i) => BigInt(from + i)) });
const values = (batch: RecordBatch): bigint[] => [...(batch.getChild('n')!.toArray() as BigInt64Array)];

describe('readCoalesced', () => {
  let memory: MemoryStorage;
  let storage: BoundStorage;
  /** The number of entries each storage page returned, in order. */
  let pages: number[];
  beforeEach(() => {
    memory = new MemoryStorage();
    storage = BoundStorage.forUser(memory, { kind: 'execution', id: randomBytes(16) });
    pages = [];
    const scan = memory.logScan.bind(memory);
    jest.spyOn(memory, 'logScan').mockImplementation(async (...args) => {
      const page = await scan(...args);
      pages.push(page.length);
      return page;
    });
  });
  afterEach(() => memory.close());

  /** Drains the log `targetRows` at a time; the row counts of every batch, and every value read. */
  async function drain(log: BatchLog, targetRows?: number): Promise<{ sizes: number[]; read: bigint[] }> {
    const position: CoalescedPosition = { afterId: -1n, row: 0 };
    const sizes: number[] = [];
    const read: bigint[] = [];
    for (let batch; (batch = await readCoalesced(log, position, targetRows));) {
      sizes.push(batch.numRows);
      read.push(...values(batch));
    }
    return { sizes, read };
  }

  it('should read one entry per batch when the entries are as large as the target', async () => {
    const log = new BatchLog(storage, 'rows');
    await log.appendAll(Array.from({ length: 5 }, (_, i) => rows(i * 100, 100)));
    pages.length = 0;
    const { sizes, read } = await drain(log, 100);
    expect(sizes).toEqual([100, 100, 100, 100, 100]);
    expect(read).toEqual(Array.from({ length: 500 }, (_, i) => BigInt(i)));
    // One page of one entry per batch, and one empty page at the end.
    expect(pages).toEqual([1, 1, 1, 1, 1, 0]);
  });

  it('should ask for as many entries as the rows still wanted need, at the size of the last one', async () => {
    const log = new BatchLog(storage, 'rows');
    await log.appendAll(Array.from({ length: 10 }, (_, i) => rows(i * 100, 100)));
    pages.length = 0;
    const { sizes, read } = await drain(log, 450);
    expect(sizes).toEqual([450, 450, 100]);
    expect(read).toEqual(Array.from({ length: 1000 }, (_, i) => BigInt(i)));
    // 1 entry, then the 4 more that 350 rows need; a part-read entry is read again by the next batch.
    expect(pages.slice(0, 4)).toEqual([1, 4, 1, 4]);
  });

  it('should return the rest of the next entry without a target, reading nothing beyond it', async () => {
    const log = new BatchLog(storage, 'rows');
    await log.appendAll([rows(0, 3), rows(3, 0), rows(3, 2)]);
    pages.length = 0;
    const { sizes, read } = await drain(log);
    expect(sizes).toEqual([3, 2]);
    expect(read).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(pages).toEqual([1, 1, 1, 0]);
  });
});
