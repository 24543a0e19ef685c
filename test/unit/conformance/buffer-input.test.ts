import { Bool, Field, Float64, Int32, Int64, Schema, Utf8, tableFromArrays } from 'apache-arrow';
import { batchFromColumns } from 'vgi-silo';
import type { TestingWorker } from 'vgi-silo/testing';
import { BufferInputFunction } from '../../../samples/conformance/buffer-input.function';
import { EchoBufferingFunction } from '../../../samples/conformance/echo-buffering.function';
import { columnOf, conformanceWorker, fieldsOf, rowsOf, tableOf } from './support';

describe('buffer_input', () => {
  let worker: TestingWorker;
  beforeAll(async () => {
    worker = await conformanceWorker({ only: [BufferInputFunction] });
  });

  it('should return all 100k input rows from 4 sink connections, and leave nothing in storage', async () => {
    const n = 100_000;
    const input = tableFromArrays({
      id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
      score: Float64Array.from({ length: n }, (_, i) => i / 4),
    });
    const r = await worker.run('buffer_input', { input, sinkConnections: 4 });
    expect(r.output.numRows).toBe(n);
    const ids = (columnOf(r.output, 'id') as bigint[]).slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => BigInt(i)));
    expect(columnOf(r.output, 'score').reduce((s: number, v) => s + (v as number), 0)).toBe((n * (n - 1)) / 8);
    // One finalize stream: one tick per buffered batch, plus the tick that finishes.
    expect(r.finalizeStateIds).toHaveLength(1);
    expect(r.ticks).toEqual([Math.ceil(n / 2048) + 1]);
    expect(r.leaks).toEqual([]);
  });

  it('should keep the input schema exactly (names, types, nullability) when every phase runs in another process', async () => {
    const schema = new Schema([
      new Field('id', new Int32(), false),
      new Field('name', new Utf8(), true),
      new Field('ok', new Bool(), true),
    ]);
    const input = tableOf(
      batchFromColumns(schema, { id: [1, 2, 3], name: ['a', null, 'c'], ok: [true, false, null] }),
      batchFromColumns(schema, { id: [4], name: ['d'], ok: [true] }),
    );
    const r = await worker.run('buffer_input', { input, batchSize: 2, sinkConnections: 2, chaos: true });
    expect(fieldsOf(r.outputSchema)).toEqual([
      ['id', 'Int32', false],
      ['name', 'Utf8', true],
      ['ok', 'Bool', true],
    ]);
    expect(fieldsOf(r.output.schema)).toEqual(fieldsOf(schema));
    expect(rowsOf(r.output).sort((a, b) => (a.id as number) - (b.id as number))).toEqual([
      { id: 1, name: 'a', ok: true },
      { id: 2, name: null, ok: false },
      { id: 3, name: 'c', ok: null },
      { id: 4, name: 'd', ok: true },
    ]);
    expect(r.leaks).toEqual([]);
  });
});

describe('echo_buffering', () => {
  let worker: TestingWorker;
  beforeAll(async () => {
    worker = await conformanceWorker({ only: [EchoBufferingFunction] });
  });

  const schema = new Schema([
    new Field('a', new Int64(), true),
    new Field('b', new Utf8(), true),
    new Field('c', new Float64(), false),
  ]);
  const input = tableOf(
    batchFromColumns(schema, { a: [1n, 2n, 3n], b: ['x', 'y', null], c: [0.5, 1.5, 2.5] }),
    batchFromColumns(schema, { a: [4n, 5n], b: ['x', 'z'], c: [3.5, 4.5] }),
  );

  it('should pass every row and column through when nothing is pushed down', async () => {
    const r = await worker.run('echo_buffering', { input, chaos: true });
    expect(fieldsOf(r.output.schema)).toEqual(fieldsOf(schema));
    expect(rowsOf(r.output)).toEqual([
      { a: 1n, b: 'x', c: 0.5 },
      { a: 2n, b: 'y', c: 1.5 },
      { a: 3n, b: null, c: 2.5 },
      { a: 4n, b: 'x', c: 3.5 },
      { a: 5n, b: 'z', c: 4.5 },
    ]);
    expect(r.leaks).toEqual([]);
  });

  it('should return only the projected columns, in projection order, with their bound types', async () => {
    const r = await worker.run('echo_buffering', { input, projection: ['c', 'a'], chaos: true });
    expect(fieldsOf(r.output.schema)).toEqual([
      ['c', 'Float64', false],
      ['a', 'Int64', true],
    ]);
    expect(rowsOf(r.output)).toEqual([
      { c: 0.5, a: 1n },
      { c: 1.5, a: 2n },
      { c: 2.5, a: 3n },
      { c: 3.5, a: 4n },
      { c: 4.5, a: 5n },
    ]);
    expect(r.leaks).toEqual([]);
  });

  it('should apply pushed filters before projecting, so a filter may name a column the query does not read', async () => {
    const r = await worker.run('echo_buffering', {
      input,
      projection: ['a'],
      filters: [
        { column: 'b', op: 'eq', value: 'x' },
        { column: 'c', op: 'gt', value: 1 },
      ],
      chaos: true,
    });
    expect(fieldsOf(r.output.schema)).toEqual([['a', 'Int64', true]]);
    expect(rowsOf(r.output)).toEqual([{ a: 4n }]);
    expect(r.leaks).toEqual([]);
  });
});
