import {
  type Data,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  Utf8,
  Bool,
  makeData,
  tableFromArrays,
  vectorFromArray,
} from 'apache-arrow';
import type { TestingWorker } from 'vgi-silo/testing';
import { CachedSumAllFunction } from '../../../samples/conformance/cached-sum-all.function';
import { ExceptionFinalizeFunction, ExceptionProcessFunction } from '../../../samples/conformance/exception.functions';
import { SumAllColumnsSimpleDistributedFunction } from '../../../samples/conformance/sum-all-columns-simple-distributed.function';
import { SumAllColumnsFunction } from '../../../samples/conformance/sum-all-columns.function';
import { conformanceWorker, fieldsOf, rowsOf, tableOf, userError } from './support';

/** A decimal column from unscaled values (`125n` with scale 2 is 1.25); null stays NULL. */
function decimalData(unscaled: readonly (bigint | null)[], scale: number, precision: number): Data {
  const words = new Uint32Array(unscaled.length * 4);
  const valid = new Uint8Array(Math.ceil(unscaled.length / 8));
  unscaled.forEach((v, i) => {
    if (v === null) return;
    valid[i >> 3] |= 1 << (i & 7);
    let rest = BigInt.asUintN(128, v);
    for (let w = 0; w < 4; w++, rest >>= 32n) words[i * 4 + w] = Number(rest & 0xffffffffn);
  });
  const nullCount = unscaled.filter((v) => v === null).length;
  return makeData({
    type: new Decimal(scale, precision, 128),
    length: unscaled.length,
    nullCount,
    nullBitmap: nullCount > 0 ? valid : null,
    data: words,
  });
}

const MIXED = new Schema([
  new Field('i', new Int32(), true),
  new Field('big', new Int64(), true),
  new Field('f', new Float32(), true),
  new Field('d', new Decimal(2, 10, 128), true),
  new Field('s', new Utf8(), true),
  new Field('allnull', new Int16(), true),
]);

function mixedBatch(
  i: (number | null)[],
  big: bigint[],
  f: (number | null)[],
  d: (bigint | null)[],
  s: string[],
): RecordBatch {
  const n = i.length;
  const children = [
    vectorFromArray(i, new Int32()).data[0],
    vectorFromArray(big, new Int64()).data[0],
    vectorFromArray(f, new Float32()).data[0],
    decimalData(d, 2, 10),
    vectorFromArray(s, new Utf8()).data[0],
    vectorFromArray(new Array<null>(n).fill(null), new Int16()).data[0],
  ];
  return new RecordBatch(MIXED, makeData({ type: new Struct(MIXED.fields), length: n, nullCount: 0, children }));
}

const TWO_TO_61 = 2n ** 61n;
/** Four rows in two batches of two: sums i = 7, big = 3·2^61 + 1, f = 4, d = 10.75, allnull = 0. */
const MIXED_INPUT = tableOf(
  mixedBatch([1, 2], [TWO_TO_61, TWO_TO_61], [0.5, 1.5], [125n, -50n], ['a', 'b']),
  mixedBatch([null, 4], [TWO_TO_61, 1n], [null, 2], [null, 1000n], ['c', 'd']),
);
const MIXED_SUMS = { i: 7n, big: 3n * TWO_TO_61 + 1n, f: 4, d: 10.75, allnull: 0n };

describe('sum_all_columns', () => {
  let worker: TestingWorker;
  beforeAll(async () => {
    worker = await conformanceWorker({ only: [SumAllColumnsFunction] });
  });

  it('should sum integers as exact BIGINT, floats and decimals as DOUBLE, and drop other columns', async () => {
    const r = await worker.run('sum_all_columns', {
      input: MIXED_INPUT,
      batchSize: 2,
      sinkConnections: 2,
      chaos: true,
    });
    expect(fieldsOf(r.output.schema)).toEqual([
      ['i', 'Int64', true],
      ['big', 'Int64', true],
      ['f', 'Float64', true],
      ['d', 'Float64', true],
      ['allnull', 'Int64', true],
    ]);
    expect(rowsOf(r.output)).toEqual([MIXED_SUMS]);
    expect(r.leaks).toEqual([]);
  });

  it('should write the reference client logs from process and combine when logging := true', async () => {
    const r = await worker.run('sum_all_columns', {
      input: MIXED_INPUT,
      batchSize: 2,
      batchesPerMorsel: 1,
      sinkConnections: 2,
      args: { logging: true },
      chaos: true,
    });
    expect(r.logs.map(({ phase, level, message }) => ({ phase, level, message }))).toEqual([
      { phase: 'process', level: 'info', message: 'Processing batch with 2 rows' },
      { phase: 'process', level: 'info', message: 'Processing batch with 2 rows' },
      { phase: 'combine', level: 'info', message: 'Combining 2 state_ids' },
    ]);
    expect(rowsOf(r.output)).toEqual([MIXED_SUMS]);
  });

  it('should log nothing by default', async () => {
    const r = await worker.run('sum_all_columns', { input: MIXED_INPUT, batchSize: 2, chaos: true });
    expect(r.logs).toEqual([]);
  });

  it('should refuse at bind an input without numeric columns, listing its columns as pyarrow names them', async () => {
    const input = tableOf(
      new RecordBatch(
        new Schema([new Field('s', new Utf8(), true), new Field('flag', new Bool(), true)]),
        makeData({
          type: new Struct([new Field('s', new Utf8(), true), new Field('flag', new Bool(), true)]),
          length: 1,
          nullCount: 0,
          children: [vectorFromArray(['x'], new Utf8()).data[0], vectorFromArray([true], new Bool()).data[0]],
        }),
      ),
    );
    const error = await userError(worker.run('sum_all_columns', { input, chaos: true }));
    expect(error.exceptionType).toBe('ValueError');
    expect(error.exceptionMessage).toBe(
      'sum_all_columns requires at least one numeric (integer, floating-point, or decimal) input column, got [s: string, flag: bool]',
    );
  });
});

describe('sum_all_columns_simple_distributed', () => {
  let worker: TestingWorker;
  beforeAll(async () => {
    worker = await conformanceWorker({ only: [SumAllColumnsSimpleDistributedFunction] });
  });

  it('should sum integer and float columns like sum_all_columns, dropping decimals', async () => {
    const r = await worker.run('sum_all_columns_simple_distributed', {
      input: MIXED_INPUT,
      batchSize: 2,
      sinkConnections: 2,
      chaos: true,
    });
    expect(fieldsOf(r.output.schema)).toEqual([
      ['i', 'Int64', true],
      ['big', 'Int64', true],
      ['f', 'Float64', true],
      ['allnull', 'Int64', true],
    ]);
    const { d: _dropped, ...sums } = MIXED_SUMS;
    expect(rowsOf(r.output)).toEqual([sums]);
    expect(r.logs).toEqual([]);
    expect(r.leaks).toEqual([]);
  });

  it('should not refuse an input without numeric columns', async () => {
    const r = await worker.run('sum_all_columns_simple_distributed', {
      input: tableFromArrays({ s: ['a', 'b'] }),
      chaos: true,
    });
    expect(r.outputSchema.fields).toEqual([]);
  });
});

describe('cached_sum_all', () => {
  let worker: TestingWorker;
  beforeAll(async () => {
    worker = await conformanceWorker({ only: [CachedSumAllFunction] });
  });

  it('should return the sums of sum_all_columns with vgi.cache metadata for a 300-second TTL on the batch', async () => {
    const r = await worker.run('cached_sum_all', { input: MIXED_INPUT, batchSize: 2, sinkConnections: 2, chaos: true });
    expect(rowsOf(r.output)).toEqual([MIXED_SUMS]);
    expect([...r.output.batches[0].metadata]).toEqual([
      ['vgi.cache.ttl', '300'],
      ['vgi.cache.scope', 'catalog'],
    ]);
    expect(r.leaks).toEqual([]);
  });
});

describe('exception_process', () => {
  let worker: TestingWorker;
  beforeAll(async () => {
    worker = await conformanceWorker({ only: [ExceptionProcessFunction] });
  });

  it('should raise ValueError on the second process call of the execution, across sink connections', async () => {
    const input = tableFromArrays({ x: Float64Array.from([1, 2, 3, 4, 5, 6]) });
    const error = await userError(
      worker.run('exception_process', { input, batchSize: 2, sinkConnections: 2, chaos: true }),
    );
    expect([error.exceptionType, error.exceptionMessage]).toEqual(['ValueError', 'Intentional exception on batch 2']);
  });

  it('should return one all-zero row when it never raises, because it stores no partial sums', async () => {
    const input = tableFromArrays({ x: Float64Array.from([1, 2, 3]), n: Int32Array.from([4, 5, 6]) });
    const r = await worker.run('exception_process', { input, chaos: true });
    expect(fieldsOf(r.output.schema)).toEqual([
      ['x', String(new Float64()), true],
      ['n', String(new Int64()), true],
    ]);
    expect(rowsOf(r.output)).toEqual([{ x: 0, n: 0n }]);
    expect(r.leaks).toEqual([]);
  });
});

describe('exception_finalize', () => {
  it('should raise ValueError on the first finalize tick', async () => {
    const worker = await conformanceWorker({ only: [ExceptionFinalizeFunction] });
    const error = await userError(
      worker.run('exception_finalize', { input: tableFromArrays({ x: Int32Array.from([1]) }), chaos: true }),
    );
    expect([error.exceptionType, error.exceptionMessage]).toEqual([
      'ValueError',
      'Intentional exception during finalize()',
    ]);
    expect(error.hook).toBe('ExceptionFinalizeFunction#finalize');
  });
});
