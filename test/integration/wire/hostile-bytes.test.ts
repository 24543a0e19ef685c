/**
 * A real worker process on stdio under hostile bytes (vgi-wire §2.1): a corrupt vector
 * length in a request's flatbuffer is refused at once with an error and the process exits
 * (its pipe's framing is lost), a corrupt nested record is refused and the process serves
 * on, and a request that is too large or stalls is cut off instead of buffered.
 */
import { encodeRequest, type RemoteError, remoteErrorFrom } from '../../../src/protocol';
import { SLOT, StreamPositions, withUint32 } from '../../fixtures/wire/flatbuffer-positions';
import {
  exitWithin,
  type ResponseStream,
  sharedEnvironment,
  type SharedEnvironment,
  WorkerProcess,
} from '../../fixtures/wire/wire-driver';

function errorOf(response: ResponseStream): RemoteError {
  expect(response.batches).toHaveLength(1);
  return remoteErrorFrom(response.batches[0].metadata);
}

/** catalog_catalogs as DuckDB sends it, with the request batch's metadata count set to 2^31 - 1. */
function hostileCatalogs(): Uint8Array {
  const request = encodeRequest('catalog_catalogs', {}, { requestId: 'a1b2c3d4' });
  const positions = new StreamPositions(request);
  const [, batch] = positions.messages();
  return withUint32(request, positions.vectorLength(batch.table, SLOT.message.customMetadata), 0x7fffffff);
}

describe('a stdio worker under hostile bytes', () => {
  let shared: SharedEnvironment;

  beforeAll(() => {
    shared = sharedEnvironment();
    Object.assign(shared.env, { SILO_MAX_REQUEST_BYTES: '65536', SILO_READ_TIMEOUT_MS: '400' });
  });

  afterAll(() => shared.dispose());

  it('should answer the 464-byte request with a corrupt vector length with a framing error and exit 1 at once', async () => {
    const worker = WorkerProcess.spawn(shared);
    expect((await worker.call('catalog_catalogs', {})).result).toHaveLength(1);
    const hostile = hostileCatalogs();
    expect(hostile.length).toBe(464);
    worker.write(hostile);
    const error = errorOf(await worker.readStream());
    expect(error.exceptionMessage).toMatch(
      /\[SILO413\] Malformed Arrow IPC message at byte \d+: Message\.custom_metadata declares 2147483647 elements/,
    );
    expect(error.exceptionMessage).toMatch(/cannot be resynchronised/);
    expect(await exitWithin(worker, 5000)).toEqual({ code: 1, signal: null });
  });

  it('should refuse a bind whose nested record is corrupt and serve the next request on the same pipe', async () => {
    const worker = WorkerProcess.spawn(shared);
    const bind = encodeRequest('bind', { functionName: 'buffer_input', schemaPath: ['main'] });
    const [, batch] = new StreamPositions(bind).messages();
    const nestedStart = Buffer.from(bind).indexOf(
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      batch.metadataStart + batch.metadataLength,
    );
    const nested = new StreamPositions(bind.subarray(nestedStart));
    const [schema] = nested.messages();
    worker.write(withUint32(bind, nestedStart + nested.vectorLength(schema.header, SLOT.schema.fields), 0x7fffffff));
    const error = errorOf(await worker.readStream());
    expect(error.exceptionType).toBe('ProtocolError');
    expect(error.exceptionMessage).toMatch(
      /BindRequest: the nested IPC bytes are not a readable Arrow stream \(\[SILO413\] .*Schema\.fields declares 2147483647 elements/,
    );
    expect((await worker.call('catalog_catalogs', {})).result).toHaveLength(1);
    worker.closeStdin();
    expect(await exitWithin(worker, 5000)).toEqual({ code: 0, signal: null });
  });

  it('should refuse a message announcing more than SILO_MAX_REQUEST_BYTES from its length prefix alone, and exit 1', async () => {
    const worker = WorkerProcess.spawn(shared);
    worker.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01));
    const error = errorOf(await worker.readStream());
    expect(error.exceptionMessage).toContain(
      '[SILO414] Request too large at byte 0: a message declaring 16777216 bytes of metadata is 16777224 bytes long, over the limit of 65536 bytes per request (SILO_MAX_REQUEST_BYTES).',
    );
    expect(await exitWithin(worker, 5000)).toEqual({ code: 1, signal: null });
  });

  it('should cut off a request that stalls mid-message after SILO_READ_TIMEOUT_MS, and exit 1', async () => {
    const worker = WorkerProcess.spawn(shared);
    expect((await worker.call('catalog_catalogs', {})).result).toHaveLength(1);
    worker.write(encodeRequest('catalog_catalogs', {}).subarray(0, 30));
    const error = errorOf(await worker.readStream());
    expect(error.exceptionMessage).toContain('[SILO415] Read timeout at byte');
    expect(error.exceptionMessage).toContain('within 400 ms (SILO_READ_TIMEOUT_MS)');
    expect(await exitWithin(worker, 5000)).toEqual({ code: 1, signal: null });
  });

  it('should not start with an unusable SILO_READ_TIMEOUT_MS, and say which value to fix', async () => {
    const worker = WorkerProcess.spawn({ ...shared, env: { ...shared.env, SILO_READ_TIMEOUT_MS: 'soon' } });
    expect(await exitWithin(worker, 15_000)).toEqual({ code: 2, signal: null });
    expect(worker.stderr).toContain(
      '[SILO340] SILO_READ_TIMEOUT_MS must be a positive whole number of milliseconds, got "soon". Unset it for the default (60000).',
    );
  });
});
