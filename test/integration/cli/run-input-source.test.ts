/**
 * `runFunction` with a streamed input through real worker processes: batches are pulled
 * only as sink connections take morsels (the read-ahead stays within a morsel per
 * connection), an empty source runs nothing, a failing source fails the run, and the
 * output handed over batch by batch with `keepOutput: false` is the whole result.
 */
import { rmSync } from 'node:fs';
import { type RecordBatch, Table } from 'apache-arrow';
import { runFunction, type RunInputSource } from '../../../src/client';
import { CONFORMANCE_WORKER, rowsOf, sampleInput, sharedStorageEnv } from '../client/support';

describe('runFunction with a RunInputSource', () => {
  const { dir, env } = sharedStorageEnv('silo-source-run-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should pull batches only as the sink takes them and stream the output out', async () => {
    const table = sampleInput(60 * 100);
    const batches = Array.from({ length: 60 }, (_, i) => table.slice(i * 100, (i + 1) * 100).batches[0]);
    let pulled = 0;
    let maxAhead = 0;
    let processed = 0;
    const input: RunInputSource = {
      schema: table.schema,
      *batches() {
        for (const batch of batches) {
          pulled++;
          maxAhead = Math.max(maxAhead, pulled - processed);
          yield batch;
        }
      },
    };
    const out: RecordBatch[] = [];
    const result = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'buffer_input',
      input,
      sinkConnections: 2,
      batchesPerMorsel: 2,
      keepOutput: false,
      onOutputBatch: (batch) => out.push(batch),
      onProgress: (p) => (processed = p.batchesIn),
    });
    // Two connections, two batches a morsel: at most a morsel each in flight, plus the one read to see the input is not empty.
    expect(maxAhead).toBeLessThanOrEqual(5);
    expect(pulled).toBe(60);
    expect(result.output.numRows).toBe(0);
    expect(out.reduce((n, b) => n + b.numRows, 0)).toBe(6000);
    expect(rowsOf(new Table(out)).sort()).toEqual(rowsOf(table).sort());
  }, 120_000);

  it('should run nothing for an empty source, and fail the run when the source fails', async () => {
    const table = sampleInput(10);
    const empty = await runFunction({
      command: CONFORMANCE_WORKER,
      env,
      function: 'buffer_input',
      input: { schema: table.schema, batches: () => [][Symbol.iterator]() },
    });
    expect(empty.pids.sink).toEqual([]);
    expect(empty.output.numRows).toBe(0);
    const failing: RunInputSource = {
      schema: table.schema,
      *batches() {
        yield table.batches[0];
        throw new Error('the disk went away');
      },
    };
    await expect(
      runFunction({ command: CONFORMANCE_WORKER, env, function: 'buffer_input', input: failing, batchesPerMorsel: 1 }),
    ).rejects.toThrow('the disk went away');
  }, 120_000);
});
