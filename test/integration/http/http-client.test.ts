/**
 * Silo's client against real HTTP workers (vgi-wire §2.3–§2.5): `runFunction({ urls })`
 * with limits and cancels that reach `@OnCancel()` on whichever worker receives them,
 * projection pushdown and batch indexes carried through stream tokens, worker logs tagged
 * with their URL, bearer tokens, and the errors a user sees when a URL is wrong or a
 * worker dies mid-call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { field, makeRecordBatch, schemaOf, wire } from '../../../src/arrow';
import {
  HttpConnection,
  RunCancelledError,
  runFunction,
  WorkerHttpError,
  WorkerRequestTooLargeError,
  WorkerUnreachableError,
} from '../../../src/client';
import { RemoteError } from '../../../src/protocol';
import { type FleetEnvironment, fleetEnvironment } from '../../fixtures/http/fleet-environment';
import { HttpWorkerProcess } from '../../fixtures/http/http-driver';
import { closedPort } from '../../fixtures/http/fake-http-worker';
import { rowsOf, sampleInput } from '../client/support';

const TOKEN = 'tok-client-5d2a';
/** The guarded worker's SILO_MAX_REQUEST_BYTES. */
const LIMIT = 65_536;

describe('runFunction over HTTP workers', () => {
  let fleet: FleetEnvironment;
  let pair: HttpWorkerProcess[];
  let guarded: HttpWorkerProcess;
  /** Workers of their own for the tests that hang or kill one. */
  let hanging: HttpWorkerProcess;
  let doomed: HttpWorkerProcess;
  let urls: string[];

  beforeAll(async () => {
    fleet = fleetEnvironment('sqlite');
    [pair, [guarded, hanging, doomed]] = await Promise.all([
      Promise.all([0, 1].map(() => HttpWorkerProcess.start(fleet.env))),
      Promise.all([
        HttpWorkerProcess.start({
          ...fleet.env,
          SILO_AUTH_TOKENS: `other-token,${TOKEN}`,
          SILO_MAX_REQUEST_BYTES: String(LIMIT),
        }),
        HttpWorkerProcess.start(fleet.env),
        HttpWorkerProcess.start(fleet.env),
      ]),
    ]);
    urls = pair.map((w) => w.url);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([...(pair ?? []), guarded].filter(Boolean).map((w) => w.stop()));
    await Promise.all([hanging, doomed].filter(Boolean).map((w) => w.stop('SIGKILL')));
    await fleet?.dispose();
  });

  it('should stop at a limit with a cancel /exchange whose worker runs @OnCancel with the cursor the stream had', async () => {
    const probe = join(fleet.dir, 'limit-probe.txt');
    const result = await runFunction({
      urls,
      function: 'slow_cancellable_buffering',
      input: tableFromArrays({ x: Int32Array.of(1) }),
      args: { probe_path: probe, count: 1000n, sleep_ms: 1n },
      limit: 3,
    });
    expect([...result.output.getChild('n')!]).toEqual([0n, 1n, 2n]);
    expect(result.limited).toBe(true);
    const finalize = result.requests.filter((r) => r.phase === 'finalize').map((r) => r.call);
    expect(finalize).toEqual(['init', 'exchange', 'exchange', 'cancel']);
    const cancel = result.requests.find((r) => r.call === 'cancel')!;
    expect(readFileSync(probe, 'utf8')).toBe(`pid=${pair[urls.indexOf(cancel.url)].pid} emitted=3\n`);
    expect(result.ticks).toEqual([4]);
  });

  it('should push a projection down through the stream tokens and read its batches positionally', async () => {
    const input = sampleInput(3_000);
    const result = await runFunction({
      urls,
      function: 'echo_buffering',
      input,
      projection: ['score', 'id'],
      batchSize: 1000,
    });
    expect(result.output.schema.fields.map((f) => f.name)).toEqual(['score', 'id']);
    expect(rowsOf(result.output)).toEqual(rowsOf(input.select(['score', 'id'])));
  });

  it('should run with gzip-encoded request bodies (compressRequests), which the workers decode', async () => {
    const input = sampleInput(6_000);
    const result = await runFunction({
      urls,
      function: 'echo_buffering',
      input,
      batchSize: 2048,
      sinkConnections: 2,
      compressRequests: true,
    });
    expect(rowsOf(result.output).sort()).toEqual(rowsOf(input).sort());
  });

  it('should send batch indexes so batch_index_buffer_input rebuilds the input order from two sink connections', async () => {
    const input = sampleInput(2_000);
    const result = await runFunction({
      urls,
      function: 'batch_index_buffer_input',
      input,
      sinkConnections: 2,
      batchSize: 250,
    });
    expect(rowsOf(result.output)).toEqual(rowsOf(input));
  });

  it("should return the workers' log batches tagged with the URL that answered", async () => {
    const result = await runFunction({
      urls,
      function: 'sum_all_columns',
      input: sampleInput(3_000),
      args: { logging: true },
      batchSize: 1000,
    });
    const processLogs = result.logs.filter((l) => l.phase === 'process');
    expect(processLogs.map((l) => l.message)).toEqual(
      Array.from({ length: 3 }, () => 'Processing batch with 1000 rows'),
    );
    expect(processLogs.map((l) => l.pid)).toEqual([null, null, null]);
    expect(processLogs.map((l) => l.url)).toEqual(
      result.requests.filter((r) => r.phase === 'process').map((r) => r.url),
    );
  });

  it("should raise a finalize tick's error batch as RemoteError with the worker's message", async () => {
    const error = await runFunction({ urls, function: 'crash_on_finalize', input: sampleInput(10) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toBe(
      '[SILO407] The worker answered with ValueError: Intentional exception during finalize()',
    );
  });

  it('should refuse a run without the bearer token and with a wrong one (401), and run with the right one', async () => {
    const input = sampleInput(50);
    const missing = await runFunction({ urls: [guarded.url], function: 'buffer_input', input }).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(WorkerHttpError);
    expect((missing as Error).message).toBe(
      `[SILO607] The HTTP worker at ${guarded.url} answered catalog_catalogs (POST ${guarded.url}/vgi.v2/catalog_catalogs) with HTTP 401 Unauthorized: ` +
        'This worker requires a bearer token: send Authorization: Bearer <token> with one of the tokens in its SILO_AUTH_TOKENS.\n' +
        "The worker requires a bearer token: pass one of the tokens listed in its SILO_AUTH_TOKENS (runFunction's authToken, silo run --auth-token TOKEN, or the SILO_AUTH_TOKEN environment variable).",
    );
    const wrong = await runFunction({
      urls: [guarded.url],
      authToken: 'tok-client-5d2b',
      function: 'buffer_input',
      input,
    }).catch((e: unknown) => e);
    expect((wrong as WorkerHttpError).status).toBe(401);
    expect((wrong as Error).message).toMatch(
      /HTTP 401 Unauthorized: The bearer token is not one this worker accepts \(SILO_AUTH_TOKENS\)\.\nThe worker did not accept the bearer token sent/,
    );

    const result = await runFunction({ urls: [guarded.url], authToken: TOKEN, function: 'buffer_input', input });
    expect(rowsOf(result.output)).toEqual(rowsOf(input));
  });

  it('should not send an input batch larger than the limit the worker advertised (SILO_MAX_REQUEST_BYTES), saying so', async () => {
    const wide = tableFromArrays({ text: Array.from({ length: 2048 }, (_, i) => `${i}`.padEnd(100, 'x')) });
    const error = await runFunction({
      urls: [guarded.url],
      authToken: TOKEN,
      function: 'buffer_input',
      input: wide,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerRequestTooLargeError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^\\[SILO608\\] The table_buffering_process request to the HTTP worker at ${guarded.url} is \\d+ bytes, more than the ${LIMIT} bytes that worker accepts \\(its VGI-Max-Request-Bytes, set by SILO_MAX_REQUEST_BYTES\\), so it was not sent\\.\n` +
          'Raise SILO_MAX_REQUEST_BYTES on the workers \\(default 64 MiB\\), or send smaller input batches \\(runFunction batchSize, silo run --batch-size\\)\\.$',
      ),
    );
  });

  it('should name SILO_MAX_REQUEST_BYTES for an oversized first request, whether the 413 arrives or the connection is reset', async () => {
    const inputBatch = makeRecordBatch(schemaOf([field('text', wire.utf8(), true)]), {
      text: Array.from({ length: 2048 }, (_, i) => `${i}`.padEnd(4_000, 'x')),
    });
    for (let attempt = 0; attempt < 4; attempt++) {
      const conn = HttpConnection.open(guarded.url, { authToken: TOKEN });
      try {
        const error = await conn
          .call('table_buffering_process', { functionName: 'buffer_input', executionId: Uint8Array.of(1), inputBatch })
          .catch((e: unknown) => e);
        expect([WorkerHttpError, WorkerRequestTooLargeError].some((type) => error instanceof type)).toBe(true);
        expect((error as Error).message).toMatch(
          /Raise SILO_MAX_REQUEST_BYTES on the workers|raise SILO_MAX_REQUEST_BYTES on the workers/,
        );
      } finally {
        await conn.close();
      }
    }
  });

  it('should say that nothing answers at a URL where no worker listens, naming it and what to check', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/vgi`;
    const error = await runFunction({ urls: [url], function: 'buffer_input', input: sampleInput(5) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkerUnreachableError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^\\[SILO606\\] Could not reach the HTTP worker at ${url} for catalog_catalogs: POST ${url}/vgi.v2/catalog_catalogs failed \\(connect ECONNREFUSED [\\d.:]+\\)\\. Check that the worker is running`,
      ),
    );
  });

  it('should cancel a run whose process call hangs: the request in flight is abandoned and the run ends promptly', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const error = await runFunction({
      urls: [hanging.url],
      function: 'hang_on_process',
      input: sampleInput(10),
      signal: abort.signal,
      onRequest: (r) => {
        if (r.call === 'table_buffering_process') setTimeout(() => abort.abort('the test gave up'), 300);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunCancelledError);
    expect((error as Error).message).toMatch(
      /^\[SILO604\] The run was cancelled \(the test gave up\); live finalize streams were cancelled and the destructor ran, ending execution [0-9a-f]{32}\.$/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('should report a worker that dies during a process call, promptly and naming it', async () => {
    const started = Date.now();
    const error = await runFunction({ urls: [doomed.url], function: 'crash_on_process', input: sampleInput(10) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkerUnreachableError);
    expect((error as WorkerUnreachableError).stage).toBe('response');
    expect((error as Error).message).toMatch(
      new RegExp(
        `^\\[SILO606\\] The HTTP worker at ${doomed.url} dropped the connection before answering table_buffering_process \\(POST ${doomed.url}/vgi.v2/table_buffering_process: `,
      ),
    );
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
