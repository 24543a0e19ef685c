/**
 * Tracing through a real DuckDB: the worker processes DuckDB spawns for one query (sink
 * processes, combine, finalize streams from its pool) write their spans to one
 * file (`SILO_TRACE_FILE`), and together they form one trace per execution.
 */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { toShellCommand } from '../../src/cli/entry-command';
import { executionTraceContext, readSpanRecords } from '../../src/observability';
import { fromHex } from '../../src/providers/storage';
import { openWithWorker, SAMPLES_ENTRY, workerArgv, type WorkerDb } from '../support/duckdb';

jest.setTimeout(120_000);

describe('tracing through DuckDB (protocol 1.0.0)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silo-duckdb-trace-'));
  const spanFile = join(dir, 'spans.jsonl');
  let w: WorkerDb;

  beforeAll(async () => {
    // Storage comes from the host environment openWithWorker sets; the trace file from the LOCATION.
    w = await openWithWorker({
      location: toShellCommand(['env', `SILO_TRACE_FILE=${spanFile}`, ...workerArgv(SAMPLES_ENTRY)]),
      config: { threads: '2' },
    });
  });

  afterAll(() => {
    w?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should give the query one trace, derived from its execution id, across the worker processes DuckDB ran', async () => {
    const result = await w.db.query(
      "SELECT count(*) AS keys, sum(count) AS rows FROM samples.per_key_sum((SELECT (i % 97)::VARCHAR AS k, i::DOUBLE AS v FROM range(100000) t(i)), key := 'k', value := 'v', partitions := 2)",
    );
    expect(result.rows[0]).toEqual({ keys: 97n, rows: 100000n });

    const spans = readSpanRecords(spanFile).filter((s) => s.attributes['silo.execution_id'] !== undefined);
    const executions = new Set(spans.map((s) => String(s.attributes['silo.execution_id'])));
    expect(executions.size).toBe(1);
    const [id] = executions;
    const { traceId, spanId } = executionTraceContext(fromHex(id));
    expect(spans.every((s) => s.traceId === traceId && s.parentSpanId === spanId)).toBe(true);
    const phases = new Set(spans.map((s) => s.attributes['silo.phase']));
    for (const phase of ['sink_init', 'process', 'combine', 'finalize_open', 'finalize_tick'])
      expect(phases).toContain(phase);
    // How many processes DuckDB uses is its choice (threads, its worker pool); none of them is this one.
    expect(spans.some((s) => s.pid === process.pid)).toBe(false);
    const rowsIn = spans
      .filter((s) => s.attributes['silo.phase'] === 'process')
      .reduce((n, s) => n + Number(s.attributes['silo.rows_in']), 0);
    expect(rowsIn).toBe(100000);
  });
});
