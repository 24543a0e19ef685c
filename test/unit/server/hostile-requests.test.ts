/**
 * The request loop under hostile bytes, in-process over in-memory connections: mutated
 * requests of every method are answered or closed within a deadline (and the worker
 * serves the next connection), a corrupt vector length is refused in bounded time, and
 * a request is never buffered past its limits in size or time.
 */
import 'reflect-metadata';
import { encodeRequest, classifyBatch } from '../../../src/protocol';
import { RequestHandler } from '../../../src/server';
import {
  connect,
  fuzz,
  type FuzzTarget,
  fuzzTarget,
  serveOne,
  servesFreshConnection,
} from '../../fixtures/wire/request-fuzzer';
import { SLOT, StreamPositions, withInt64, withUint32 } from '../../fixtures/wire/flatbuffer-positions';

/** The error message of a response stream that must be one error batch. */
async function errorOf(c: ReturnType<typeof connect>): Promise<string> {
  const response = await c.read();
  const kind = classifyBatch(response.batches[0]);
  if (kind.kind !== 'error') throw new Error(`expected an error batch, got ${kind.kind}`);
  return kind.error.exceptionMessage;
}

/** The catalog_catalogs request DuckDB sends (8-character request id): 464 bytes. */
const CATALOGS = encodeRequest('catalog_catalogs', {}, { requestId: 'fuzz0001' });
const positions = new StreamPositions(CATALOGS);
const [, REQUEST_BATCH] = positions.messages();
/** The length word of the request batch's custom_metadata vector (method, protocol, versions, id). */
const METADATA_COUNT_AT = positions.vectorLength(REQUEST_BATCH.table, SLOT.message.customMetadata);

describe('RequestHandler under hostile bytes', () => {
  let target: FuzzTarget;

  beforeAll(async () => {
    target = await fuzzTarget();
  });

  afterAll(() => target.close());

  it('should refuse the 464-byte catalog_catalogs request whose metadata vector claims 2^31 - 1 entries within 50 ms of CPU, and close only that connection', async () => {
    expect(CATALOGS.length).toBe(464);
    expect(positions.uint32(METADATA_COUNT_AT)).toBe(5);
    const hostile = withUint32(CATALOGS, METADATA_COUNT_AT, 0x7fffffff);
    const c = connect(target.handler);
    const cpu = process.cpuUsage();
    c.write(hostile);
    const message = await errorOf(c);
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000).toBeLessThan(50);
    expect(message).toContain(
      `[SILO413] Malformed Arrow IPC message at byte ${REQUEST_BATCH.start}: Message.custom_metadata declares 2147483647 elements of 4 bytes at offset ${METADATA_COUNT_AT - REQUEST_BATCH.metadataStart}`,
    );
    expect(message).toMatch(
      /The sender wrote a corrupt Arrow IPC message \(or one altered in transit\); send messages produced by an Arrow IPC writer\. The worker closes this connection/,
    );
    expect(await c.served).toBe('broken');
    expect(await servesFreshConnection(target.handler)).toBe(true);
  });

  it('should answer or close each of 150 mutated requests of every method within 250 ms, and serve a fresh connection after each', async () => {
    // An input missing the deadline is served again (up to 3 times): only one that misses it every time fails the test.
    const report = await fuzz(target, { inputs: 150, seed: 20261201, deadlineMs: 250, endInput: true });
    expect(report.timeouts).toEqual([]);
    expect(report.unserved).toEqual([]);
    // Both ends are reached: refusals answered, and inputs cut short closed.
    expect(report.outcomes.answered).toBeGreaterThan(0);
    expect(report.outcomes.closed).toBeGreaterThan(0);
  });

  it('should do the same with connections left open, ending inputs cut short by the read timeout', async () => {
    const report = await fuzz(target, { inputs: 40, seed: 7, deadlineMs: 250 });
    expect([report.timeouts, report.unserved]).toEqual([[], []]);
    expect(report.outcomes.answered).toBe(40);
  });

  it('should refuse a corrupt nested record with an error stream and keep the connection', async () => {
    const bind = encodeRequest('bind', { functionName: 'buffer_input', schemaPath: ['main'] });
    // The nested BindRequest is a stream of its own: corrupt its schema's field count.
    const nestedStart = firstNestedStream(bind);
    const nested = new StreamPositions(bind.subarray(nestedStart));
    const [schema] = nested.messages();
    const at = nestedStart + nested.vectorLength(schema.header, SLOT.schema.fields);
    expect(nested.uint32(at - nestedStart)).toBeGreaterThan(3);
    const c = connect(target.handler);
    c.write(withUint32(bind, at, 0x7fffffff));
    const message = await errorOf(c);
    expect(message).toMatch(
      /\[SILO401\] .*BindRequest: the nested IPC bytes are not a readable Arrow stream \(\[SILO413\] Malformed Arrow IPC message at byte 0: BindRequest: Schema\.fields declares 2147483647 elements/,
    );
    c.write(encodeRequest('catalog_catalogs', {}));
    expect((await c.read()).batches).toHaveLength(1);
    c.end();
    expect(await c.served).toBe('eof');
  });
});

/** Where the nested stream of a request's `request: binary` cell starts (its continuation marker, 8-byte aligned in the body). */
function firstNestedStream(request: Uint8Array): number {
  const [, batch] = new StreamPositions(request).messages();
  const bodyStart = batch.metadataStart + batch.metadataLength;
  return Buffer.from(request).indexOf(Buffer.from([0xff, 0xff, 0xff, 0xff]), bodyStart);
}

describe('RequestHandler request limits', () => {
  let target: FuzzTarget;
  let handler: RequestHandler;

  beforeAll(async () => {
    target = await fuzzTarget();
    handler = new RequestHandler(target.worker, { limits: { maxRequestBytes: 4096, readTimeoutMs: 150 } });
  });

  afterAll(() => target.close());

  it('should refuse a message whose length prefix announces more than the limit before reading its bytes', async () => {
    const c = connect(handler);
    // A continuation marker and a 16 MiB metadata length, and nothing else: no byte of it is awaited.
    c.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01));
    expect(await errorOf(c)).toContain(
      '[SILO414] Request too large at byte 0: a message declaring 16777216 bytes of metadata is 16777224 bytes long, over the limit of 4096 bytes per request (SILO_MAX_REQUEST_BYTES). Send smaller requests (split the input into more batches), or raise SILO_MAX_REQUEST_BYTES on the worker.',
    );
    expect(await c.served).toBe('broken');
  });

  it('should refuse a declared body above the limit once the message header is read, before the body', async () => {
    const schemas = encodeRequest('catalog_schemas', { attachOpaqueData: Uint8Array.of(1, 2, 3) });
    const located = new StreamPositions(schemas);
    const [, batch] = located.messages();
    const huge = withInt64(
      schemas.subarray(0, batch.metadataStart + batch.metadataLength),
      located.field(batch.table, SLOT.message.bodyLength),
      1n << 30n,
    );
    const c = connect(handler);
    c.write(huge);
    expect(await errorOf(c)).toContain(
      `[SILO414] Request too large at byte ${batch.start}: the request stream holds ${batch.start} bytes so far, and a message declaring a 1073741824-byte body would bring it to`,
    );
    expect(await c.served).toBe('broken');
  });

  it('should refuse a request stream without its end-of-stream marker once it passes the limit, while the client still sends', async () => {
    const c = connect(handler);
    const [, batch] = positions.messages();
    const batchMessage = CATALOGS.subarray(batch.start, CATALOGS.length - 8);
    c.write(CATALOGS.subarray(0, batch.start));
    // Batch after batch, never the EOS: the worker stops reading at 4 KiB.
    for (let i = 0; i < 40; i++) c.write(batchMessage);
    expect(await errorOf(c)).toMatch(
      /\[SILO414\] Request too large at byte \d+: the request stream holds \d+ bytes so far, and a message declaring \d+ bytes of metadata would bring it to \d+, over the limit of 4096 bytes per request/,
    );
    expect(await c.served).toBe('broken');
    expect(await servesFreshConnection(handler)).toBe(true);
  });

  it('should close a connection whose request stalls mid-message for the read timeout, with an error saying so', async () => {
    const c = connect(handler);
    c.write(CATALOGS.subarray(0, 40));
    expect(await errorOf(c)).toContain(
      '[SILO415] Read timeout at byte 0: the message that starts here did not arrive completely (32 byte(s) received) within 150 ms (SILO_READ_TIMEOUT_MS). Write each request in one go; a client that pauses inside a message is cut off. Raise SILO_READ_TIMEOUT_MS if the link is that slow.',
    );
    expect(await c.served).toBe('broken');
  });

  it('should time a request stream as a whole: a schema alone, then silence, is cut off', async () => {
    const c = connect(handler);
    const [, batch] = positions.messages();
    c.write(CATALOGS.subarray(0, batch.start));
    expect(await errorOf(c)).toContain(
      '[SILO415] Read timeout at byte 0: the request stream that starts here did not arrive up to its end-of-stream marker within 150 ms (SILO_READ_TIMEOUT_MS).',
    );
    expect(await c.served).toBe('broken');
  });

  it('should never time out an idle connection between requests', async () => {
    const c = connect(handler);
    c.write(CATALOGS);
    expect((await c.read()).batches).toHaveLength(1);
    await new Promise((done) => setTimeout(done, 450));
    c.write(CATALOGS);
    expect((await c.read()).batches).toHaveLength(1);
    c.end();
    expect(await c.served).toBe('eof');
  });

  it('should serve a request that arrives in slow pieces within the read timeout', async () => {
    // A generous timeout: the pieces' pauses must not add up past it even on a busy machine.
    const c = connect(new RequestHandler(target.worker, { limits: { maxRequestBytes: 4096, readTimeoutMs: 5000 } }));
    for (let at = 0; at < CATALOGS.length; at += 116) {
      c.write(CATALOGS.subarray(at, at + 116));
      await new Promise((done) => setTimeout(done, 20));
    }
    expect((await c.read()).batches).toHaveLength(1);
    c.end();
    expect(await c.served).toBe('eof');
  });

  it('should let serveOne report answered for a valid request (the fuzz harness itself)', async () => {
    expect((await serveOne(handler, CATALOGS, 5000)).outcome).toBe('answered');
    expect((await serveOne(handler, CATALOGS.subarray(0, 50), 5000, { endInput: true })).outcome).toBe('closed');
  });
});
