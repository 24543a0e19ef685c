/**
 * `GET /metrics` and `GET /healthz` of an HTTP worker process: Prometheus text counting the
 * calls of a real run, storage reachability, and the same bearer-token rules as the RPC
 * routes unless `SILO_OBSERVABILITY_OPEN=1` opens them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFunction } from '../../../src/client';
import { executionTraceContext, PROMETHEUS_CONTENT_TYPE, readSpanRecords } from '../../../src/observability';
import { type FleetEnvironment, fleetEnvironment } from '../../fixtures/http/fleet-environment';
import { HttpWorkerProcess, send } from '../../fixtures/http/http-driver';
import { sampleInput } from '../client/support';

const TOKEN = 'metrics-tok-3a9e';
const bearer = { Authorization: `Bearer ${TOKEN}` };
const get = (url: string, headers: Record<string, string> = {}) => send(url, null, headers, 'GET', false);

/** The value of one Prometheus sample line, e.g. `silo_calls_total{function="x",phase="process"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('HTTP worker observability endpoints', () => {
  let fleet: FleetEnvironment;
  let guarded: HttpWorkerProcess;
  let open: HttpWorkerProcess;
  let broken: HttpWorkerProcess;

  beforeAll(async () => {
    fleet = fleetEnvironment('sqlite');
    // A directory path that runs through a regular file: no backend can be opened there.
    writeFileSync(join(fleet.dir, 'not-a-directory'), '');
    // Both serving workers write their spans to one file (the built-in JSON-lines tracer).
    const traced = { ...fleet.env, SILO_TRACE_FILE: join(fleet.dir, 'spans.jsonl') };
    [guarded, open, broken] = await Promise.all([
      HttpWorkerProcess.start({ ...traced, SILO_AUTH_TOKENS: TOKEN }),
      HttpWorkerProcess.start({ ...traced, SILO_AUTH_TOKENS: TOKEN, SILO_OBSERVABILITY_OPEN: '1' }),
      HttpWorkerProcess.start({
        ...fleet.env,
        SILO_STORAGE: 'sqlite',
        SILO_SQLITE_PATH: join(fleet.dir, 'not-a-directory', 'storage.db'),
      }),
    ]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([guarded?.stop(), open?.stop(), broken?.stop()]);
    await fleet?.dispose();
  });

  it('should count the calls, rows and storage operations of a run in Prometheus text', async () => {
    const input = sampleInput(5000);
    const result = await runFunction({
      urls: [guarded.url],
      authToken: TOKEN,
      function: 'buffer_input',
      input,
      sinkConnections: 2,
    });
    expect(result.output.numRows).toBe(5000);

    const response = await get(`${guarded.url}/metrics`, bearer);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(PROMETHEUS_CONTENT_TYPE);
    const text = response.body.toString('utf8');
    expect(text).toContain('# TYPE silo_calls_total counter');
    expect(sample(text, 'silo_calls_total{function="buffer_input",phase="process"}')).toBe(3);
    expect(sample(text, 'silo_calls_total{function="buffer_input",phase="sink_init"}')).toBe(2);
    expect(sample(text, 'silo_calls_total{function="buffer_input",phase="combine"}')).toBe(1);
    expect(sample(text, 'silo_rows_in_total{function="buffer_input"}')).toBe(5000);
    expect(sample(text, 'silo_rows_out_total{function="buffer_input"}')).toBe(5000);
    expect(sample(text, 'silo_call_duration_seconds_count{function="buffer_input",phase="process"}')).toBe(3);
    // The primary sink init leases the execution: one renewLease, timed like every storage call.
    expect(sample(text, 'silo_storage_operations_total{operation="renewLease"}')).toBe(1);
    expect(sample(text, 'silo_storage_operation_duration_seconds_count{operation="renewLease"}')).toBe(1);
    expect(text).not.toContain('function=""');
    expect(sample(text, 'silo_live_executions')).toBe(0);
  });

  it('should count failed calls by error code', async () => {
    // exception_process throws on its second batch.
    await expect(
      runFunction({
        urls: [guarded.url],
        authToken: TOKEN,
        function: 'exception_process',
        input: sampleInput(3000),
        batchSize: 1000,
        batchesPerMorsel: 1,
      }),
    ).rejects.toThrow(/Intentional exception/);
    const text = (await get(`${guarded.url}/metrics`, bearer)).body.toString('utf8');
    expect(text).toMatch(/silo_call_errors_total\{code="SILO\d+",function="exception_process",phase="process"\} 1\n/);
  });

  it('should refuse /metrics and /healthz without the bearer token, as the RPC routes do', async () => {
    for (const path of ['metrics', 'healthz']) {
      const refused = await get(`${guarded.url}/${path}`);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body.toString('utf8'))).toMatchObject({ error: 'unauthorized', reason: 'missing' });
      expect((await get(`${guarded.url}/${path}`, { Authorization: 'Bearer wrong' })).status).toBe(401);
    }
  });

  it('should report reachable storage on /healthz', async () => {
    const response = await get(`${guarded.url}/healthz`, bearer);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString('utf8'))).toMatchObject({
      status: 'ok',
      storage: { backend: 'sqlite', reachable: true },
    });
  });

  it('should answer /metrics and /healthz without a token when SILO_OBSERVABILITY_OPEN=1, and still guard the RPC routes', async () => {
    expect((await get(`${open.url}/metrics`)).status).toBe(200);
    expect((await get(`${open.url}/healthz`)).status).toBe(200);
    const rpc = await send(`${open.url}/vgi.v2/catalog_catalogs`, new Uint8Array(0));
    expect(rpc.status).toBe(401);
  });

  it('should answer 503 with the reason when storage cannot be reached', async () => {
    const response = await get(`${broken.url}/healthz`);
    expect(response.status).toBe(503);
    const report = JSON.parse(response.body.toString('utf8')) as {
      status: string;
      storage: { reachable: boolean; error: string };
    };
    expect(report.status).toBe('unavailable');
    expect(report.storage.reachable).toBe(false);
    expect(report.storage.error).not.toBe('');
  });

  it('should put the spans of one execution served by two HTTP workers in one trace', async () => {
    const result = await runFunction({
      urls: [guarded.url, open.url],
      authToken: TOKEN,
      function: 'buffer_input',
      input: sampleInput(5000),
      sinkConnections: 2,
    });
    const { traceId, spanId } = executionTraceContext(result.executionId);
    const spans = readSpanRecords(join(fleet.dir, 'spans.jsonl')).filter((s) => s.traceId === traceId);
    expect(new Set(spans.map((s) => s.pid))).toEqual(new Set([guarded.pid, open.pid]));
    expect(spans.every((s) => s.parentSpanId === spanId)).toBe(true);
    const phases = new Set(spans.map((s) => s.attributes['silo.phase']));
    expect(phases).toEqual(
      new Set(['sink_init', 'process', 'combine', 'finalize_open', 'finalize_tick', 'destructor']),
    );
  });

  it('should refuse other methods on /metrics', async () => {
    const response = await send(`${guarded.url}/metrics`, new Uint8Array(0), bearer);
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD, OPTIONS');
  });
});
