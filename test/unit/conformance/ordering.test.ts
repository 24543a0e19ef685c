import { Field, Int64, Schema, Utf8, tableFromArrays } from 'apache-arrow';
import { batchFromColumns } from 'vgi-silo';
import type { TestingWorker } from 'vgi-silo/testing';
import {
  BatchIndexBufferInputFunction,
  OrderedBufferInputFunction,
  OrderedSourceFunction,
} from '../../../samples/conformance/ordering.functions';
import { columnOf, conformanceWorker, driveByHand, fieldsOf, rowsOf, userError } from './support';

const sequence = (n: number) => tableFromArrays({ x: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)) });

describe('ordered_buffer_input', () => {
  it('should return the input in source order, through a single sink connection', async () => {
    const worker = await conformanceWorker({ only: [OrderedBufferInputFunction] });
    const r = await worker.run('ordered_buffer_input', {
      input: sequence(5000),
      batchSize: 500,
      sinkConnections: 4,
      chaos: true,
    });
    expect(columnOf(r.output, 'x')).toEqual(Array.from({ length: 5000 }, (_, i) => BigInt(i)));
    expect(r.leaks).toEqual([]);
  });
});

describe('batch_index_buffer_input', () => {
  let worker: TestingWorker;
  beforeEach(async () => {
    worker = await conformanceWorker({ only: [BatchIndexBufferInputFunction] });
  });

  const schema = new Schema([new Field('label', new Utf8(), true)]);
  const batch = (...labels: string[]) => batchFromColumns(schema, { label: labels });

  it('should return the input in order when DuckDB supplies batch indexes', async () => {
    const r = await worker.run('batch_index_buffer_input', {
      input: sequence(5000),
      batchSize: 500,
      sinkConnections: 4,
      chaos: true,
    });
    expect(columnOf(r.output, 'x')).toEqual(Array.from({ length: 5000 }, (_, i) => BigInt(i)));
    expect(r.leaks).toEqual([]);
  });

  it('should rebuild source order from batch indexes when batches arrive out of order', async () => {
    const { output, leaked } = await driveByHand(worker, 'batch_index_buffer_input', {
      inputSchema: schema,
      steps: [
        { batch: batch('c1', 'c2'), batchIndex: 7n },
        { batch: batch('a1'), batchIndex: 0n },
        { batch: batch('d1'), batchIndex: 12n },
        { batch: batch('b1', 'b2', 'b3'), batchIndex: 3n },
      ],
    });
    expect(columnOf(output, 'label')).toEqual(['a1', 'b1', 'b2', 'b3', 'c1', 'c2', 'd1']);
    expect(leaked).toBe(0);
  });

  it('should keep arrival order between batches that share a batch index', async () => {
    const { output } = await driveByHand(worker, 'batch_index_buffer_input', {
      inputSchema: schema,
      steps: [
        { batch: batch('late'), batchIndex: 9n },
        { batch: batch('first of 2'), batchIndex: 2n },
        { batch: batch('second of 2'), batchIndex: 2n },
        { batch: batch('third of 2'), batchIndex: 2n },
      ],
    });
    expect(columnOf(output, 'label')).toEqual(['first of 2', 'second of 2', 'third of 2', 'late']);
  });

  it('should raise RuntimeError when a process call carries no batch index', async () => {
    const error = await userError(
      driveByHand(worker, 'batch_index_buffer_input', { inputSchema: schema, steps: [{ batch: batch('x') }] }),
    );
    expect(error.exceptionType).toBe('RuntimeError');
    expect(error.exceptionMessage).toMatch(/^batch_index_buffer_input\.process\(\) received batch_index=None/);
  });
});

describe('ordered_source', () => {
  it('should ignore its input and emit 0..15 in order, one finalize stream per value', async () => {
    const worker = await conformanceWorker({ only: [OrderedSourceFunction] });
    const r = await worker.run('ordered_source', {
      input: tableFromArrays({ s: ['ignored', 'rows'] }),
      sinkConnections: 2,
      chaos: true,
    });
    expect(fieldsOf(r.output.schema)).toEqual([['v', String(new Int64()), true]]);
    expect(rowsOf(r.output)).toEqual(Array.from({ length: 16 }, (_, i) => ({ v: BigInt(i) })));
    expect(r.finalizeStateIds.map((id) => Buffer.from(id).toString('hex'))).toEqual(
      Array.from({ length: 16 }, (_, i) => i.toString(16).padStart(8, '0')),
    );
    // Each stream emits its row, then finishes on the next tick.
    expect(r.ticks).toEqual(new Array(16).fill(2));
    expect(r.leaks).toEqual([]);
  });
});
