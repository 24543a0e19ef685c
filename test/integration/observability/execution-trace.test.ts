import 'reflect-metadata';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runFunction } from '../../../src/client';
import { executionTraceContext } from '../../../src/observability';
import { REGISTER_TS, sampleInput, sharedStorageEnv } from '../client/support';
import type { ExportedSpan } from './span-file-exporter';

const PRELOAD = join(__dirname, 'span-file-exporter.ts');
const TRACED_WORKER = [process.execPath, '-r', REGISTER_TS, '-r', PRELOAD, join(__dirname, 'traced-worker.ts')];
/** The same worker in a project without `@opentelemetry/api`. */
const UNTRACED_WORKER = [
  process.execPath,
  '-r',
  REGISTER_TS,
  '-r',
  join(__dirname, 'without-otel-api.ts'),
  join(__dirname, 'traced-worker.ts'),
];

function readSpans(file: string): ExportedSpan[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ExportedSpan);
}

describe('Tracing of one execution across worker processes', () => {
  const { dir, env } = sharedStorageEnv('silo-trace-');
  const spanFile = join(dir, 'spans.jsonl');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should put every span of the execution, from every process, in one trace derived from the execution id, with user spans under their RPC', async () => {
    const input = sampleInput(10_000);
    const result = await runFunction({
      command: TRACED_WORKER,
      env: { ...env, SILO_TEST_SPAN_FILE: spanFile },
      function: 'traced_count',
      input,
      sinkConnections: 2,
    });
    expect(result.output.numRows).toBe(2);

    const spans = readSpans(spanFile);
    const { traceId, spanId: root } = executionTraceContext(result.executionId);
    expect(traceId).toBe(Buffer.from(result.executionId).toString('hex'));
    const execution = spans.filter((s) => s.traceId === traceId);
    const rpc = execution.filter((s) => s.name.startsWith('silo.'));

    // Every RPC span hangs under the execution's derived root, whichever process wrote it.
    for (const s of rpc) {
      expect(s.parentSpanId).toBe(root);
      expect(s.attributes['silo.execution_id']).toBe(traceId);
      expect(s.attributes['silo.function']).toBe('traced_count');
      expect(s.end).toBeGreaterThanOrEqual(s.start);
    }
    const byPhase = (phase: string) => rpc.filter((s) => s.attributes['silo.phase'] === phase);
    const pidsOf = (phase: string) => new Set(byPhase(phase).map((s) => s.pid));

    expect(new Set(rpc.map((s) => s.pid)).size).toBeGreaterThanOrEqual(4);
    expect(pidsOf('sink_init')).toEqual(new Set(result.pids.sink));
    expect(pidsOf('process')).toEqual(new Set(result.pids.sink));
    expect(byPhase('process').reduce((n, s) => n + Number(s.attributes['silo.rows_in']), 0)).toBe(10_000);
    expect(
      byPhase('process').every(
        (s) => Number(s.attributes['silo.bytes_in']) > 0 && Number(s.attributes['silo.storage.operations']) > 0,
      ),
    ).toBe(true);
    expect([...pidsOf('combine')]).toEqual([result.pids.combine]);
    expect(pidsOf('finalize_open')).toEqual(new Set(result.pids.finalize));
    expect(byPhase('finalize_tick').reduce((n, s) => n + Number(s.attributes['silo.rows_out']), 0)).toBe(2);
    expect([...pidsOf('destructor')]).toEqual([result.pids.destructor]);

    // The user's spans: children of the combine span, nested as the code nests them.
    const combine = byPhase('combine')[0];
    const split = execution.find((s) => s.name === 'split count')!;
    const read = execution.find((s) => s.name === 'read count')!;
    expect(split.parentSpanId).toBe(combine.spanId);
    expect(split.attributes.rows).toBe(10_000);
    expect(read.parentSpanId).toBe(split.spanId);
    expect(split.pid).toBe(combine.pid);

    // Bind happens before the execution exists: its span is in a trace of its own.
    const bind = spans.filter((s) => s.name === 'silo.bind');
    expect(bind.length).toBeGreaterThan(0);
    expect(bind.every((s) => s.traceId !== traceId)).toBe(true);
  });

  it('should run the same query, user spans included, with no span written when @opentelemetry/api is not installed', async () => {
    const file = join(dir, 'untraced.jsonl');
    const result = await runFunction({
      command: UNTRACED_WORKER,
      env: { ...env, SILO_TRACE_FILE: file, SILO_TRACING: '1' },
      function: 'traced_count',
      input: sampleInput(3000),
      sinkConnections: 2,
    });
    expect(result.output.toArray().map((r) => r!.toJSON())).toEqual([
      { part: 'first', rows: 1500n },
      { part: 'second', rows: 1500n },
    ]);
    expect(existsSync(file)).toBe(false);
  });
});
