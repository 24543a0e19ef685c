import { type RecordBatch } from 'apache-arrow';
import { decodeFrames, field, makeRowsBatch, readIpcStream, schemaOf, wire } from '../../../../src/arrow';
import { type ReceivedLog, WorkerConnection, WorkerExitedError, WorkerProtocolViolation } from '../../../../src/client';
import {
  decodeRequestBytes,
  encodeErrorResponse,
  encodeInitHeader,
  encodeUnaryResponse,
  isCancelRequest,
  RemoteError,
  RESULT_BINARY_SCHEMA,
  ResponseStreamEncoder,
} from '../../../../src/protocol';
import { fakeChannel } from '../fake-worker';

const ctx = { serverId: 'fake', requestId: null };
const OUTPUT = schemaOf([field('x', wire.int64(), true)]);
const rows = (...xs: bigint[]): RecordBatch =>
  makeRowsBatch(
    OUTPUT,
    xs.map((x) => ({ x })),
  );

function connect() {
  const { channel, worker } = fakeChannel();
  const logs: ReceivedLog[] = [];
  const conn = new WorkerConnection(channel, { onLog: (log) => logs.push(log) });
  return { conn, worker, logs };
}

async function nextRequest(worker: ReturnType<typeof fakeChannel>['worker']) {
  const bytes = await worker.requests.readStreamBytes();
  const decoded = decodeRequestBytes(bytes!);
  if (!decoded.ok) throw new Error(decoded.refusal.error.message);
  return decoded.request;
}

describe('WorkerConnection', () => {
  it('should send a vgi.v2 request with a request id, and return the result with the logs that preceded it', async () => {
    const { conn, worker, logs } = connect();
    const call = conn.call('catalog_catalogs', {});
    const request = await nextRequest(worker);
    expect(request.method).toBe('catalog_catalogs');
    expect(request.requestId).toMatch(/^[0-9a-f]{16}$/);
    worker.send(
      encodeUnaryResponse('catalog_catalogs', [{ name: 'example' }], ctx, [{ level: 'INFO', message: 'listing' }]),
    );
    const { result, logs: callLogs } = await call;
    expect(result.map((c) => c.name)).toEqual(['example']);
    expect(callLogs).toEqual([{ level: 'INFO', message: 'listing', extra: null }]);
    expect(logs).toEqual([{ level: 'INFO', message: 'listing', extra: null, method: 'catalog_catalogs', pid: 99 }]);
  });

  it("should raise an error batch as RemoteError with the worker's message, and stay usable", async () => {
    const { conn, worker } = connect();
    const failing = conn.call('table_buffering_destructor', { functionName: 'f', executionId: Uint8Array.of(1) });
    await nextRequest(worker);
    worker.send(encodeErrorResponse(RESULT_BINARY_SCHEMA, new RangeError('k must be positive'), ctx));
    const error = await failing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).message).toBe('[SILO407] The worker answered with RangeError: k must be positive');

    const again = conn.call('catalog_catalogs', {});
    await nextRequest(worker);
    worker.send(encodeUnaryResponse('catalog_catalogs', [{ name: 'example' }], ctx));
    expect((await again).result).toHaveLength(1);
  });

  it('should report a worker that dies mid-call with how it ended and its stderr tail', async () => {
    const { conn, worker } = connect();
    const call = conn.call('catalog_catalogs', {});
    await nextRequest(worker);
    // Half a response, then the process is gone.
    worker.send(encodeUnaryResponse('catalog_catalogs', [{ name: 'example' }], ctx).subarray(0, 20));
    worker.die('signal SIGKILL', 'Error: out of memory\n    at process');
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerExitedError);
    expect((error as Error).message).toBe(
      '[SILO601] The worker pid 99 (fake) ended (signal SIGKILL) during catalog_catalogs, before answering. Its stderr ended with:\n  | Error: out of memory\n  |     at process',
    );
    await expect(conn.call('catalog_catalogs', {})).rejects.toThrow(
      '[SILO614] worker pid 99 (fake): the connection is unusable after catalog_catalogs failed mid-response; open a new connection.',
    );
  });

  it('should report a worker that writes something other than Arrow IPC', async () => {
    const { conn, worker } = connect();
    const call = conn.call('catalog_catalogs', {});
    await nextRequest(worker);
    worker.send(new TextEncoder().encode('hello from console.log\n'));
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerProtocolViolation);
    expect((error as Error).message).toMatch(
      /^\[SILO602\] The worker pid 99 \(fake\) answered catalog_catalogs with bytes that are not a vgi.v2 response: .+ A worker must write only protocol bytes to stdout/,
    );
  });

  it('should refuse a second call while one is in flight', async () => {
    const { conn, worker } = connect();
    const first = conn.call('catalog_catalogs', {});
    await expect(conn.call('catalog_catalogs', {})).rejects.toThrow(
      '[SILO613] worker pid 99 (fake): cannot send catalog_catalogs while catalog_catalogs is in flight; calls on one connection are sequential, await the previous one (or finish its stream) first.',
    );
    await nextRequest(worker);
    worker.send(encodeUnaryResponse('catalog_catalogs', [], ctx));
    await first;
  });
});

describe('InitStream', () => {
  const init = { bindCall: { functionName: 'f' }, outputSchema: OUTPUT, executionId: Uint8Array.of(7) } as const;

  it('should complete a sink init: input stream on the input schema with no batch, output read to its end', async () => {
    const { conn, worker } = connect();
    const opening = conn.openInit({ ...init, phase: 'TABLE_BUFFERING', executionId: null });
    expect((await nextRequest(worker)).method).toBe('init');
    worker.send(encodeInitHeader({ executionId: Uint8Array.of(1, 2) }, ctx));
    const stream = await opening;
    expect(stream.header.executionId).toEqual(Uint8Array.of(1, 2));
    const done = stream.completeSinkInit(schemaOf([field('a', wire.utf8(), true)]));
    const input = await worker.requests.readStream();
    const decoded = decodeFrames([input!.schema, ...input!.messages]);
    expect(decoded.schema.fields.map((f) => f.name)).toEqual(['a']);
    expect(decoded.batches).toHaveLength(0);
    worker.send(new ResponseStreamEncoder(OUTPUT, ctx).end());
    await done;
    expect(stream.finished).toBe(true);
  });

  it('should tick until the end, then send the extra tick and close the input', async () => {
    const { conn, worker, logs } = connect();
    const opening = conn.openInit({ ...init, phase: 'TABLE_BUFFERING_FINALIZE' });
    await nextRequest(worker);
    worker.send(encodeInitHeader({ executionId: Uint8Array.of(7) }, ctx));
    const stream = await opening;
    const out = new ResponseStreamEncoder(OUTPUT, ctx);

    const first = stream.next();
    const ticks = await worker.requests.openStream();
    expect((await ticks!.next())!.numRows).toBe(0);
    worker.send(Buffer.concat([out.start(), out.log({ level: 'DEBUG', message: 'tick 1' }), out.data(rows(1n, 2n))]));
    expect([...(await first)!.getChild('x')!]).toEqual([1n, 2n]);

    const last = stream.next();
    await ticks!.next();
    worker.send(out.end());
    expect(await last).toBeNull();
    // DuckDB is one tick ahead: one more tick arrives after the end, then the input EOS.
    expect(await ticks!.next()).not.toBeNull();
    expect(await ticks!.next()).toBeNull();
    expect(stream.ticks).toBe(3);
    expect(stream.finished).toBe(true);
    expect(logs.map((l) => l.message)).toEqual(['tick 1']);
  });

  it('should cancel with a cancel tick and read the output to its end', async () => {
    const { conn, worker } = connect();
    const opening = conn.openInit({ ...init, phase: 'TABLE_BUFFERING_FINALIZE' });
    await nextRequest(worker);
    worker.send(encodeInitHeader({ executionId: Uint8Array.of(7) }, ctx));
    const stream = await opening;
    const cancelling = stream.cancel();
    const ticks = await worker.requests.openStream();
    expect(isCancelRequest((await ticks!.next())!)).toBe(true);
    worker.send(new ResponseStreamEncoder(OUTPUT, ctx).end());
    await cancelling;
    expect(await ticks!.next()).toBeNull();
    expect(stream.finished).toBe(true);
  });

  it('should raise an error batch on the output and leave the connection usable after draining', async () => {
    const { conn, worker } = connect();
    const opening = conn.openInit({ ...init, phase: 'TABLE_BUFFERING_FINALIZE' });
    await nextRequest(worker);
    worker.send(encodeInitHeader({ executionId: Uint8Array.of(7) }, ctx));
    const stream = await opening;
    const out = new ResponseStreamEncoder(OUTPUT, ctx);
    const failing = stream.next().catch((e: unknown) => e);
    const ticks = await worker.requests.openStream();
    await ticks!.next();
    worker.send(Buffer.concat([out.error(new Error('finalize failed')), out.end()]));
    expect(((await failing) as Error).message).toBe('[SILO407] The worker answered with Error: finalize failed');
    expect(await ticks!.next()).toBeNull();

    const again = conn.call('catalog_catalogs', {});
    await nextRequest(worker);
    worker.send(encodeUnaryResponse('catalog_catalogs', [], ctx));
    expect((await again).result).toEqual([]);
  });

  it('should raise an init error as RemoteError and discard the connection, as DuckDB does', async () => {
    const { conn, worker } = connect();
    const opening = conn.openInit({ ...init, phase: 'TABLE_BUFFERING_FINALIZE' });
    await nextRequest(worker);
    const { schema } = readIpcStream(encodeInitHeader({ executionId: Uint8Array.of(7) }, ctx));
    worker.send(encodeErrorResponse(schema, new Error('no such execution'), ctx));
    await expect(opening).rejects.toThrow('[SILO407] The worker answered with Error: no such execution');
    await expect(conn.call('catalog_catalogs', {})).rejects.toThrow(
      'the connection is unusable after init (TABLE_BUFFERING_FINALIZE) failed mid-response',
    );
  });
});
