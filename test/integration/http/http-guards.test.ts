/**
 * What an HTTP worker refuses, and how (vgi-wire §2.3, §6): tampered, foreign-key, expired
 * and misbound continuation tokens (400, Arrow error), missing and wrong bearer tokens
 * (401 JSON, `/health` stays open), oversize bodies (413), wrong media types and
 * undecodable encodings (415, with `VGI-Supported-Encodings`), gzip bodies (decoded) —
 * and a SIGTERM that lets the request in flight finish before the process exits 0.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { field, makeZeroColumnBatch, schemaOf, serializeBatch, wire } from '../../../src/arrow';
import {
  bindArguments,
  encodeBindRequest,
  encodeContinuation,
  encodeRequest,
  MetadataKey,
} from '../../../src/protocol';
import { batchFromColumns } from '../../../src/arrow/batch-utils';
import { type FleetEnvironment, fleetEnvironment } from '../../fixtures/http/fleet-environment';
import {
  type HttpResponse,
  type HttpVgiClient,
  HttpWorkerProcess,
  readStreams,
  send,
} from '../../fixtures/http/http-driver';
import { rowsOf } from '../../fixtures/http/lifecycle-runs';

const TOKEN_A = 'tok-a-8c1e';
const TOKEN_B = 'tok-b-77f0';
const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/** The error message (`vgi_rpc.log_message`) of an Arrow error body. */
async function errorOf(response: HttpResponse): Promise<{ message: string; kind: string | undefined }> {
  const [stream] = await readStreams(response.body);
  const meta = stream.batches[0].metadata;
  expect(meta.get(MetadataKey.logLevel)).toBe('EXCEPTION');
  return { message: meta.get(MetadataKey.logMessage) ?? '', kind: meta.get(MetadataKey.errorKind) };
}

/** Opens a slow_cancellable_buffering finalize stream on `client`; returns its first turn. */
async function openStream(client: HttpVgiClient, sleepMs = 0n) {
  const input = schemaOf([field('x', wire.int64(), true)]);
  const bindCall = {
    functionName: 'slow_cancellable_buffering',
    arguments: bindArguments([{ type: wire.utf8(), value: '/dev/null' }], {
      sleep_ms: { type: wire.int64(), value: sleepMs },
      count: { type: wire.int64(), value: 5n },
    }),
    inputSchema: input,
    schemaPath: ['main'],
  };
  const bound = await client.call('bind', bindCall);
  const init = { bindCall: encodeBindRequest(bindCall), outputSchema: bound.outputSchema };
  const { header } = await client.init({ ...init, phase: 'TABLE_BUFFERING' });
  const sid = await client.call('table_buffering_process', {
    functionName: bindCall.functionName,
    executionId: header.executionId,
    inputBatch: serializeBatch(batchFromColumns(input, { x: [1n] })),
  });
  const [fid] = await client.call('table_buffering_combine', {
    functionName: bindCall.functionName,
    executionId: header.executionId,
    stateIds: [sid],
  });
  return {
    init,
    header,
    fid,
    open: () =>
      client.init({
        ...init,
        phase: 'TABLE_BUFFERING_FINALIZE',
        executionId: header.executionId,
        finalizeStateId: fid,
      }),
  };
}

describe('an HTTP worker guarding its streams, credentials and limits', () => {
  let fleet: FleetEnvironment;
  let plain: HttpWorkerProcess;
  let guarded: HttpWorkerProcess;

  beforeAll(async () => {
    fleet = fleetEnvironment('sqlite');
    const guardedEnv = {
      ...fleet.env,
      SILO_SIGNING_KEY: randomBytes(32).toString('hex'),
      SILO_STREAM_TTL_SECONDS: '1',
      SILO_AUTH_TOKENS: `${TOKEN_A},${TOKEN_B}`,
      SILO_MAX_REQUEST_BYTES: '65536',
    };
    [plain, guarded] = await Promise.all([HttpWorkerProcess.start(fleet.env), HttpWorkerProcess.start(guardedEnv)]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([plain?.stop('SIGKILL'), guarded?.stop()]);
    await fleet?.dispose();
  });

  it('should refuse a tampered, garbage, missing or misused state token with 400 and keep the genuine one working', async () => {
    const client = plain.client();
    const { turn } = await (await openStream(client)).open();
    const token = turn.stateToken!;
    const middle = Math.floor(token.length / 2);
    const tampered = `${token.slice(0, middle)}${token[middle] === 'A' ? 'B' : 'A'}${token.slice(middle + 1)}`;

    const cases: [Uint8Array, RegExp][] = [
      [encodeContinuation(tampered, turn.callToken), /Invalid state token: it failed authentication: it was modified/],
      [encodeContinuation('bm90IGEgdG9rZW4=', null), /Invalid state token: it is not a token this worker minted/],
      [serializeBatch(makeZeroColumnBatch(0, {})), /Invalid state token: the \/exchange body carries none/],
      [encodeContinuation(turn.callToken!, null), /Invalid state token: it failed authentication/],
    ];
    for (const [body, message] of cases) {
      const response = await client.exchangeRaw(body);
      expect([response.status, response.headers['content-type'], response.headers['vgi-supported-encodings']]).toEqual([
        400,
        'application/vnd.apache.arrow.stream',
        'gzip',
      ]);
      expect((await errorOf(response)).message).toMatch(message);
    }
    const other = await (await openStream(client)).open();
    const mixed = await client.exchangeRaw(encodeContinuation(token, other.turn.callToken));
    expect((await errorOf(mixed)).message).toMatch(/Invalid call token: it belongs to another stream/);

    expect(rowsOf((await client.exchange(token, turn.callToken)).batches)).toEqual([{ n: 1n }]);
  });

  it('should refuse a state token without its call token, and a second use of one (a retry or replay), so no row is sent twice', async () => {
    const client = plain.client();
    const { turn } = await (await openStream(client)).open();
    const alone = await client.exchangeRaw(encodeContinuation(turn.stateToken!, null));
    expect(alone.status).toBe(400);
    expect((await errorOf(alone)).message).toContain(
      "Invalid call token: the /exchange carries a state token but not its stream's call token; a state token is only accepted with it.",
    );

    const next = await client.exchange(turn.stateToken!, turn.callToken);
    expect(rowsOf(next.batches)).toEqual([{ n: 1n }]);
    const replay = await client.exchangeRaw(encodeContinuation(turn.stateToken!, turn.callToken));
    expect(replay.status).toBe(400);
    expect((await errorOf(replay)).message).toContain(
      'Invalid state token: it was already used: each state token of the slow_cancellable_buffering finalize stream serves one /exchange, and a second request with it (a retry or a replay) is refused so that no rows are sent twice. Continue with the state token of the latest response; if that response was lost, run the query again.',
    );
    // The stream itself goes on from its latest token.
    expect(rowsOf((await client.exchange(next.stateToken!, turn.callToken)).batches)).toEqual([{ n: 2n }]);
  });

  it("should refuse a continuation sealed with another fleet's key, naming both key ids", async () => {
    const { turn } = await (await openStream(plain.client())).open();
    const response = await guarded
      .client(bearer(TOKEN_A))
      .exchangeRaw(encodeContinuation(turn.stateToken!, turn.callToken));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toMatch(
      /Invalid state token: it was sealed with key [0-9a-f]{8}, but this worker's key \(from SILO_SIGNING_KEY\) is [0-9a-f]{8}\. Every worker behind one URL must share one key/,
    );
  });

  it('should refuse an expired continuation (SILO_STREAM_TTL_SECONDS) and one replayed under another bearer token', async () => {
    const asA = guarded.client(bearer(TOKEN_A));
    const stream = await openStream(asA);
    const first = await stream.open();
    const replayed = await guarded
      .client(bearer(TOKEN_B))
      .exchangeRaw(encodeContinuation(first.turn.stateToken!, first.turn.callToken));
    expect(replayed.status).toBe(400);
    expect((await errorOf(replayed)).message).toMatch(/failed authentication: .*minted for another caller/);
    const fresh = await asA.exchange(first.turn.stateToken!, first.turn.callToken);
    expect(rowsOf(fresh.batches)).toEqual([{ n: 1n }]);

    await new Promise((done) => setTimeout(done, 1300));
    const expired = await asA.exchangeRaw(encodeContinuation(fresh.stateToken!, first.turn.callToken));
    expect(expired.status).toBe(400);
    expect((await errorOf(expired)).message).toMatch(
      /Invalid state token: it expired \d+\.\d s ago: continuations are valid for 1 s after the previous response \(SILO_STREAM_TTL_SECONDS\)/,
    );
  });

  it('should answer 401 JSON without or with a wrong bearer token, and keep /health open', async () => {
    const catalogs = encodeRequest('catalog_catalogs', {});
    const missing = await send(`${guarded.url}/vgi.v2/catalog_catalogs`, catalogs);
    const wrong = await send(`${guarded.url}/vgi.v2/catalog_catalogs`, catalogs, bearer('tok-a-8c1f'));
    for (const [response, reason] of [
      [missing, 'missing'],
      [wrong, 'invalid'],
    ] as const) {
      expect([
        response.status,
        response.headers['content-type'],
        response.headers['www-authenticate'],
        response.headers['vgi-supported-encodings'],
      ]).toEqual([401, 'application/json', 'Bearer realm="vgi-silo"', 'gzip']);
      expect(JSON.parse(response.body.toString('utf8'))).toMatchObject({ error: 'unauthorized', reason });
    }
    expect((await guarded.client(bearer(TOKEN_B)).call('catalog_catalogs', {})).map((c) => c.name)).toEqual([
      'example',
    ]);
    const head = await send(`${guarded.url}/health`, null, {}, 'HEAD');
    const get = await send(`${guarded.url}/health`, null, {}, 'GET');
    expect([head.status, head.headers['vgi-accept-max-response-bytes-support'], head.body.length]).toEqual([
      200,
      'true',
      0,
    ]);
    expect(JSON.parse(get.body.toString('utf8'))).toMatchObject({ status: 'ok', protocol: 'vgi.v2' });
  });

  it('should refuse a body over SILO_MAX_REQUEST_BYTES with 413, before and after gzip decoding', async () => {
    const big = await send(`${guarded.url}/vgi.v2/catalog_catalogs`, new Uint8Array(65537), bearer(TOKEN_A));
    expect([big.status, big.headers['content-type'], big.body.toString('utf8')]).toEqual([
      413,
      'text/plain; charset=utf-8',
      'Request body too large: 65537 bytes declared, the limit is 65536 bytes (SILO_MAX_REQUEST_BYTES).\n',
    ]);
    const bomb = await send(`${guarded.url}/vgi.v2/catalog_catalogs`, gzipSync(new Uint8Array(1 << 20)), {
      ...bearer(TOKEN_A),
      'Content-Encoding': 'gzip',
    });
    expect([bomb.status, bomb.body.toString('utf8')]).toEqual([
      413,
      'Request body too large: more than 65536 bytes once gzip-decoded, the limit is 65536 bytes (SILO_MAX_REQUEST_BYTES).\n',
    ]);
  });

  it('should answer 415 for a wrong media type and for zstd (advertising gzip), and decode a gzip body', async () => {
    const url = `${plain.url}/vgi.v2/catalog_catalogs`;
    const request = encodeRequest('catalog_catalogs', {});
    const json = await send(url, request, { 'Content-Type': 'application/json' });
    expect([json.status, json.body.toString('utf8')]).toEqual([
      415,
      'Unsupported Media Type: expected Content-Type application/vnd.apache.arrow.stream, got "application/json".\n',
    ]);
    const zstd = await send(url, request, { 'Content-Encoding': 'zstd' });
    expect([zstd.status, zstd.headers['vgi-supported-encodings']]).toEqual([415, 'gzip']);
    expect(zstd.body.toString('utf8')).toMatch(/Unsupported Content-Encoding "zstd": this worker decodes gzip/);

    const gzipped = await send(url, gzipSync(request), { 'Content-Encoding': 'gzip' });
    expect([gzipped.status, gzipped.headers['x-vgi-rpc-error']]).toEqual([200, undefined]);
    const [result] = await readStreams(gzipped.body);
    expect(result.batches).toHaveLength(1);
  });

  it('should answer a sink init with the header and an output stream holding a state and a call token, and end it when continued', async () => {
    const input = schemaOf([field('x', wire.int64(), true)]);
    const bindCall = { functionName: 'buffer_input', inputSchema: input, schemaPath: ['main'] };
    const client = plain.client();
    const bound = await client.call('bind', bindCall);
    const { header, turn } = await client.init({
      bindCall: encodeBindRequest(bindCall),
      outputSchema: bound.outputSchema,
      phase: 'TABLE_BUFFERING',
    });
    expect(header.executionId).toHaveLength(16);
    expect([
      turn.output.schema.fields.map((f) => f.name),
      turn.batches,
      typeof turn.stateToken,
      typeof turn.callToken,
    ]).toEqual([['x'], [], 'string', 'string']);
    const ended = await client.exchange(turn.stateToken!, turn.callToken);
    expect([ended.batches, ended.stateToken, ended.output.schema.fields.map((f) => f.name)]).toEqual([[], null, ['x']]);
  });

  it('should finish the request in flight on SIGTERM, refuse new connections, and exit 0', async () => {
    const stream = await openStream(plain.client(), 600n);
    const inFlight = stream.open();
    await new Promise((done) => setTimeout(done, 250));
    plain.child.kill('SIGTERM');
    const answered = await inFlight;
    expect(rowsOf(answered.turn.batches)).toEqual([{ n: 0n }]);
    expect(await plain.exited).toEqual({ code: 0, signal: null });
    await expect(send(`${plain.url}/health`, null, {}, 'GET', false)).rejects.toThrow(/ECONNREFUSED/);
  });
});
