import { tableFromArrays } from 'apache-arrow';
import {
  finalizeParallelism,
  planDrive,
  planProjection,
  RunConfigurationError,
  VECTOR_SIZE,
  vectorCount,
  vectorsOf,
  withinLimit,
} from '../../../src/lifecycle';

const batchOf = (rows: number) => tableFromArrays({ x: Int32Array.from({ length: rows }, (_, i) => i) }).batches[0];

describe('drive rules', () => {
  it('should default to DuckDB vectors, one connection and two batches per morsel', () => {
    expect(planDrive({}, {})).toEqual({
      batchSize: VECTOR_SIZE,
      sinkConnections: 1,
      batchesPerMorsel: 2,
      batchIndex: false,
      limit: Infinity,
    });
    expect(VECTOR_SIZE).toBe(2048);
  });

  it('should feed a sink-order-dependent function through one connection and send batch indexes when required', () => {
    expect(planDrive({ sinkOrderDependent: true }, { sinkConnections: 4 }).sinkConnections).toBe(1);
    expect(planDrive({ sinkOrderDependent: null }, { sinkConnections: 4 }).sinkConnections).toBe(4);
    expect(planDrive({ requiresInputBatchIndex: true }, {}).batchIndex).toBe(true);
  });

  it.each([
    ['batchSize', { batchSize: 2049 }, "batchSize must be an integer from 1 to 2048 (DuckDB's vector size), got 2049."],
    ['batchSize', { batchSize: 0 }, "batchSize must be an integer from 1 to 2048 (DuckDB's vector size), got 0."],
    ['sinkConnections', { sinkConnections: 1.5 }, 'sinkConnections must be an integer of at least 1, got 1.5.'],
    ['batchesPerMorsel', { batchesPerMorsel: 0 }, 'batchesPerMorsel must be an integer of at least 1, got 0.'],
    ['limit', { limit: -1 }, 'limit must be an integer of at least 0, got -1.'],
  ])('should refuse %s out of range with SILO603', (_name, options, message) => {
    const error = (() => {
      try {
        planDrive({}, options);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RunConfigurationError);
    expect((error as RunConfigurationError).code).toBe('SILO603');
    expect((error as Error).message).toBe(`[SILO603] ${message}`);
  });

  it('should cut batches into vectors of at most the batch size and skip empty ones', () => {
    expect([...vectorsOf(batchOf(5000), 2048)].map((b) => b.numRows)).toEqual([2048, 2048, 904]);
    const [first, second] = [...vectorsOf(batchOf(5), 3)];
    expect([first.getChildAt(0)!.toArray(), second.getChildAt(0)!.toArray()]).toEqual([
      Int32Array.from([0, 1, 2]),
      Int32Array.from([3, 4]),
    ]);
    expect([...vectorsOf(batchOf(0), 2048)]).toEqual([]);
    const whole = batchOf(10);
    expect([...vectorsOf(whole, 10)]).toEqual([whole]);
    expect(vectorCount([5000, 0, 10], 2048)).toBe(4);
  });

  it('should push a projection down only when the function declares it, and refuse unknown columns with SILO205', () => {
    const columns = ['a', 'b', 'c'];
    expect(planProjection({ projectionPushdown: true }, columns, ['c', 'a'])).toEqual({
      pushed: [2, 0],
      local: null,
      columns: ['c', 'a'],
    });
    expect(planProjection({}, columns, ['c', 'a'])).toEqual({ pushed: null, local: ['c', 'a'], columns: ['c', 'a'] });
    expect(planProjection({ projectionPushdown: true }, columns, undefined)).toEqual({
      pushed: null,
      local: null,
      columns: null,
    });
    expect(() => planProjection({}, columns, ['d'])).toThrow(
      '[SILO205] projection names column "d", which the output schema does not have (a, b, c).',
    );
  });

  it('should run one finalize stream when source-order-dependent, else as asked, else one per sink connection', () => {
    expect(finalizeParallelism({ sourceOrderDependent: true }, 8, 4)).toBe(1);
    expect(finalizeParallelism({}, 8, 4)).toBe(8);
    expect(finalizeParallelism({}, undefined, 4)).toBe(4);
  });

  it('should keep what fits under the limit', () => {
    const b = batchOf(10);
    expect(withinLimit(b, 0, Infinity)).toBe(b);
    expect(withinLimit(b, 5, 12)!.numRows).toBe(7);
    expect(withinLimit(b, 12, 12)).toBeNull();
  });
});
