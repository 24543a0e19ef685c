import { Agent, type AgentOptions } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { type RecordBatch } from 'apache-arrow';
import { EMPTY_SCHEMA, field, makeRowsBatch, readIpcStream, schemaOf, wire } from '../../../../src/arrow';
import {
  HttpConnection,
  type HttpRequestInfo,
  NoWorkerReachableError,
  type ReceivedLog,
  WorkerHttpError,
  WorkerProtocolViolation,
  WorkerRequestTooLargeError,
  WorkerTimeoutError,
  WorkerUnreachableError,
} from '../../../../src/client';
import {
  decodeRequestBytes,
  encodeErrorResponse,
  encodeInitError,
  encodeInitHeader,
  encodeUnaryResponse,
  MetadataKey,
  MethodNotImplementedError,
  RemoteError,
  RESULT_BINARY_SCHEMA,
  ResponseStreamEncoder,
} from '../../../../src/protocol';
import {
  closedPort,
  type FakeHttpWorker,
  fakeHttpWorker,
  type ScriptedReply,
  type SeenRequest,
} from '../../../fixtures/http/fake-http-worker';

const ctx = { serverId: 'fake', requestId: null };
const OUTPUT = schemaOf([field('x', wire.int64(), true)]);
const rows = (...xs: bigint[]): RecordBatch =>
  makeRowsBatch(
    OUTPUT,
    xs.map((x) => ({ x })),
  );
const catalogs = (): ScriptedReply => ({
  body: encodeUnaryResponse('catalog_catalogs', [{ name: 'example' }], ctx, [{ level: 'INFO', message: 'listing' }]),
});
const xs = (batch: RecordBatch | null): bigint[] =>
  batch === null ? [] : [...batch.getChild('x')!].map((v) => v as bigint);

/** The request batch of a unary or /init body. */
function requestOf(seen: SeenRequest) {
  const decoded = decodeRequestBytes(seen.body);
  if (!decoded.ok) throw new Error(decoded.refusal.error.message);
  return decoded.request;
}

/** The metadata of an /exchange body's continuation batch. */
const continuationOf = (seen: SeenRequest): ReadonlyMap<string, string> => readIpcStream(seen.body).batches[0].metadata;

/** One output stream: logs, data batches, then a state token unless `token` is null. */
function output(parts: {
  logs?: string[];
  data?: RecordBatch[];
  error?: Error;
  token?: [string, string | null] | null;
}): Uint8Array {
  const out = new ResponseStreamEncoder(OUTPUT, ctx);
  const bytes = [
    out.start(),
    ...(parts.logs ?? []).map((message) => out.log({ level: 'INFO', message })),
    ...(parts.data ?? []).map((b) => out.data(b)),
  ];
  if (parts.error) bytes.push(out.error(parts.error));
  if (parts.token) bytes.push(out.stateToken(...parts.token));
  bytes.push(out.end());
  return new Uint8Array(Buffer.concat(bytes));
}

const initAnswer = (executionId: Uint8Array, first: Uint8Array): ScriptedReply => ({
  body: Buffer.concat([encodeInitHeader({ executionId }, ctx), first]),
});

describe('HttpConnection', () => {
  const started: FakeHttpWorker[] = [];
  const opened: HttpConnection[] = [];
  const worker = async (script: Parameters<typeof fakeHttpWorker>[0]): Promise<FakeHttpWorker> => {
    const w = await fakeHttpWorker(script);
    started.push(w);
    return w;
  };
  const connect = (
    urls: string | string[],
    options: Parameters<typeof HttpConnection.open>[1] = {},
  ): { conn: HttpConnection; logs: ReceivedLog[]; sent: HttpRequestInfo[] } => {
    const logs: ReceivedLog[] = [];
    const sent: HttpRequestInfo[] = [];
    const conn = HttpConnection.open(urls, { onLog: (l) => logs.push(l), onRequest: (r) => sent.push(r), ...options });
    opened.push(conn);
    return { conn, logs, sent };
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
    await Promise.all(started.splice(0).map((w) => w.close()));
  });

  it('should POST a unary call as Arrow to {base}/vgi.v2/{method} with the bearer token, and return its result and its logs tagged with the URL', async () => {
    const w = await worker(catalogs);
    const { conn, logs } = connect(`${w.url}/`, { authToken: 'tok-1' });
    const { result, logs: callLogs } = await conn.call('catalog_catalogs', {});
    expect(result.map((c) => c.name)).toEqual(['example']);
    expect(callLogs).toEqual([{ level: 'INFO', message: 'listing', extra: null }]);
    expect(logs).toEqual([
      { level: 'INFO', message: 'listing', extra: null, method: 'catalog_catalogs', pid: null, url: w.url },
    ]);
    const [seen] = w.requests;
    expect([seen.path, seen.headers['content-type'], seen.headers.authorization]).toEqual([
      '/vgi/vgi.v2/catalog_catalogs',
      'application/vnd.apache.arrow.stream',
      'Bearer tok-1',
    ]);
    expect(requestOf(seen)).toMatchObject({
      method: 'catalog_catalogs',
      requestId: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect([conn.pid, conn.usable, conn.label]).toEqual([null, true, `HTTP worker at ${w.url}`]);
  });

  it('should send each request to the next URL in turn and keep its connections alive', async () => {
    const [a, b] = [await worker(catalogs), await worker(catalogs)];
    const { conn, sent } = connect([a.url, b.url]);
    for (let i = 0; i < 4; i++) await conn.call('catalog_catalogs', {});
    expect(sent).toEqual([a.url, b.url, a.url, b.url].map((url) => ({ url, call: 'catalog_catalogs' })));
    expect([a.requests.map((r) => r.earlierOnSocket), b.requests.map((r) => r.earlierOnSocket)]).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(conn.label).toBe(`HTTP workers at ${a.url}, ${b.url}`);
  });

  it('should raise an X-VGI-RPC-Error body as RemoteError after routing its logs, and stay usable', async () => {
    let calls = 0;
    const w = await worker(() =>
      calls++ === 0
        ? {
            headers: { 'X-VGI-RPC-Error': 'true' },
            body: encodeErrorResponse(RESULT_BINARY_SCHEMA, new RangeError('k must be positive'), ctx, [
              { level: 'WARN', message: 'about to fail' },
            ]),
          }
        : catalogs(),
    );
    const { conn, logs } = connect(w.url);
    const error = await conn
      .call('table_buffering_destructor', { functionName: 'f', executionId: Uint8Array.of(1) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toBe('[SILO407] The worker answered with RangeError: k must be positive');
    expect(logs.map((l) => [l.message, l.method])).toEqual([['about to fail', 'table_buffering_destructor']]);
    expect(conn.usable).toBe(true);
    expect((await conn.call('catalog_catalogs', {})).result).toHaveLength(1);
  });

  it('should raise the Arrow error body of a 404 as RemoteError with its error kind, and call reflection methods under their protocol', async () => {
    const w = await worker(() => ({
      status: 404,
      body: encodeErrorResponse(
        EMPTY_SCHEMA,
        new MethodNotImplementedError("Protocol 'vgi_rpc.Reflection.v1' has no method 'describe'."),
        ctx,
      ),
    }));
    const { conn } = connect(w.url);
    const error = await conn
      .call('describe', { protocol: 'vgi.v2' }, { protocolVersion: null })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).errorKind).toBe('method_not_implemented');
    expect(w.requests[0].path).toBe('/vgi/vgi_rpc.Reflection.v1/describe');
  });

  it('should say to pass a bearer token on a 401 without one, and that the token is wrong on a 401 with one', async () => {
    const w = await worker(() => ({
      status: 401,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        error: 'unauthorized',
        reason: 'missing',
        detail:
          'This worker requires a bearer token: send Authorization: Bearer <token> with one of the tokens in its SILO_AUTH_TOKENS.',
      }),
    }));
    const missing = await connect(w.url)
      .conn.call('catalog_catalogs', {})
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(WorkerHttpError);
    expect((missing as WorkerHttpError).status).toBe(401);
    expect((missing as Error).message).toBe(
      `[SILO607] The HTTP worker at ${w.url} answered catalog_catalogs (POST ${w.url}/vgi.v2/catalog_catalogs) with HTTP 401 Unauthorized: ` +
        'This worker requires a bearer token: send Authorization: Bearer <token> with one of the tokens in its SILO_AUTH_TOKENS.\n' +
        "The worker requires a bearer token: pass one of the tokens listed in its SILO_AUTH_TOKENS (runFunction's authToken, silo run --auth-token TOKEN, or the SILO_AUTH_TOKEN environment variable).",
    );
    const wrong = await connect(w.url, { authToken: 'nope' })
      .conn.call('catalog_catalogs', {})
      .catch((e: unknown) => e);
    expect((wrong as Error).message).toMatch(
      /\nThe worker did not accept the bearer token sent: pass one of the tokens listed in the worker's SILO_AUTH_TOKENS\.$/,
    );
  });

  it('should name SILO_MAX_REQUEST_BYTES on a 413, the mount prefix on a plain-text 404, and the media type on a 200 that is not Arrow', async () => {
    const replies: ScriptedReply[] = [
      {
        status: 413,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: 'Request body too large: 70000 bytes declared, the limit is 65536 bytes (SILO_MAX_REQUEST_BYTES).\n',
      },
      {
        status: 404,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: 'Not Found: this worker serves /vgi/health and /vgi/{protocol}/{method}[/init|/exchange].\n',
      },
      { status: 200, headers: { 'Content-Type': 'text/html' }, body: '<html><body>It works!</body></html>' },
    ];
    const w = await worker(() => replies.shift()!);
    const { conn } = connect(w.url);
    const failures: Error[] = [];
    for (let i = 0; i < 3; i++)
      failures.push((await conn.call('catalog_catalogs', {}).catch((e: unknown) => e)) as Error);
    expect(failures.every((f) => f instanceof WorkerHttpError)).toBe(true);
    expect(failures[0].message).toMatch(
      /HTTP 413 Payload Too Large: Request body too large: 70000 bytes declared, the limit is 65536 bytes \(SILO_MAX_REQUEST_BYTES\)\.\nThe request body is larger than the worker accepts: raise SILO_MAX_REQUEST_BYTES on the workers \(default 64 MiB\), or send smaller input batches/,
    );
    expect(failures[1].message).toMatch(
      /HTTP 404 Not Found: Not Found: .*\nCheck the URL: it must be the worker's base URL including its mount prefix \(default \/vgi/,
    );
    expect(failures[2].message).toMatch(
      /HTTP 200 OK: <html><body>It works!<\/body><\/html>\nA vgi\.v2 worker answers with application\/vnd\.apache\.arrow\.stream, this answer is text\/html\./,
    );
  });

  it('should gzip request bodies of 16 KiB or more with compressRequests, and send small ones and all without it as they are', async () => {
    const w = await worker((seen) =>
      seen.path.endsWith('/catalog_catalogs')
        ? catalogs()
        : { body: encodeUnaryResponse('table_buffering_process', Uint8Array.of(7), ctx) },
    );
    const inputBatch = makeRowsBatch(
      OUTPUT,
      Array.from({ length: 4000 }, (_, i) => ({ x: BigInt(i % 10) })),
    );
    const process = { functionName: 'f', executionId: Uint8Array.of(1), inputBatch };
    const packed = connect(w.url, { compressRequests: true }).conn;
    await packed.call('catalog_catalogs', {});
    expect((await packed.call('table_buffering_process', process)).result).toEqual(Uint8Array.of(7));
    await connect(w.url).conn.call('table_buffering_process', process);
    const [small, gzipped, plain] = w.requests;
    expect([
      small.headers['content-encoding'],
      gzipped.headers['content-encoding'],
      plain.headers['content-encoding'],
    ]).toEqual([undefined, 'gzip', undefined]);
    expect(gzipped.body.length).toBeLessThan(plain.body.length / 4);
    // Once decoded, the worker gets the same request the plain call sent (request ids apart).
    const decoded = requestOf({ ...gzipped, body: gunzipSync(gzipped.body) });
    expect(decoded.method).toBe('table_buffering_process');
    expect(xs((decoded.params as { inputBatch: RecordBatch }).inputBatch)).toEqual(xs(inputBatch));
    expect(gunzipSync(gzipped.body).length).toBe(plain.body.length);
  });

  it('should not send a body larger than the limit the worker advertised in VGI-Max-Request-Bytes', async () => {
    const w = await worker(() => ({ ...(catalogs() as object), headers: { 'VGI-Max-Request-Bytes': '2000' } }));
    const { conn } = connect(w.url);
    await conn.call('catalog_catalogs', {});
    const inputBatch = makeRowsBatch(
      OUTPUT,
      Array.from({ length: 500 }, (_, i) => ({ x: BigInt(i) })),
    );
    const error = await conn
      .call('table_buffering_process', { functionName: 'f', executionId: Uint8Array.of(1), inputBatch })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerRequestTooLargeError);
    expect([(error as WorkerRequestTooLargeError).limit, (error as WorkerRequestTooLargeError).outcome]).toEqual([
      2000,
      'not sent',
    ]);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^\\[SILO608\\] The table_buffering_process request to the HTTP worker at ${w.url} is \\d+ bytes, more than the 2000 bytes that worker accepts`,
      ),
    );
    expect(w.requests).toHaveLength(1);
  });

  it('should report an Arrow body that is not an IPC stream as a protocol violation naming the URL', async () => {
    const w = await worker(() => ({ body: 'definitely not arrow' }));
    const error = await connect(w.url)
      .conn.call('catalog_catalogs', {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerProtocolViolation);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^\\[SILO602\\] The HTTP worker at ${w.url} answered catalog_catalogs \\(POST ${w.url}/vgi.v2/catalog_catalogs, HTTP 200\\) with bytes that are not a vgi.v2 response: .+Check that the URL is a vgi.v2 worker`,
      ),
    );
  });

  it('should say that nothing answers at a refused URL, and what to check', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/vgi`;
    const error = await connect(url)
      .conn.call('catalog_catalogs', {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerUnreachableError);
    expect((error as WorkerUnreachableError).stage).toBe('connect');
    expect((error as Error).message).toBe(
      `[SILO606] Could not reach the HTTP worker at ${url} for catalog_catalogs: POST ${url}/vgi.v2/catalog_catalogs failed (connect ECONNREFUSED ${url.slice(7, -4)}). ` +
        'Check that the worker is running and serving this URL — `silo serve <entry> --http PORT` prints it as HTTP:<url>, mount prefix included — and that its host and port are reachable from here.',
    );
  });

  it('should send a request a worker of the list refused to the next one, and record only where it was served', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}/vgi`;
    const w = await worker(() => catalogs());
    const refused: HttpRequestInfo[] = [];
    const { conn, sent } = connect([dead, w.url], { onRefused: (r) => refused.push(r), restAfterRefusalMs: 0 });
    for (let i = 0; i < 3; i++)
      expect((await conn.call('catalog_catalogs', {})).result.map((c) => c.name)).toEqual(['example']);
    // Without rests, each request tries the dead worker first (its turn in the round robin), then goes on to the live one.
    expect(sent.map((r) => r.url)).toEqual([dead, w.url, dead, w.url, dead, w.url]);
    expect(refused).toEqual([sent[0], sent[2], sent[4]]);
    expect(refused.every((r, i) => r === sent[2 * i])).toBe(true);
    expect(w.requests).toHaveLength(3);
  });

  it('should let a worker that refused rest, doubling the rest with each refusal in a row, and send its turns to the others meanwhile', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}/vgi`;
    const w = await worker(() => catalogs());
    let now = 1_000_000;
    const { conn, sent } = connect([dead, w.url], { now: () => now });
    const urlsOf = async (calls: number): Promise<string[]> => {
      const from = sent.length;
      for (let i = 0; i < calls; i++) await conn.call('catalog_catalogs', {});
      return sent.slice(from).map((r) => (r.url === dead ? 'dead' : 'live'));
    };
    expect(await urlsOf(3)).toEqual(['dead', 'live', 'live', 'live']);
    now += 999;
    expect(await urlsOf(1)).toEqual(['live']);
    now += 1; // the first rest (1 s) is over: one try, refused again, rests 2 s
    expect(await urlsOf(2)).toEqual(['dead', 'live', 'live']);
    now += 1_999;
    expect(await urlsOf(1)).toEqual(['live']);
    now += 1;
    expect(await urlsOf(1)).toEqual(['dead', 'live']);
    expect(w.requests).toHaveLength(8);
  });

  it('should still try every worker when all of them are resting, rather than fail without trying', async () => {
    const dead = [`http://127.0.0.1:${await closedPort()}/vgi`, `http://127.0.0.1:${await closedPort()}/vgi`];
    const { conn, sent } = connect(dead, { now: () => 5_000 });
    for (let i = 0; i < 2; i++) {
      const error = await conn.call('catalog_catalogs', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoWorkerReachableError);
      expect((error as NoWorkerReachableError).failures).toHaveLength(2);
    }
    expect(sent.map((r) => r.url).sort()).toEqual([...dead, ...dead].sort());
  });

  it('should give up a connection not made within connectTimeoutMs as unreachable, and fail over to the next worker', async () => {
    // A host name whose lookup never answers: the socket stays "connecting", as with a host that drops packets.
    const blackhole = new Agent({ keepAlive: true, lookup: () => undefined } as AgentOptions);
    const w = await worker(() => catalogs());
    const refused: HttpRequestInfo[] = [];
    const alone = connect('http://blackhole.invalid:8080/vgi', { httpAgent: blackhole, connectTimeoutMs: 50 });
    const error = await alone.conn.call('catalog_catalogs', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerUnreachableError);
    expect([(error as WorkerUnreachableError).stage, (error as WorkerUnreachableError).detail]).toEqual([
      'connect',
      'ETIMEDOUT: no connection within 50 ms',
    ]);
    expect((error as Error).message).toMatch(
      /^\[SILO606\] Could not reach the HTTP worker at http:\/\/blackhole\.invalid:8080\/vgi for catalog_catalogs: .*\(ETIMEDOUT: no connection within 50 ms\)\. Check that the worker is running/,
    );

    const fleet = connect(['http://blackhole.invalid:8080/vgi', w.url], {
      httpAgent: blackhole,
      connectTimeoutMs: 50,
      onRefused: (r) => refused.push(r),
    });
    expect((await fleet.conn.call('catalog_catalogs', {})).result).toHaveLength(1);
    expect([refused.map((r) => r.url), w.requests.length]).toEqual([['http://blackhole.invalid:8080/vgi'], 1]);
    blackhole.destroy();
  });

  it('should abandon a request unanswered after requestTimeoutMs with SILO611, send it nowhere else, and stay usable', async () => {
    let calls = 0;
    const w = await worker(() => (++calls === 1 ? 'hang' : catalogs()));
    const other = await worker(() => catalogs());
    const { conn } = connect([w.url, other.url], { requestTimeoutMs: 150 });
    const error = await conn.call('catalog_catalogs', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerTimeoutError);
    expect((error as Error).message).toBe(
      `[SILO611] The HTTP worker at ${w.url} did not answer catalog_catalogs within 150 ms (POST ${w.url}/vgi.v2/catalog_catalogs); the request was abandoned, and the call may still be running there. ` +
        "If the function legitimately takes this long, raise the request timeout (runFunction requestTimeoutMs, silo run --request-timeout SECONDS); otherwise look at the worker's log for a call that hangs.",
    );
    expect([w.requests.length, other.requests.length, conn.usable]).toEqual([1, 0, true]);
    expect((await conn.call('catalog_catalogs', {})).result).toHaveLength(1);
    expect(other.requests).toHaveLength(1);
  });

  it('should name every worker when none of the list can be reached (SILO609)', async () => {
    const dead = [`http://127.0.0.1:${await closedPort()}/vgi`, `http://127.0.0.1:${await closedPort()}/vgi`];
    const refused: HttpRequestInfo[] = [];
    const { conn, sent } = connect(dead, { onRefused: (r) => refused.push(r) });
    const error = await conn.call('catalog_catalogs', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoWorkerReachableError);
    expect((error as NoWorkerReachableError).failures.map((f) => f.url)).toEqual(dead);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^\\[SILO609\\] None of the 2 HTTP workers could be reached for catalog_catalogs: ${dead[0]} \\(connect ECONNREFUSED [\\d.:]+\\); ${dead[1]} \\(connect ECONNREFUSED [\\d.:]+\\)\\. Check that the workers are running`,
      ),
    );
    expect(refused).toEqual(sent);
    expect(sent.map((r) => r.url)).toEqual(dead);
    // Still usable: the next request tries the list again.
    expect(conn.usable).toBe(true);
  });

  it('should report a worker that drops the connection mid-request, and never send a process call twice', async () => {
    const w = await worker(() => 'drop');
    const { conn } = connect(w.url);
    const error = await conn
      .call('table_buffering_process', { functionName: 'f', executionId: Uint8Array.of(1), inputBatch: rows(1n) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerUnreachableError);
    expect((error as Error).message).toBe(
      `[SILO606] The HTTP worker at ${w.url} dropped the connection before answering table_buffering_process (POST ${w.url}/vgi.v2/table_buffering_process: ECONNRESET: socket hang up). ` +
        'The worker process may have crashed or been stopped: check that it is still running, and look at its stderr.',
    );
    // Sent once; then HEAD /health asked whether a size limit explains the drop (this worker does not answer it either).
    expect(w.requests.map((r) => `${r.path} ${r.headers['content-length'] ?? '-'}`)).toEqual([
      expect.stringMatching(/^\/vgi\/vgi\.v2\/table_buffering_process \d+$/),
      '/vgi/health -',
    ]);
  });

  it('should send a repeatable request again when its pooled connection was closed under it, but not a process call', async () => {
    // Each connection serves one request; a second request on it is dropped unanswered, as a keep-alive timeout racing it would.
    const w = await worker((seen) => (seen.earlierOnSocket > 0 ? 'drop' : catalogs()));
    const { conn } = connect(w.url);
    await conn.call('catalog_catalogs', {});
    expect((await conn.call('catalog_catalogs', {})).result).toHaveLength(1);
    expect(w.requests.map((r) => r.earlierOnSocket)).toEqual([0, 1, 0]);
    const process = await conn
      .call('table_buffering_process', { functionName: 'f', executionId: Uint8Array.of(1), inputBatch: rows(1n) })
      .catch((e: unknown) => e);
    expect(process).toBeInstanceOf(WorkerUnreachableError);
    expect(w.requests.filter((r) => r.path !== '/vgi/health').map((r) => r.earlierOnSocket)).toEqual([0, 1, 0, 1]);
  });

  it('should close a pooled connection idle longer than idleSocketTimeoutMs, before the worker closes it under a request', async () => {
    const w = await worker(() => catalogs());
    const { conn } = connect(w.url, { idleSocketTimeoutMs: 1_000 });
    await conn.call('catalog_catalogs', {});
    await conn.call('catalog_catalogs', {});
    await new Promise((done) => setTimeout(done, 1_300));
    await conn.call('catalog_catalogs', {});
    // Reused while fresh, then a new connection after the idle time.
    expect(w.requests.map((r) => r.earlierOnSocket)).toEqual([0, 1, 0]);
  });

  it('should abandon the request in flight when killed, and refuse further requests', async () => {
    const w = await worker(() => 'hang');
    const { conn } = connect(w.url);
    const pending = conn.call('catalog_catalogs', {}).catch((e: unknown) => e);
    while (w.requests.length === 0) await new Promise((done) => setTimeout(done, 5));
    conn.kill();
    expect(((await pending) as Error).message).toMatch(
      new RegExp(
        `^\\[SILO614\\] POST ${w.url}/vgi.v2/catalog_catalogs was abandoned: the connection was killed\\. Open a new connection to send it again\\.$`,
      ),
    );
    expect(conn.usable).toBe(false);
    await expect(conn.call('catalog_catalogs', {})).rejects.toThrow(
      `[SILO614] HTTP worker at ${w.url}: cannot send catalog_catalogs: the connection was killed; open a new connection.`,
    );
  });

  it('should refuse a second call while one is in flight', async () => {
    const w = await worker(catalogs);
    const { conn } = connect(w.url);
    const first = conn.call('catalog_catalogs', {});
    await expect(conn.call('catalog_catalogs', {})).rejects.toThrow(
      `[SILO613] HTTP worker at ${w.url}: cannot send catalog_catalogs while catalog_catalogs is in flight; calls on one connection are sequential, await the previous one (or finish its stream) first.`,
    );
    await first;
  });
});

describe('HttpInitStream', () => {
  const init = { bindCall: { functionName: 'f' }, outputSchema: OUTPUT, executionId: Uint8Array.of(7) } as const;
  let workers: FakeHttpWorker[] = [];
  let conn: HttpConnection | null = null;
  afterEach(async () => {
    await conn?.close();
    await Promise.all(workers.map((w) => w.close()));
    workers = [];
  });

  /** Two fake workers answering from one shared script, so a stream's turns can land on either. */
  async function fleet(
    script: (seen: SeenRequest) => ScriptedReply,
  ): Promise<{ a: FakeHttpWorker; b: FakeHttpWorker; logs: ReceivedLog[]; sent: HttpRequestInfo[] }> {
    workers = [await fakeHttpWorker(script), await fakeHttpWorker(script)];
    const logs: ReceivedLog[] = [];
    const sent: HttpRequestInfo[] = [];
    conn = HttpConnection.open(
      workers.map((w) => w.url),
      { onLog: (l) => logs.push(l), onRequest: (r) => sent.push(r) },
    );
    return { a: workers[0], b: workers[1], logs, sent };
  }

  it('should open a producer with /init, continue it with /exchange on the next worker echoing both tokens, and end at the answer without a token', async () => {
    const answers = [
      initAnswer(
        Uint8Array.of(7),
        output({ logs: ['first tick'], data: [rows(1n, 2n)], token: ['state-1', 'call-1'] }),
      ),
      { body: output({ data: [rows(3n)], token: ['state-2', null] }) },
      { body: output({ token: null }) },
    ];
    const { a, b, logs, sent } = await fleet(() => answers.shift()!);
    const stream = await conn!.openInit({ ...init, phase: 'TABLE_BUFFERING_FINALIZE' });
    expect(stream.header.executionId).toEqual(Uint8Array.of(7));
    expect(conn!.usable).toBe(false);
    expect(xs(await stream.next())).toEqual([1n, 2n]);
    expect(xs(await stream.next())).toEqual([3n]);
    expect(await stream.next()).toBeNull();
    expect([stream.finished, stream.ticks, conn!.usable]).toEqual([true, 3, true]);

    expect(sent).toEqual([
      { url: a.url, call: 'init' },
      { url: b.url, call: 'exchange' },
      { url: a.url, call: 'exchange' },
    ]);
    expect([a.requests[0].path, b.requests[0].path, a.requests[1].path]).toEqual([
      '/vgi/vgi.v2/init/init',
      '/vgi/vgi.v2/init/exchange',
      '/vgi/vgi.v2/init/exchange',
    ]);
    expect(requestOf(a.requests[0]).method).toBe('init');
    // The call token from /init rides along on every exchange; the state token is always the latest.
    const continuations = [continuationOf(b.requests[0]), continuationOf(a.requests[1])].map((m) => [
      m.get(MetadataKey.streamState),
      m.get(MetadataKey.callState),
      m.has(MetadataKey.cancel),
    ]);
    expect(continuations).toEqual([
      ['state-1', 'call-1', false],
      ['state-2', 'call-1', false],
    ]);
    expect(logs).toEqual([
      { level: 'INFO', message: 'first tick', extra: null, method: 'init', pid: null, url: a.url },
    ]);
  });

  it('should cancel with an /exchange carrying vgi_rpc.cancel, discarding data not yet handed out', async () => {
    const answers = [
      initAnswer(Uint8Array.of(7), output({ data: [rows(1n)], token: ['state-1', 'call-1'] })),
      { body: output({ logs: ['cancelled at 1'], token: null }) },
    ];
    const { b, logs } = await fleet(() => answers.shift()!);
    const stream = await conn!.openInit({ ...init, phase: 'TABLE_BUFFERING_FINALIZE' });
    await stream.cancel();
    const cancel = continuationOf(b.requests[0]);
    expect([
      cancel.get(MetadataKey.streamState),
      cancel.get(MetadataKey.callState),
      cancel.get(MetadataKey.cancel),
    ]).toEqual(['state-1', 'call-1', '1']);
    expect([stream.finished, stream.ticks, conn!.usable, await stream.next()]).toEqual([true, 2, true, null]);
    expect(logs.map((l) => l.message)).toEqual(['cancelled at 1']);
  });

  it('should send nothing to cancel a stream whose last answer already ended it', async () => {
    const { a, b } = await fleet(() => initAnswer(Uint8Array.of(7), output({ data: [rows(1n)], token: null })));
    const stream = await conn!.openInit({ ...init, phase: 'TABLE_BUFFERING_FINALIZE' });
    await stream.cancel();
    expect([a.requests.length + b.requests.length, stream.finished, conn!.usable]).toEqual([1, true, true]);
  });

  it('should complete a sink init with its /init answer alone, as DuckDB does over HTTP', async () => {
    const { a, b } = await fleet(() => initAnswer(Uint8Array.of(1, 2), output({ token: ['sink-state', 'sink-call'] })));
    const stream = await conn!.openInit({ ...init, phase: 'TABLE_BUFFERING', executionId: null });
    expect(stream.header.executionId).toEqual(Uint8Array.of(1, 2));
    await stream.completeSinkInit(schemaOf([field('a', wire.utf8(), true)]));
    expect([a.requests.length + b.requests.length, stream.finished, stream.ticks, conn!.usable]).toEqual([
      1,
      true,
      1,
      true,
    ]);
  });

  it('should raise an error batch of the first turn from next(), and leave the connection usable', async () => {
    const { a } = await fleet(() =>
      initAnswer(
        Uint8Array.of(7),
        output({ logs: ['before'], error: new Error('Intentional exception during finalize()'), token: null }),
      ),
    );
    const stream = await conn!.openInit({ ...init, phase: 'TABLE_BUFFERING_FINALIZE' });
    const error = await stream.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toBe(
      '[SILO407] The worker answered with Error: Intentional exception during finalize()',
    );
    expect([stream.finished, conn!.usable, a.requests.length]).toEqual([true, true, 1]);
  });

  it('should raise an init error (X-VGI-RPC-Error) from openInit, leaving the connection usable', async () => {
    await fleet(() => ({
      headers: { 'X-VGI-RPC-Error': 'true' },
      body: encodeInitError(new Error('no such execution'), ctx),
    }));
    const error = await conn!.openInit({ ...init, phase: 'TABLE_BUFFERING_FINALIZE' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toBe('[SILO407] The worker answered with Error: no such execution');
    expect(conn!.usable).toBe(true);
  });
});
