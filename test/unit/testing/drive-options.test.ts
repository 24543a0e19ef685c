/**
 * The TestBed takes the client's drive options under the same names and applies them by
 * the same rules (src/lifecycle): batch size and morsels, `limit`, projection with and
 * without pushdown, and the same errors for options out of range.
 */
import 'reflect-metadata';
import { tableFromArrays } from 'apache-arrow';
import { createTestingWorker, RunConfigurationError, type TestingWorker } from '../../../src/testing';
import { ConformanceModule } from '../../../samples/conformance/conformance.module';

const input = tableFromArrays({
  a: Int32Array.from({ length: 5000 }, (_, i) => i),
  b: Float64Array.from({ length: 5000 }, (_, i) => i / 2),
});

describe('TestBed drive options', () => {
  let worker: TestingWorker;
  beforeAll(async () => {
    worker = await createTestingWorker({ modules: [ConformanceModule], catalog: 'example' }).compile();
  });

  it('should stop at limit rows: the live stream is cancelled and the output cut, as SQL LIMIT', async () => {
    const r = await worker.run('buffer_input', { input, batchSize: 1000, limit: 2500 });
    expect(r.output.numRows).toBe(2500);
    expect(r.output.getChild('a')!.get(2499)).toBe(2499);
    expect(r.limited).toBe(true);
    // Reaching the limit exactly still cancels the stream before its final tick, as in the client.
    const exact = await worker.run('buffer_input', { input, batchSize: 1000, limit: 5000 });
    expect([exact.output.numRows, exact.limited]).toEqual([5000, true]);
    const above = await worker.run('buffer_input', { input, batchSize: 1000, limit: 6000 });
    expect([above.output.numRows, above.limited]).toEqual([5000, false]);
  });

  it('should select the projection itself when the function does not push it down', async () => {
    const r = await worker.run('buffer_input', { input, projection: ['b'] });
    expect(r.output.schema.fields.map((f) => f.name)).toEqual(['b']);
    expect(r.output.getChild('b')!.get(4)).toBe(2);
    const none = await worker.run('buffer_input', {
      input: tableFromArrays({ a: Int32Array.of(), b: Float64Array.of() }),
      projection: ['b'],
    });
    expect(none.output.schema.fields.map((f) => f.name)).toEqual(['b']);
  });

  it('should share morsels between sink connections and report where combine ran', async () => {
    const r = await worker.run('buffer_input', { input, batchSize: 500, batchesPerMorsel: 2, sinkConnections: 3 });
    expect(r.output.numRows).toBe(5000);
    expect(r.sinkConnectionsUsed).toBe(3);
    expect(r.stateIds).toHaveLength(3);
    expect(r.combinedOn).toBeGreaterThanOrEqual(0);
  });

  it.each([
    [{ batchSize: 4096 }, "batchSize must be an integer from 1 to 2048 (DuckDB's vector size), got 4096."],
    [{ sinkConnections: 0 }, 'sinkConnections must be an integer of at least 1, got 0.'],
    [{ projection: ['zz'] }, 'projection names column "zz", which the output schema does not have (a, b).'],
  ])('should refuse %j as the client does', async (options, message) => {
    const error = await worker.run('buffer_input', { input, ...options }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunConfigurationError);
    expect((error as Error).message).toMatch(message);
  });
});
