import type { TestingWorker } from 'vgi-silo/testing';
import { conformanceWorker } from './support';

/** What DuckDB's function listing shows for one fixture (fixtures.md §2 and the reference). */
interface Listing {
  readonly schema?: string;
  readonly description: string;
  readonly categories: readonly string[];
  readonly flags?: readonly (
    | 'sinkOrderDependent'
    | 'sourceOrderDependent'
    | 'requiresInputBatchIndex'
    | 'projectionPushdown'
    | 'filterPushdown'
    | 'autoApplyFilters'
  )[];
  readonly cardinality?: { estimate: number; max: number };
}

const CATALOG: Readonly<Record<string, Listing>> = {
  buffer_input: {
    description: 'Collects all input batches and emits during finalization',
    categories: ['utility', 'buffer'],
  },
  echo_buffering: {
    description: 'Buffered passthrough with projection + filter pushdown',
    categories: ['test', 'buffer', 'pushdown'],
    flags: ['projectionPushdown', 'filterPushdown', 'autoApplyFilters'],
  },
  sum_all_columns: {
    description: 'Computes column-wise sums across all batches',
    categories: ['aggregation', 'numeric'],
    cardinality: { estimate: 1, max: 1 },
  },
  exception_process: {
    description: 'Test function that raises exception during process',
    categories: ['test', 'error'],
    cardinality: { estimate: 1, max: 1 },
  },
  exception_finalize: {
    description: 'Test function that raises exception during finalize',
    categories: ['test', 'error'],
    cardinality: { estimate: 1, max: 1 },
  },
  crash_on_process: { description: 'Worker SIGKILLs itself during process (test)', categories: ['test', 'crash'] },
  crash_on_combine: { description: 'Worker raises during combine (test)', categories: ['test', 'crash'] },
  crash_on_finalize: { description: 'Worker raises during finalize (test)', categories: ['test', 'crash'] },
  hang_on_process: { description: 'Worker sleeps in process (manual cancel test)', categories: ['test', 'hang'] },
  large_state: { description: 'Buffers ~1 MB per input batch into state (IPC test)', categories: ['test', 'memory'] },
  ordered_buffer_input: {
    description: 'buffer_input variant with sink_order_dependent=True',
    categories: ['test', 'ordering'],
    flags: ['sinkOrderDependent'],
  },
  batch_index_buffer_input: {
    description: 'buffer_input variant using batch_index to reconstruct order',
    categories: ['test', 'ordering'],
    flags: ['requiresInputBatchIndex'],
  },
  ordered_source: {
    description: 'Emits a fixed 0..15 sequence via source_order_dependent=True; input is ignored',
    categories: ['test', 'ordering'],
    flags: ['sourceOrderDependent'],
  },
  buffer_emit_wide: {
    description: 'Emit a single finalize batch of N rows (vector-size repro)',
    categories: ['test', 'buffer'],
  },
  slow_cancellable_buffering: {
    description: 'Slow buffered table function with an on_cancel file probe (test fixture)',
    categories: ['test'],
  },
  accumulate: {
    description: 'Append rows to a named collection; return all/new/no rows with a _timestamp column',
    categories: ['stateful', 'utility'],
  },
  sum_all_columns_simple_distributed: {
    description: 'Distributed sum using the buffered (Sink+Combine+Source) model',
    categories: ['aggregation', 'numeric', 'distributed'],
    cardinality: { estimate: 1, max: 1 },
  },
  cached_sum_all: {
    description: 'Cacheable column-wise sum across all input (advertises vgi.cache.ttl)',
    categories: ['aggregation', 'cache', 'test'],
    cardinality: { estimate: 1, max: 1 },
  },
  'main.test_same_name_buffered': {
    schema: 'main',
    description: 'Schema-disambiguation probe; the main-schema buffered function',
    categories: [],
  },
  'data.test_same_name_buffered': {
    schema: 'data',
    description: 'Schema-disambiguation probe; the data-schema buffered function',
    categories: [],
  },
  global_buffered: { description: 'Global-registration probe (table-buffering)', categories: ['test', 'global'] },
};

const ALL_FLAGS = [
  'sinkOrderDependent',
  'sourceOrderDependent',
  'requiresInputBatchIndex',
  'projectionPushdown',
  'filterPushdown',
  'autoApplyFilters',
] as const;

describe('ConformanceModule', () => {
  let worker: TestingWorker;
  beforeAll(async () => {
    worker = await conformanceWorker();
  });

  it('should register every reference fixture, and nothing else', () => {
    const registered = worker.registry.all().map((d) => `${d.options.schema}.${d.options.name}`);
    const expected = Object.entries(CATALOG).map(([key, l]) =>
      key.includes('.') ? key : `${l.schema ?? 'main'}.${key}`,
    );
    expect(registered.sort()).toEqual(expected.sort());
    expect(worker.registry.schemas()).toEqual(['main', 'data']);
  });

  it.each(Object.entries(CATALOG))(
    'should list %s with the reference description, categories and flags',
    (name, listing) => {
      const { options } = worker.registry.require(name);
      expect(options.schema).toBe(listing.schema ?? 'main');
      expect(options.description).toBe(listing.description);
      expect(options.categories).toEqual(listing.categories);
      for (const flag of ALL_FLAGS)
        expect([flag, options[flag]]).toEqual([flag, listing.flags?.includes(flag) ?? false]);
      expect(options.cardinality).toEqual(listing.cardinality);
    },
  );

  it('should take a TABLE named data after the positional scalars, as the reference does', () => {
    const positions = Object.fromEntries(
      worker.registry
        .all()
        .map((d) => [
          `${d.options.schema}.${d.options.name}`,
          [...d.args.positional.map((a) => a.name), `${d.args.table.name}@${d.args.table.position}`],
        ]),
    );
    expect(positions['main.buffer_input']).toEqual(['data@0']);
    expect(positions['main.buffer_emit_wide']).toEqual(['rows', 'data@1']);
    expect(positions['main.slow_cancellable_buffering']).toEqual(['probe_path', 'data@1']);
    expect(positions['main.accumulate']).toEqual(['name', 'data@1']);
  });

  it('should declare the named arguments with their types, defaults and constraints', () => {
    const named = (fn: string) =>
      worker.registry.require(fn).args.named.map((a) => ({
        name: a.name,
        type: String(a.arrowType),
        default: a.defaultValue,
        constraints: a.constraints,
      }));
    expect(named('sum_all_columns')).toEqual([{ name: 'logging', type: 'Bool', default: false, constraints: {} }]);
    expect(named('cached_sum_all')).toEqual(named('sum_all_columns'));
    expect(named('sum_all_columns_simple_distributed')).toEqual([]);
    expect(named('slow_cancellable_buffering')).toEqual([
      { name: 'count', type: 'Int64', default: 1000n, constraints: { range: '[1, +inf)' } },
      { name: 'sleep_ms', type: 'Int64', default: 10n, constraints: { range: '[0, +inf)' } },
    ]);
    expect(named('accumulate')).toEqual([
      { name: 'max_row_size', type: 'Int64', default: 0n, constraints: { range: '[0, +inf)' } },
      { name: 'result', type: 'Utf8', default: 'all', constraints: { choices: ['all', 'new', 'none'] } },
      { name: 'ttl', type: 'Interval<MONTH_DAY_NANO>', default: null, constraints: {} },
    ]);
    const rows = worker.registry.require('buffer_emit_wide').args.positional[0];
    expect([rows.name, String(rows.arrowType), rows.constraints]).toEqual(['rows', 'Int64', { range: '[0, +inf)' }]);
  });
});
