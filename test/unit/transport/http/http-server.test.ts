/**
 * The HTTP transport in-process (`listenHttp`, `serveWorker --http` without owning the
 * process), on memory storage: the status code and body of every kind of refusal
 * (vgi-wire §2.3), streamed large replies, request ids, and a graceful close.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { field, schemaOf, wire } from '../../../../src/arrow';
import {
  LOGGER,
  MemoryLogger,
  MemoryStorage,
  SEALER,
  STORAGE,
  SecretSealer,
  bootstrapWorker,
  type SiloWorker,
} from '../../../../src';
import {
  bindArguments,
  encodeBindRequest,
  encodeRequest,
  MetadataKey,
  type MethodName,
  type RequestEnvelope,
  type RequestInputs,
} from '../../../../src/protocol';
import { listenHttp, serveWorker, type HttpWorkerServer } from '../../../../src/transport';
import { httpSettingsFromEnv } from '../../../../src/transport/http/http-settings';
import { batchFromColumns, serializeBatch } from '../../../../src/arrow/batch-utils';
import { ConformanceModule } from '../../../../samples/conformance/conformance.module';
import { type HttpResponse, HttpVgiClient, readStreams, send } from '../../../fixtures/http/http-driver';

async function errorOf(response: HttpResponse): Promise<{ message: string; kind: string | undefined }> {
  const [stream] = await readStreams(response.body);
  const meta = stream.batches[0].metadata;
  return { message: meta.get(MetadataKey.logMessage) ?? '', kind: meta.get(MetadataKey.errorKind) };
}

describe('the HTTP transport in-process', () => {
  let worker: SiloWorker;
  let server: HttpWorkerServer;
  const logger = new MemoryLogger('warn');
  const post = <M extends MethodName>(path: string, method: M, params: RequestInputs[M], envelope?: RequestEnvelope) =>
    send(`${server.url}${path}`, encodeRequest(method, params, envelope));

  beforeAll(async () => {
    worker = await bootstrapWorker({
      catalog: 'example',
      modules: [ConformanceModule],
      providers: [
        { provide: STORAGE, useValue: new MemoryStorage() },
        { provide: SEALER, useValue: new SecretSealer(new Uint8Array(randomBytes(32)), 'test key') },
        { provide: LOGGER, useValue: logger },
      ],
    });
    server = await listenHttp(worker, {
      port: 0,
      host: '127.0.0.1',
      prefix: '/vgi',
      settings: httpSettingsFromEnv({}),
    });
  });

  afterAll(async () => {
    await server.close();
    await worker.close();
  });

  it('should answer paths that are not its own with 404 plain text, a wrong verb with 405, and OPTIONS with 204', async () => {
    for (const path of ['/', '/vgi', '/elsewhere/vgi.v2/bind', '/vgi/vgi.v2/init/init/more']) {
      const response = await send(`http://127.0.0.1:${server.port}${path}`, null, {}, 'GET');
      expect([response.status, response.headers['content-type'], response.headers['vgi-supported-encodings']]).toEqual([
        404,
        'text/plain; charset=utf-8',
        'gzip',
      ]);
    }
    const get = await send(`${server.url}/vgi.v2/catalog_catalogs`, null, {}, 'GET');
    expect([get.status, get.headers.allow]).toEqual([405, 'POST, OPTIONS']);
    const options = await send(`${server.url}/health`, null, {}, 'OPTIONS');
    expect([options.status, options.headers.allow, options.headers['vgi-accept-max-response-bytes-support']]).toEqual([
      204,
      'GET, HEAD, OPTIONS',
      'true',
    ]);
  });

  it('should answer an unknown protocol or method with 404 and an Arrow error carrying its error kind', async () => {
    const protocol = await post('/vgi.v3/catalog_catalogs', 'catalog_catalogs', {});
    expect([protocol.status, protocol.headers['content-type']]).toEqual([404, 'application/vnd.apache.arrow.stream']);
    expect(await errorOf(protocol)).toEqual({
      message: expect.stringMatching(
        /Protocol 'vgi.v3' is not hosted by this worker; it hosts \[vgi.v2, vgi_rpc.Reflection.v1\]/,
      ),
      kind: 'protocol_not_supported',
    });
    const method = await post('/vgi.v2/frobnicate', 'catalog_catalogs', {});
    expect([method.status, (await errorOf(method)).kind]).toEqual([404, 'method_not_implemented']);
    const retired = await post('/vgi.v2/__describe__', 'catalog_catalogs', {});
    expect([retired.status, (await errorOf(retired)).message]).toEqual([
      404,
      expect.stringContaining("'__describe__' was retired"),
    ]);
  });

  it('should answer 400 for a unary method on a stream path, a stream on a unary path, and bodies that disagree with the path', async () => {
    const streamPath = await post('/vgi.v2/catalog_catalogs/init', 'catalog_catalogs', {});
    expect([streamPath.status, (await errorOf(streamPath)).message]).toEqual([
      400,
      expect.stringContaining("'catalog_catalogs' is a unary method, not a stream: POST /vgi/vgi.v2/catalog_catalogs"),
    ]);
    const unaryPath = await send(`${server.url}/vgi.v2/init`, new Uint8Array(8));
    expect([unaryPath.status, (await errorOf(unaryPath)).message]).toEqual([
      400,
      expect.stringContaining("'init' is a stream method: open it with POST /vgi/vgi.v2/init/init"),
    ]);
    const mismatch = await post('/vgi.v2/catalog_schemas', 'catalog_catalogs', {});
    expect([mismatch.status, (await errorOf(mismatch)).message]).toEqual([
      400,
      expect.stringContaining("names method 'catalog_catalogs' but was sent to 'catalog_schemas'"),
    ]);
    const routing = await post(
      '/vgi.v2/catalog_catalogs',
      'catalog_catalogs',
      {},
      { protocol: 'vgi_rpc.Reflection.v1' },
    );
    expect([routing.status, (await errorOf(routing)).kind]).toEqual([400, 'protocol_not_supported']);
    const version = await post('/vgi.v2/catalog_catalogs', 'catalog_catalogs', {}, { protocolVersion: '2.1.0' });
    expect([version.status, (await errorOf(version)).kind]).toEqual([400, 'protocol_version_mismatch']);
    const garbage = await send(`${server.url}/vgi.v2/catalog_catalogs`, Buffer.from('definitely not arrow'));
    expect([garbage.status, (await errorOf(garbage)).message]).toEqual([
      400,
      expect.stringContaining('The request body is not an Arrow IPC stream'),
    ]);
    const exchange = await send(`${server.url}/vgi.v2/init/exchange`, Buffer.from('nope'));
    expect([exchange.status, (await errorOf(exchange)).message]).toEqual([
      400,
      expect.stringContaining('The /exchange body is not an Arrow IPC stream'),
    ]);
  });

  it('should answer a failed unary call and a failed init with 200 and X-VGI-RPC-Error', async () => {
    const attach = await post('/vgi.v2/catalog_attach', 'catalog_attach', { name: 'nope' });
    expect([attach.status, attach.headers['x-vgi-rpc-error']]).toEqual([200, 'true']);
    expect((await errorOf(attach)).message).toContain('Catalog "nope" is not served by this worker');
    const bindCall = encodeBindRequest({
      functionName: 'no_such_function',
      inputSchema: schemaOf([]),
      schemaPath: ['main'],
    });
    const init = await post('/vgi.v2/init/init', 'init', {
      bindCall,
      outputSchema: schemaOf([]),
      phase: 'TABLE_BUFFERING',
    });
    expect([init.status, init.headers['x-vgi-rpc-error']]).toEqual([200, 'true']);
    const ok = await post('/vgi.v2/catalog_catalogs', 'catalog_catalogs', {});
    expect([ok.status, ok.headers['x-vgi-rpc-error'], ok.headers['vgi-accept-max-response-bytes-support']]).toEqual([
      200,
      undefined,
      'true',
    ]);
  });

  it('should answer bytes that are not HTTP with 400 and the capability headers, and close the connection', async () => {
    const raw = await new Promise<string>((done, fail) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write('this is not HTTP\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8').on('data', (c: string) => (text += c));
      socket.on('end', () => done(text));
      socket.on('error', fail);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(raw).toContain('\r\nVGI-Supported-Encodings: gzip\r\n');
  });

  it('should echo a well-formed X-Request-ID and mint one otherwise', async () => {
    const echoed = await send(`${server.url}/health`, null, { 'X-Request-ID': 'req-42' }, 'GET');
    const minted = await send(`${server.url}/health`, null, { 'X-Request-ID': 'bad id\twith tab' }, 'GET');
    expect(echoed.headers['x-request-id']).toBe('req-42');
    expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-[0-9a-f]+$/);
  });

  it('should stream a reply larger than one buffered body (chunked), and send small ones with a Content-Length', async () => {
    const client = new HttpVgiClient(server.url);
    const input = schemaOf([field('one', wire.int32(), true)]);
    const bindCall = {
      functionName: 'buffer_emit_wide',
      arguments: bindArguments([{ type: wire.int64(), value: 100_000n }]),
      inputSchema: input,
      schemaPath: ['main'],
    };
    const bound = await client.call('bind', bindCall);
    const init = { bindCall: encodeBindRequest(bindCall), outputSchema: bound.outputSchema };
    const { header } = await client.init({ ...init, phase: 'TABLE_BUFFERING' });
    const sid = await client.call('table_buffering_process', {
      functionName: 'buffer_emit_wide',
      executionId: header.executionId,
      inputBatch: serializeBatch(batchFromColumns(input, { one: [1] })),
    });
    const [fid] = await client.call('table_buffering_combine', {
      functionName: 'buffer_emit_wide',
      executionId: header.executionId,
      stateIds: [sid],
    });
    const wide = await post('/vgi.v2/init/init', 'init', {
      ...init,
      phase: 'TABLE_BUFFERING_FINALIZE',
      executionId: header.executionId,
      finalizeStateId: fid,
    });
    expect([wide.status, wide.headers['transfer-encoding'], wide.headers['content-length']]).toEqual([
      200,
      'chunked',
      undefined,
    ]);
    const [, output] = await readStreams(wide.body);
    expect(output.batches[0].numRows).toBe(100_000);
    const small = await post('/vgi.v2/catalog_catalogs', 'catalog_catalogs', {});
    expect(small.headers['content-length']).toBe(String(small.body.length));
  });

  it('should let the request in flight finish when closed, then refuse connections', async () => {
    const own = await listenHttp(worker, { port: 0, host: '127.0.0.1', prefix: '', settings: httpSettingsFromEnv({}) });
    const client = new HttpVgiClient(own.url);
    const input = schemaOf([field('x', wire.int64(), true)]);
    const bindCall = { functionName: 'hang_on_process', inputSchema: input, schemaPath: ['main'] };
    const bound = await client.call('bind', bindCall);
    const { header } = await client.init({
      bindCall: encodeBindRequest(bindCall),
      outputSchema: bound.outputSchema,
      phase: 'TABLE_BUFFERING',
    });
    const catalogs = client.call('catalog_catalogs', {});
    const hanging = client
      .call('table_buffering_process', {
        functionName: 'hang_on_process',
        executionId: header.executionId,
        inputBatch: serializeBatch(batchFromColumns(input, { x: [1n] })),
      })
      .catch((e: Error) => e);
    await catalogs;
    await new Promise((done) => setTimeout(done, 50));
    expect(own.inFlight).toBe(1);
    const closing = own.close();
    await expect(send(`${own.url}/health`, null, {}, 'GET', false)).rejects.toThrow(/ECONNREFUSED/);
    // Destroying the execution aborts the hang: the in-flight call answers, then the server is closed.
    await worker.dispatcher.destroy({ executionId: header.executionId });
    const answered = await hanging;
    expect(answered).toBeInstanceOf(Error);
    expect((answered as Error).message).toMatch(/aborted|abort/i);
    await closing;
    expect(own.inFlight).toBe(0);
  });

  it('should serve --http through serveWorker without owning the process, announcing its URL and warning about a per-process key, until aborted', async () => {
    const lines: string[] = [];
    const abort = new AbortController();
    const served = serveWorker(worker, ['--http', '0', '--prefix', '/w'], {
      exitProcess: false,
      announce: (line) => lines.push(line),
      env: {},
      signal: abort.signal,
    });
    await new Promise((done) => setTimeout(done, 200));
    expect(lines).toEqual([expect.stringMatching(/^HTTP:http:\/\/127\.0\.0\.1:\d+\/w\n$/)]);
    const url = lines[0].slice('HTTP:'.length).trim();
    expect((await new HttpVgiClient(url).call('catalog_catalogs', {})).map((c) => c.name)).toEqual(['example']);
    abort.abort();
    await expect(served).resolves.toBeUndefined();
    // Without SILO_SIGNING_KEY the continuations only work on this process: the operator is told so.
    expect(logger.records.map((r) => r.message)).toContainEqual(
      expect.stringMatching(
        /^SILO_SIGNING_KEY is not set: HTTP stream continuations are sealed with a random key of this process/,
      ),
    );
  });
});
