import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Field, Int16, Int32, Int64, Schema, Utf8, tableFromArrays } from 'apache-arrow';
import { batchFromColumns } from 'vgi-silo';
import type { TestingWorker } from 'vgi-silo/testing';
import { BufferEmitWideFunction } from '../../../samples/conformance/buffer-emit-wide.function';
import { LargeStateFunction } from '../../../samples/conformance/large-state.function';
import { SlowCancellableBufferingFunction } from '../../../samples/conformance/slow-cancellable-buffering.function';
import { columnOf, conformanceWorker, fieldsOf, rowsOf, tableOf, userError } from './support';

describe('large_state', () => {
  let worker: TestingWorker;
  beforeAll(async () => {
    worker = await conformanceWorker({ only: [LargeStateFunction] });
  });

  it('should store 1 MiB per input batch and return the byte total in every (integer) column', async () => {
    const schema = new Schema([new Field('a', new Int64(), true), new Field('b', new Int32(), false)]);
    const input = tableOf(batchFromColumns(schema, { a: [1n, 2n, 3n, 4n, 5n], b: [1, 2, 3, 4, 5] }));
    const r = await worker.run('large_state', { input, batchSize: 2, sinkConnections: 2, chaos: true });
    expect(fieldsOf(r.output.schema)).toEqual([
      ['a', 'Int64', true],
      ['b', 'Int32', false],
    ]);
    // Three batches of at most two rows: 3 MiB.
    expect(rowsOf(r.output)).toEqual([{ a: 3n * 1024n * 1024n, b: 3 * 1024 * 1024 }]);
    expect(r.leaks).toEqual([]);
  });

  it('should refuse a column that cannot hold the total', async () => {
    const strings = new Schema([new Field('s', new Utf8(), true)]);
    const text = await userError(
      worker.run('large_state', { input: tableOf(batchFromColumns(strings, { s: ['x'] })), chaos: true }),
    );
    expect([text.exceptionType, text.exceptionMessage]).toEqual([
      'ValueError',
      'large_state writes the byte total into every column, so every input column must be integer or floating-point; "s" is string',
    ]);
    const small = new Schema([new Field('i', new Int16(), true)]);
    const narrow = await userError(
      worker.run('large_state', { input: tableOf(batchFromColumns(small, { i: [1] })), chaos: true }),
    );
    expect(narrow.exceptionMessage).toBe('large_state total 1048576 does not fit column "i" (int16)');
  });
});

describe('buffer_emit_wide', () => {
  let worker: TestingWorker;
  beforeAll(async () => {
    worker = await conformanceWorker({ only: [BufferEmitWideFunction] });
  });

  it('should emit one finalize batch of 10000 rows, n = 0..9999, whatever the input', async () => {
    const r = await worker.run('buffer_emit_wide', {
      input: tableFromArrays({ one: Int32Array.from([1]) }),
      args: { rows: 10_000n },
      chaos: true,
    });
    expect(fieldsOf(r.output.schema)).toEqual([['n', 'Int64', true]]);
    expect(r.output.batches.map((b) => b.numRows)).toEqual([10_000]);
    expect(columnOf(r.output, 'n')).toEqual(Array.from({ length: 10_000 }, (_, i) => BigInt(i)));
    expect(r.ticks).toEqual([2]);
    expect(r.leaks).toEqual([]);
  });

  it('should emit nothing for rows = 0', async () => {
    const r = await worker.run('buffer_emit_wide', {
      input: tableFromArrays({ one: Int32Array.from([1]) }),
      args: { rows: 0n },
      chaos: true,
    });
    expect(r.output.numRows).toBe(0);
  });

  it('should refuse a negative row count at bind', async () => {
    await expect(
      worker.run('buffer_emit_wide', { input: tableFromArrays({ one: Int32Array.from([1]) }), args: { rows: -1n } }),
    ).rejects.toThrow(/rows must not be less than 0/);
  });
});

describe('slow_cancellable_buffering', () => {
  let worker: TestingWorker;
  let dir: string;
  beforeAll(async () => {
    worker = await conformanceWorker({ only: [SlowCancellableBufferingFunction] });
    dir = mkdtempSync(join(tmpdir(), 'silo-conformance-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const input = tableFromArrays({ x: Int32Array.from([1, 2, 3]) });

  it('should emit count rows n = 0..count-1, one per tick, and never touch the probe when not cancelled', async () => {
    const probe = join(dir, 'uncancelled.txt');
    const r = await worker.run('slow_cancellable_buffering', {
      input,
      args: { probe_path: probe, count: 5n, sleep_ms: 1n },
      chaos: true,
    });
    expect(fieldsOf(r.output.schema)).toEqual([['n', 'Int64', true]]);
    expect(columnOf(r.output, 'n')).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(r.ticks).toEqual([6]);
    expect(() => readFileSync(probe)).toThrow(/ENOENT/);
    expect(r.leaks).toEqual([]);
  });

  it('should append "pid=<pid> emitted=<rows>" to the probe file when the stream is cancelled', async () => {
    const probe = join(dir, 'cancelled.txt');
    const r = await worker.run('slow_cancellable_buffering', {
      input,
      args: { probe_path: probe, sleep_ms: 0n },
      cancelAfterTicks: 3,
      chaos: { rerun: false },
    });
    expect(columnOf(r.output, 'n')).toEqual([0n, 1n, 2n]);
    expect(readFileSync(probe, 'utf8')).toBe(`pid=${process.pid} emitted=3\n`);
    expect(r.leaks).toEqual([]);
  });

  it('should refuse count < 1 and sleep_ms < 0 at bind', async () => {
    const bad = worker.run('slow_cancellable_buffering', {
      input,
      args: { probe_path: join(dir, 'x'), count: 0n, sleep_ms: -1n },
    });
    await expect(bad).rejects.toThrow(/count must not be less than 1.*sleep_ms must not be less than 0/);
  });

  it('should take probe_path as a VARCHAR', async () => {
    const schema = new Schema([new Field('x', new Utf8(), true)]);
    await expect(
      worker.run('slow_cancellable_buffering', {
        input: tableOf(batchFromColumns(schema, { x: ['a'] })),
        args: { probe_path: 7n },
      }),
    ).rejects.toThrow(/probe_path must be utf8/);
  });
});
