/**
 * What a stdio worker does with requests it must refuse (vgi-wire §2.5, §3.2, §9.4) and
 * with the ways its channel can end (§2.1): every refusal is an error stream and the
 * next request is served; bytes that are not Arrow IPC get an error and a clean exit;
 * EOF or SIGTERM at any point ends the process promptly with status 0.
 */
import {
  EMPTY_SCHEMA,
  field,
  IpcStreamWriter,
  makeZeroColumnBatch,
  schemaOf,
  serializeBatch,
  wire,
} from '../../../src/arrow';
import { encodeRequest, type RemoteError, remoteErrorFrom } from '../../../src/protocol';
import {
  exitWithin,
  type ResponseStream,
  sharedEnvironment,
  type SharedEnvironment,
  WorkerProcess,
} from '../../fixtures/wire/wire-driver';

/** The error a refusal carries (it must be the only batch of its stream). */
function refusalOf(response: ResponseStream): RemoteError {
  expect(response.batches).toHaveLength(1);
  const [batch] = response.batches;
  expect([batch.numRows, batch.metadata.get('vgi_rpc.log_level')]).toEqual([0, 'EXCEPTION']);
  return remoteErrorFrom(batch.metadata);
}

describe('refusals and channel ends over stdio', () => {
  let shared: SharedEnvironment;
  let worker: WorkerProcess;

  beforeAll(() => {
    shared = sharedEnvironment();
    worker = WorkerProcess.spawn(shared);
  });

  afterAll(async () => {
    worker.closeStdin();
    await worker.exited;
    shared.dispose();
  });

  const servesNext = async (): Promise<void> => {
    expect((await worker.call('catalog_catalogs', {})).result.map((c) => c.name)).toEqual(['example']);
  };

  it('should refuse an unknown method with method_not_implemented on the empty schema', async () => {
    const metadata = {
      'vgi_rpc.method': 'frobnicate',
      'vgi_rpc.request_version': '1',
      'vgi_rpc.protocol': 'vgi.v2',
      'vgi_rpc.protocol_version': '2.0.0',
    };
    worker.write(serializeBatch(makeZeroColumnBatch(1, metadata)));
    const response = await worker.readStream();
    expect(response.schema.fields).toEqual([]);
    expect(refusalOf(response)).toMatchObject({ errorKind: 'method_not_implemented' });
    await servesNext();
  });

  it.each(['2.1.0', '1.3.0'])('should refuse protocol_version %s with protocol_version_mismatch', async (version) => {
    const error = refusalOf(await worker.request('catalog_catalogs', {}, { protocolVersion: version }));
    expect(error.errorKind).toBe('protocol_version_mismatch');
    expect(error.exceptionMessage).toContain(`Client: ${version}`);
    await servesNext();
  });

  it('should accept any 2.0.x patch version', async () => {
    expect((await worker.call('catalog_catalogs', {}, { protocolVersion: '2.0.7' })).result).toHaveLength(1);
  });

  it('should refuse a request without vgi_rpc.protocol and without a generation-A version with protocol_not_specified', async () => {
    const error = refusalOf(await worker.request('catalog_catalogs', {}, { protocol: null, protocolVersion: '2.0.0' }));
    expect(error.errorKind).toBe('protocol_not_specified');
    await servesNext();
  });

  it('should serve a request without vgi_rpc.protocol at protocol_version 1.3.0 as generation A', async () => {
    const response = await worker.request('catalog_catalogs', {}, { protocol: null, protocolVersion: '1.3.0' });
    expect(response.batches.map((b) => [b.numRows, b.metadata.get('vgi_rpc.log_level')])).toEqual([[1, undefined]]);
    await servesNext();
  });

  it('should refuse a well-framed stream that holds no request batch, and keep the connection', async () => {
    worker.write(new IpcStreamWriter(EMPTY_SCHEMA, 'empty').end());
    expect(refusalOf(await worker.readStream()).exceptionType).toBe('ProtocolError');
    await servesNext();
  });

  it('should discard the input stream that follows a refused init before serving the next request', async () => {
    worker.write(
      encodeRequest(
        'init',
        { bindCall: { functionName: 'buffer_input' }, outputSchema: EMPTY_SCHEMA, phase: 'TABLE_BUFFERING' },
        { protocolVersion: '2.1.0' },
      ),
    );
    expect(refusalOf(await worker.readStream()).errorKind).toBe('protocol_version_mismatch');
    worker.write(new IpcStreamWriter(EMPTY_SCHEMA, 'sink input').end());
    await servesNext();
  });

  it('should answer an init for an unknown function with an init error, then serve on', async () => {
    worker.write(
      encodeRequest('init', {
        bindCall: { functionName: 'no_such_function' },
        outputSchema: EMPTY_SCHEMA,
        phase: 'TABLE_BUFFERING',
      }),
    );
    const error = refusalOf(await worker.readStream());
    expect(error.exceptionMessage).toMatch(/no_such_function/);
    await servesNext();
  });

  it('should answer bytes that are not Arrow IPC with an error and exit without hanging; other connections serve on', async () => {
    const garbled = WorkerProcess.spawn(shared);
    garbled.write(Buffer.from('SELECT 1; -- definitely not an Arrow IPC stream\n'));
    const error = refusalOf(await garbled.readStream());
    expect(error.exceptionType).toBe('ProtocolError');
    expect(error.exceptionMessage).toMatch(/not an Arrow IPC stream/);
    expect(error.exceptionMessage).toMatch(/cannot be resynchronised/);
    // Framing cannot be recovered on a pipe: the process ends (status 1 marks the protocol violation).
    expect(await exitWithin(garbled, 5000)).toEqual({ code: 1, signal: null });
    await servesNext();
  });

  it('should exit 0 when stdin closes before any request, and when it closes inside a request', async () => {
    const idle = WorkerProcess.spawn(shared);
    idle.closeStdin();
    const cut = WorkerProcess.spawn(shared);
    const request = encodeRequest('catalog_catalogs', {});
    cut.write(request.subarray(0, request.length - 20));
    cut.closeStdin();
    // Generous: the bound includes start-up on a loaded machine; a hang would never end.
    expect(await Promise.all([exitWithin(idle, 15_000), exitWithin(cut, 15_000)])).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    expect(idle.stderr).not.toMatch(/error/i);
  });

  it('should exit promptly with status 0 on SIGTERM, even in the middle of a stream', async () => {
    const busy = WorkerProcess.spawn(shared);
    const input = schemaOf([field('x', wire.int64(), true)]);
    // The sink init's header is out; the worker now waits for the input stream.
    await busy.init({
      bindCall: { functionName: 'buffer_input', inputSchema: input, schemaPath: ['main'] },
      outputSchema: input,
      phase: 'TABLE_BUFFERING',
    });
    busy.child.kill('SIGTERM');
    expect(await exitWithin(busy, 2000)).toEqual({ code: 0, signal: null });
  });
});
