import { Bool, Field, Float64, Int32, Schema, Utf8 } from 'apache-arrow';
import { MemoryStorage, STORAGE, type StorageScope, batchFromColumns, bytesToText, defineModule } from 'vgi-silo';
import { type TestingWorker, createTestingWorker } from 'vgi-silo/testing';
import { GlobalBufferedFunction } from '../../../samples/conformance/global-buffered.function';
import {
  SameNameDataBufferedFunction,
  SameNameMainBufferedFunction,
} from '../../../samples/conformance/same-name-buffered.functions';
import { columnOf, conformanceWorker, fieldsOf, rowsOf, tableOf } from './support';

describe('test_same_name_buffered', () => {
  let worker: TestingWorker;
  beforeAll(async () => {
    worker = await conformanceWorker({ only: [SameNameMainBufferedFunction, SameNameDataBufferedFunction] });
  });

  const schema = new Schema([new Field('n', new Int32(), true), new Field('ignored', new Utf8(), true)]);
  const input = tableOf(batchFromColumns(schema, { n: [1, null, 3], ignored: ['a', 'b', 'c'] }));

  it("should tag rows 'main:<value>' in schema main, keeping NULL", async () => {
    const r = await worker.run('main.test_same_name_buffered', {
      input,
      batchSize: 2,
      sinkConnections: 2,
      chaos: true,
    });
    expect(fieldsOf(r.output.schema)).toEqual([['tag', 'Utf8', true]]);
    expect(columnOf(r.output, 'tag').sort()).toEqual(['main:1', 'main:3', null].sort());
    expect(r.leaks).toEqual([]);
  });

  it("should tag rows 'data:<value>' in schema data", async () => {
    const r = await worker.run('data.test_same_name_buffered', { input, chaos: true });
    expect(columnOf(r.output, 'tag')).toEqual(['data:1', null, 'data:3']);
    expect(r.leaks).toEqual([]);
  });

  it('should print booleans and whole floats as Python does', async () => {
    const flags = new Schema([new Field('b', new Bool(), true)]);
    const floats = new Schema([new Field('f', new Float64(), true)]);
    const b = await worker.run('data.test_same_name_buffered', {
      input: tableOf(batchFromColumns(flags, { b: [true, false] })),
      chaos: true,
    });
    expect(columnOf(b.output, 'tag')).toEqual(['data:True', 'data:False']);
    const f = await worker.run('main.test_same_name_buffered', {
      input: tableOf(batchFromColumns(floats, { f: [1, 2.5] })),
      chaos: true,
    });
    expect(columnOf(f.output, 'tag')).toEqual(['main:1.0', 'main:2.5']);
  });
});

/** Memory storage that remembers which logs were appended to. */
class LogRecordingStorage extends MemoryStorage {
  readonly logs = new Set<string>();
  override append(scope: StorageScope, ns: Uint8Array, key: Uint8Array, value: Uint8Array): Promise<bigint> {
    this.logs.add(bytesToText(ns));
    return super.append(scope, ns, key, value);
  }
}

describe('global_buffered', () => {
  it('should pass its input through its own global_buf log', async () => {
    const storage = new LogRecordingStorage();
    const worker = await createTestingWorker({ modules: [defineModule({ functions: [GlobalBufferedFunction] })] })
      .overrideProvider(STORAGE)
      .useValue(storage)
      .compile();
    const schema = new Schema([new Field('x', new Int32(), false), new Field('s', new Utf8(), true)]);
    const input = tableOf(batchFromColumns(schema, { x: [1, 2, 3], s: ['a', null, 'c'] }));
    const r = await worker.run('global_buffered', { input, batchSize: 2, chaos: true });
    expect(fieldsOf(r.output.schema)).toEqual(fieldsOf(schema));
    expect(rowsOf(r.output)).toEqual([
      { x: 1, s: 'a' },
      { x: 2, s: null },
      { x: 3, s: 'c' },
    ]);
    expect([...storage.logs]).toEqual(['global_buf']);
    expect(r.leaks).toEqual([]);
  });
});
