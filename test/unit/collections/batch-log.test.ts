import { Field, Int32, Int64, type RecordBatch, Schema, Utf8 } from 'apache-arrow';
import { BatchLog, BatchLogCursor, type LogCursor } from '../../../src/collections';
import { metadataReader } from '../../../src/metadata';
import { type BoundStorage, toBytes } from '../../../src/providers/storage';
import { batchFromColumns } from '../../../src/arrow/batch-utils';
import { BACKENDS, type Backend } from './backends';

const schema = new Schema([new Field('n', new Int64(), false), new Field('tag', new Utf8(), true)]);
const rows = (from: number, count: number, tag = 'x'): RecordBatch =>
  batchFromColumns(schema, {
    n: Array.from({ length: count }, (_, i) => BigInt(from + i)),
    tag: Array.from({ length: count }, () => tag),
  });
const values = (batch: RecordBatch): bigint[] => [...(batch.getChild('n')!.toArray() as BigInt64Array)];

/** An Output that records what a finalize tick did. */
class FakeOutput {
  readonly schema = schema;
  readonly emitted: RecordBatch[] = [];
  finished = false;
  emit(batch: RecordBatch): void {
    if (this.finished) throw new Error('emit after finish');
    this.emitted.push(batch);
  }
  finish(): void {
    this.finished = true;
  }
}

describe.each(BACKENDS)('BatchLog on %s', (_name, make) => {
  let backend: Backend;
  let storage: BoundStorage;
  beforeEach(() => {
    backend = make();
    storage = backend.bound();
  });
  afterEach(() => backend.close());

  it('should keep batches in append order with their row and entry counts', async () => {
    const log = new BatchLog(storage, 'rows');
    const ids = [await log.append(rows(0, 3)), ...(await log.appendAll([rows(3, 2), rows(5, 0), rows(5, 4)]))];
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
    const read: bigint[] = [];
    for await (const batch of log.batches()) read.push(...values(batch));
    expect(read).toEqual(Array.from({ length: 9 }, (_, i) => BigInt(i)));
    expect([await log.rowCount(), await log.entryCount()]).toEqual([9n, 4n]);
    const entries: bigint[] = [];
    for await (const entry of log.entries({ afterId: ids[1] })) entries.push(entry.id);
    expect(entries).toEqual(ids.slice(2));
  });

  it('should read page by page: never more than pageSize entries per storage round trip', async () => {
    const log = new BatchLog(storage, 'paged');
    await log.appendAll(Array.from({ length: 10 }, (_, i) => rows(i, 1)));
    const scans: number[] = [];
    const backendScan = storage.backend.logScan.bind(storage.backend);
    const counted = jest.spyOn(storage.backend, 'logScan').mockImplementation(async (scope, ns, key, options) => {
      const page = await backendScan(scope, ns, key, options);
      scans.push(page.length);
      return page;
    });
    const read: bigint[] = [];
    for await (const batch of log.batches({ pageSize: 3 })) read.push(...values(batch));
    counted.mockRestore();
    expect(read).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
    expect(scans).toEqual([3, 3, 3, 1]);
    await expect(log.batches({ pageSize: 0 }).next()).rejects.toThrow(
      '[SILO522] BatchLog "paged".entries(): pageSize must be a positive integer (got 0).',
    );
  });

  it('should replay one batch per finalize tick through a cursor, then finish', async () => {
    const log = new BatchLog(storage, 'result');
    await log.appendAll([rows(0, 2), rows(2, 2), rows(4, 1)]);
    const cursor: LogCursor = new BatchLogCursor();
    expect(cursor.afterId).toBe(-1n);
    const out = new FakeOutput();
    let ticks = 0;
    while (!out.finished) {
      // Each tick as a fresh process would see it: the cursor travels as plain state.
      const state = { afterId: cursor.afterId };
      await log.replay(state, out);
      cursor.afterId = state.afterId;
      ticks++;
    }
    expect(ticks).toBe(4);
    expect(out.emitted.map(values)).toEqual([[0n, 1n], [2n, 3n], [4n]]);
    // A later tick past the end keeps finishing.
    const again = new FakeOutput();
    await log.replay(cursor, again);
    expect([again.emitted.length, again.finished]).toEqual([0, true]);
  });

  it('should map batches on replay and step with next()', async () => {
    const log = new BatchLog(storage, 'mapped');
    await log.appendAll([rows(0, 2, 'a'), rows(2, 1, 'b')]);
    const out = new FakeOutput();
    const cursor = new BatchLogCursor();
    await log.replay(cursor, out, { map: async (batch) => batch.select(['tag']) });
    expect(out.emitted[0].schema.fields.map((f) => f.name)).toEqual(['tag']);
    expect(values((await log.next(cursor))!)).toEqual([2n]);
    await expect(log.next(cursor)).resolves.toBeUndefined();
    await expect(log.next({ afterId: 3 } as never)).rejects.toThrow(
      '[SILO522] BatchLog "mapped".next(): the cursor needs a bigint afterId (use BatchLogCursor as the finalize state) (got 3).',
    );
  });

  it('should keep partitions apart: own batches, own counts, the same name', async () => {
    const log = new BatchLog(storage, 'parts');
    await log.append(rows(100, 1));
    await log.partition(0).append(rows(0, 2));
    await log.partition('1').appendAll([rows(10, 3), rows(13, 1)]);
    await new BatchLog(storage, 'parts', { partition: 1 }).append(rows(14, 1));
    const all = async (l: BatchLog) => {
      const out: bigint[] = [];
      for await (const b of l.batches()) out.push(...values(b));
      return out;
    };
    expect(await all(log)).toEqual([100n]);
    expect(await all(log.partition('0'))).toEqual([0n, 1n]);
    expect(await all(log.partition(1))).toEqual([10n, 11n, 12n, 13n, 14n]);
    expect([
      await log.rowCount(),
      await log.partition(0).rowCount(),
      await log.partition(1).rowCount(),
      await log.partition(1).entryCount(),
    ]).toEqual([1n, 2n, 5n, 3n]);
    expect([log.partition(7).name, log.partition(7).partitionKey, String(log.partition(7))]).toEqual([
      'parts',
      '7',
      'BatchLog "parts" partition "7"',
    ]);
    await log.partition(1).clear();
    expect([await all(log.partition(1)), await log.partition(1).rowCount(), await all(log.partition(0))]).toEqual([
      [],
      0n,
      [0n, 1n],
    ]);
    expect(() => log.partition(-1)).toThrow(
      '[SILO522] BatchLog "parts".partition(): a partition key is a non-negative integer or a string of 1 to 256 characters (got -1).',
    );
    expect(() => log.partition('')).toThrow('(got "").');
  });

  it('should not mix with another collection kind or a raw log of the same name', async () => {
    await storage.append('rows', '', toBytes('raw user entry'));
    const log = new BatchLog(storage, 'rows');
    await log.append(rows(0, 1));
    expect(await log.entryCount()).toBe(1n);
    expect((await storage.logScan('rows', '')).length).toBe(1);
  });

  it('should clear entries and counts', async () => {
    const log = new BatchLog(storage, 'gone');
    await log.appendAll([rows(0, 2), rows(2, 2)]);
    await log.clear();
    expect([await log.rowCount(), await log.entryCount(), (await log.batches().next()).done]).toEqual([0n, 0n, true]);
  });

  it('should check batches against its schema on write and on read', async () => {
    const other = batchFromColumns(new Schema([new Field('n', new Int32(), false)]), { n: [1] });
    const typed = new BatchLog(storage, 'typed', { schema });
    await expect(typed.append(other)).rejects.toThrow(
      '[SILO521] BatchLog "typed": the appended batch cannot be written with the arrow-batch codec: the batch does not have the collection\'s schema: schema: expected 2 field(s) [n, tag], got 1 [n].',
    );
    expect(await typed.entryCount()).toBe(0n);
    await new BatchLog(storage, 'typed').append(other);
    const [entry] = await storage.logScan('@log:typed', '');
    await expect(typed.batches().next()).rejects.toThrow(
      `[SILO520] BatchLog "typed": entry ${entry.id} could not be read with the arrow-batch codec: the stored batch does not have the collection's schema: schema: expected 2 field(s) [n, tag], got 1 [n]. It was written with another codec or schema`,
    );
  });

  it('should report corrupt stored bytes as SILO520 naming the log, the partition and the entry id', async () => {
    const log = new BatchLog(storage, 'rows').partition(2);
    const id = await storage.append('@log:rows', '2', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    const error = await log.next(new BatchLogCursor()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SILO520', collection: 'BatchLog "rows" partition "2"' });
    expect((error as Error).message).toBe(
      `[SILO520] BatchLog "rows" partition "2": entry ${id} could not be read with the arrow-batch codec: [SILO410] Arrow IPC framing error at byte 0: stored batch: the message declares 67305985 bytes of metadata, but 4 follow; the IPC stream is cut short or corrupt. It was written with another codec or schema, or by hand through the raw storage API. Read the collection with the codec and schema it was written with, or clear it and write it again.`,
    );
  });

  it('should refuse invalid names and options (SILO522)', () => {
    for (const bad of ['', ' rows', 'a b', '\u0000x', '-x', 'x'.repeat(129)]) {
      expect(() => new BatchLog(storage, bad)).toThrow(
        `[SILO522] BatchLog name ${JSON.stringify(bad)} is not valid: a collection name is 1 to 128 characters of letters, digits, "_", ".", ":", "/" or "-", starting with a letter, digit or "_". Use a fixed name such as "rows" or "sorted.run-1".`,
      );
    }
    expect(
      () =>
        new BatchLog(storage, 'ok', {
          schema,
          codec: { name: 'c', encode: () => new Uint8Array(), decode: () => rows(0, 0) },
        }),
    ).toThrow('[SILO522] BatchLog "ok": pass "schema" or "codec", not both');
    expect(new BatchLog(storage, 'sorted.run-1/part:2_x').name).toBe('sorted.run-1/part:2_x');
  });

  it('should count every append exactly when two connections append at once', async () => {
    const a = new BatchLog(storage, 'shared');
    const b = new BatchLog(backend.reopen(storage), 'shared');
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++)
      writes.push((i % 2 === 0 ? a : b).append(rows(i * 10, 1 + (i % 3), i % 2 === 0 ? 'a' : 'b')));
    writes.push(a.appendAll([rows(1000, 2, 'a'), rows(1002, 2, 'a')]), b.appendAll([rows(2000, 5, 'b')]));
    await Promise.all(writes);
    const expectedRows = Array.from({ length: 40 }, (_, i) => 1 + (i % 3)).reduce((x, y) => x + y, 0) + 9;
    expect([await a.rowCount(), await b.rowCount(), await a.entryCount()]).toEqual([
      BigInt(expectedRows),
      BigInt(expectedRows),
      43n,
    ]);
    // Each writer's batches keep its own order; ids are unique.
    const seen = { a: [] as bigint[], b: [] as bigint[] };
    const ids = new Set<bigint>();
    for await (const { id, batch } of b.entries({ pageSize: 7 })) {
      ids.add(id);
      seen[batch.getChild('tag')!.get(0) as 'a' | 'b'].push(values(batch)[0]);
    }
    expect(ids.size).toBe(43);
    for (const list of [seen.a, seen.b]) expect([...list].sort((x, y) => (x < y ? -1 : 1))).toEqual(list);
  });

  it('should read the cursor class as finalize state: one int64 field defaulting to -1', () => {
    expect(metadataReader.stateFields(BatchLogCursor).map((f) => [f.propertyKey, f.type])).toEqual([
      ['afterId', 'int64'],
    ]);
    class Extended extends BatchLogCursor {}
    expect(metadataReader.stateFields(Extended).map((f) => f.propertyKey)).toEqual(['afterId']);
  });
});
