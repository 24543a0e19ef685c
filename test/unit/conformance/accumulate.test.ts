import { Field, Int64, Schema, type Table, Utf8 } from 'apache-arrow';
import { FixedClock, batchFromColumns } from 'vgi-silo';
import type { RunOptions, TestingWorker } from 'vgi-silo/testing';
import { intervalMicros, readMonthDayNano } from '../../../samples/conformance/interval';
import { AccumulateFunction } from '../../../samples/conformance/accumulate.function';
import { columnOf, conformanceWorker, fieldsOf, tableOf, userError } from './support';

const T0 = new Date('2026-03-01T12:00:00Z');
const T0_MICROS = BigInt(T0.getTime()) * 1000n;
const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

const X = new Schema([new Field('x', new Int64(), true)]);
const rows = (...xs: number[]) => tableOf(batchFromColumns(X, { x: xs.map(BigInt) }));

/** An INTERVAL argument as apache-arrow 21 reads it: [months, days, nanoseconds low, high]. */
function interval(months: number, days: number, nanoseconds: bigint): Int32Array {
  return Int32Array.of(
    months,
    days,
    Number(BigInt.asIntN(32, nanoseconds)),
    Number(BigInt.asIntN(32, nanoseconds >> 32n)),
  );
}

/** The `_timestamp` column in microseconds since the epoch. */
function stamps(table: Table): bigint[] {
  const column = table.getChild('_timestamp');
  return column ? column.data.flatMap((d) => [...(d.values as BigInt64Array)]) : [];
}

describe('accumulate', () => {
  let clock: FixedClock;
  let worker: TestingWorker;
  /** accumulate has side effects across queries: one run per query, every phase in its own process. */
  const accumulate = (name: string, input: Table, args: Record<string, unknown> = {}, more: Partial<RunOptions> = {}) =>
    worker.run('accumulate', { input, args: { name, ...args }, chaos: { rerun: false }, sinkConnections: 2, ...more });

  beforeEach(async () => {
    clock = new FixedClock(T0);
    worker = await conformanceWorker({ clock, only: [AccumulateFunction] });
  });

  it('should return the input plus a _timestamp TIMESTAMP column stamped with the call time', async () => {
    const r = await accumulate('events', rows(1, 2, 3), {}, { batchSize: 2 });
    expect(fieldsOf(r.output.schema)).toEqual([
      ['x', 'Int64', true],
      ['_timestamp', 'Timestamp<MICROSECOND>', true],
    ]);
    expect(columnOf(r.output, 'x')).toEqual([1n, 2n, 3n]);
    expect(stamps(r.output)).toEqual([T0_MICROS, T0_MICROS, T0_MICROS]);
    expect(r.leaks).toEqual([]);
  });

  it("should keep the collection across queries and return 'all', 'new' or 'none'", async () => {
    await accumulate('events', rows(1, 2));
    clock.advance(1000);
    const added = await accumulate('events', rows(3), { result: 'new' });
    expect(columnOf(added.output, 'x')).toEqual([3n]);
    expect(stamps(added.output)).toEqual([T0_MICROS + 1_000_000n]);

    clock.advance(1000);
    const quiet = await accumulate('events', rows(4), { result: 'none' });
    expect(quiet.output.numRows).toBe(0);
    expect(fieldsOf(quiet.output.schema).map(([name]) => name)).toEqual(['x', '_timestamp']);

    clock.advance(1000);
    const all = await accumulate('events', rows(5), { result: 'all' });
    expect(columnOf(all.output, 'x')).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(stamps(all.output)).toEqual([0n, 0n, 1n, 2n, 3n].map((s) => T0_MICROS + s * 1_000_000n));
    expect(all.leaks).toEqual([]);
  });

  it('should keep collections of different names, and of different ATTACHes, apart', async () => {
    const other = { attachOpaqueData: new Uint8Array([9, 9]) };
    // Segments of one collection sort by call time: let time pass between calls.
    const later = (result: Promise<{ output: Table }>) =>
      result.then((r) => (clock.advance(1000), columnOf(r.output, 'x')));
    await later(accumulate('a', rows(1)));
    await later(accumulate('b', rows(2)));
    await later(accumulate('a', rows(3), {}, other));
    expect(await later(accumulate('a', rows(4)))).toEqual([1n, 4n]);
    expect(await later(accumulate('b', rows(5)))).toEqual([2n, 5n]);
    expect(await later(accumulate('a', rows(6), {}, other))).toEqual([3n, 6n]);
  });

  it('should evict rows older than the call time minus ttl', async () => {
    await accumulate('events', rows(1));
    clock.advance(2 * HOUR_MS);
    await accumulate('events', rows(2));
    clock.advance(30 * 60 * 1000);
    const r = await accumulate('events', rows(3), { ttl: interval(0, 0, 3600n * 10n ** 9n) });
    // Cut-off 1 hour before the call: row 1 (2.5 h old) goes, row 2 (30 min old) stays.
    expect(columnOf(r.output, 'x')).toEqual([2n, 3n]);
    // The evicted rows no longer count towards max_row_size.
    clock.advance(1000);
    const capped = await accumulate('events', rows(4), { max_row_size: 3n });
    expect(columnOf(capped.output, 'x')).toEqual([2n, 3n, 4n]);
  });

  it('should count a ttl month as 30 days', async () => {
    await accumulate('events', rows(1));
    clock.advance(29 * DAY_MS);
    expect(columnOf((await accumulate('events', rows(2), { ttl: interval(1, 0, 0n) })).output, 'x')).toEqual([1n, 2n]);
    clock.advance(2 * DAY_MS);
    expect(columnOf((await accumulate('events', rows(3), { ttl: interval(1, 0, 0n) })).output, 'x')).toEqual([2n, 3n]);
  });

  it('should keep only the newest max_row_size rows, trimming the oldest segment that straddles the limit', async () => {
    await accumulate('events', rows(1, 2, 3, 4, 5), {}, { batchSize: 2 });
    clock.advance(1000);
    const r = await accumulate('events', rows(6), { max_row_size: 3n });
    expect(columnOf(r.output, 'x')).toEqual([4n, 5n, 6n]);
    expect(stamps(r.output)).toEqual([T0_MICROS, T0_MICROS, T0_MICROS + 1_000_000n]);
    clock.advance(1000);
    expect(columnOf((await accumulate('events', rows(7))).output, 'x')).toEqual([4n, 5n, 6n, 7n]);
  });

  it("should return this call's rows for 'new' even when max_row_size evicts some of them", async () => {
    const r = await accumulate('events', rows(1, 2, 3), { max_row_size: 1n, result: 'new' });
    expect(columnOf(r.output, 'x')).toEqual([1n, 2n, 3n]);
    clock.advance(1000);
    expect(columnOf((await accumulate('events', rows(4), { result: 'all' })).output, 'x')).toEqual([3n, 4n]);
  });

  it('should refuse an input whose schema differs from the one already accumulated under the name', async () => {
    await accumulate('events', rows(1));
    const other = new Schema([new Field('x', new Utf8(), true), new Field('y', new Int64(), false)]);
    const error = await userError(accumulate('events', tableOf(batchFromColumns(other, { x: ['a'], y: [1n] }))));
    expect([error.exceptionType, error.exceptionMessage]).toEqual([
      'ValueError',
      "input schema for accumulate('events', ...) does not match the schema already accumulated under that name.\n" +
        '  accumulated: x: int64\n' +
        '  received:    x: string\ny: int64 not null',
    ]);
  });

  it('should refuse a blank or over-long name and a reserved _timestamp input column at bind', async () => {
    const blank = await userError(accumulate('  ', rows(1)));
    expect([blank.exceptionType, blank.exceptionMessage]).toEqual([
      'ValueError',
      'collection name must be a non-empty string',
    ]);
    const long = await userError(accumulate('é'.repeat(128), rows(1)));
    expect(long.exceptionMessage).toBe('collection name must be at most 255 bytes');
    const reserved = new Schema([new Field('_timestamp', new Int64(), true)]);
    const clash = await userError(accumulate('events', tableOf(batchFromColumns(reserved, { _timestamp: [1n] }))));
    expect(clash.exceptionMessage).toBe(
      "input may not contain a reserved '_timestamp' column; accumulate adds this column to its output",
    );
  });

  it("should refuse a result other than 'all', 'new' or 'none', and a negative max_row_size", async () => {
    await expect(accumulate('events', rows(1), { result: 'some', max_row_size: -1n })).rejects.toThrow(
      /max_row_size must not be less than 0.*result must be one of the following values: all, new, none/,
    );
  });

  it('should pin the schema at bind, before any row is stored', async () => {
    await worker.dispatcher.bind({
      functionName: 'accumulate',
      schemaPath: ['main'],
      arguments: { positional: ['events'], named: {} },
      inputSchema: X,
    });
    const other = new Schema([new Field('y', new Int64(), true)]);
    const error = await userError(accumulate('events', tableOf(batchFromColumns(other, { y: [1n] }))));
    expect(error.exceptionMessage).toMatch(/^input schema for accumulate\('events', \.\.\.\) does not match/);
  });
});

describe('accumulate ttl values', () => {
  const hour = { months: 0, days: 0, nanoseconds: 3600n * 10n ** 9n };

  it('should read an INTERVAL as apache-arrow yields it, as persisted bind arguments return it, and as an object', () => {
    const words = interval(0, 0, hour.nanoseconds);
    expect(readMonthDayNano(words)).toEqual(hour);
    expect(readMonthDayNano(JSON.parse(JSON.stringify(words)))).toEqual(hour);
    expect(readMonthDayNano(hour)).toEqual(hour);
    expect(readMonthDayNano(null)).toBeNull();
  });

  it('should keep negative and large nanosecond counts exact', () => {
    const ns = -(2n ** 40n) - 7n;
    expect(readMonthDayNano(interval(2, -3, ns))).toEqual({ months: 2, days: -3, nanoseconds: ns });
  });

  it('should measure months as 30 days and floor nanoseconds to microseconds', () => {
    expect(intervalMicros({ months: 1, days: 2, nanoseconds: 1999n })).toBe(32n * 86_400_000_000n + 1n);
    expect(intervalMicros({ months: 0, days: 0, nanoseconds: -1n })).toBe(-1n);
  });
});
