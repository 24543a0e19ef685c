import { Readable } from 'node:stream';
import {
  decodeFrames,
  field,
  type IpcFrame,
  makeRowsBatch,
  MessageFramer,
  readSingleRowFrames,
  schemaOf,
  serializeBatch,
  wire,
} from '../../../src/arrow';
import {
  decodeRequest,
  encodeRequest,
  type RequestDecodeResult,
  singleRowRequest,
  VGI_A13_PROTOCOL,
} from '../../../src/protocol';
import { readStream } from '../../../src/server/stream-intake';

/** The frames of the first stream in `bytes`, as a worker's request loop reads them off its channel. */
async function framesOf(bytes: Uint8Array, chunk = 1000): Promise<IpcFrame[]> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunk) chunks.push(Buffer.from(bytes.subarray(at, at + chunk)));
  const next = await readStream(new MessageFramer(Readable.from(chunks)));
  if (next.kind !== 'stream') throw new Error(`expected a stream, got ${next.kind}`);
  return [...next.frames];
}

/** Decodes the frames the general way and the direct way. */
function bothWays(frames: IpcFrame[]): { general: RequestDecodeResult; direct: RequestDecodeResult } {
  const row = readSingleRowFrames(frames);
  expect(row).not.toBeNull();
  return {
    general: decodeRequest(decodeFrames(frames)),
    direct: decodeRequest({ schema: row!.schema, batches: [singleRowRequest(row!)] }),
  };
}

const inputBatch = serializeBatch(
  makeRowsBatch(schemaOf([field('k', wire.int64(), false), field('s', wire.utf8(), true)]), [
    { k: 1n, s: 'a' },
    { k: 2n, s: null },
  ]),
);

describe('requests read straight from their frames', () => {
  it('should decode a process request as the general path does, across chunk boundaries', async () => {
    const bytes = encodeRequest(
      'table_buffering_process',
      {
        functionName: 'buffer_input',
        executionId: Uint8Array.of(1, 2, 3),
        inputBatch,
        schemaPath: ['main'],
        batchIndex: 7n,
      },
      { requestId: '0123456789abcdef' },
    );
    const { general, direct } = bothWays(await framesOf(bytes, 333));
    expect(direct).toEqual(general);
    expect(direct.ok && direct.request.method).toBe('table_buffering_process');
    expect(direct.ok && direct.request.requestId).toBe('0123456789abcdef');
  });

  it('should decode a flat generation-A request (several parameter columns) as the general path does', async () => {
    const bytes = encodeRequest(
      'catalog_schema_get',
      { attachOpaqueData: Uint8Array.of(9), path: ['main'], transactionOpaqueData: null },
      { wire: VGI_A13_PROTOCOL },
    );
    const { general, direct } = bothWays(await framesOf(bytes));
    expect(direct).toEqual(general);
    expect(direct.ok && direct.request.protocol).toBe(VGI_A13_PROTOCOL.name);
    expect(direct.ok && direct.request.params).toMatchObject({ path: ['main'] });
  });

  it('should refuse a request of the wrong parameter types exactly as the general path does', async () => {
    const odd = makeRowsBatch(
      schemaOf([field('request', wire.utf8(), false)]),
      [{ request: 'not a record' }],
      new Map([
        ['vgi_rpc.method', 'table_buffering_destructor'],
        ['vgi_rpc.request_version', '1'],
        ['vgi_rpc.protocol', 'vgi.v2'],
        ['vgi_rpc.protocol_version', '2.0.0'],
      ]),
    );
    const { general, direct } = bothWays(await framesOf(serializeBatch(odd)));
    expect(direct.ok).toBe(false);
    expect(direct).toEqual(general);
  });

  it('should leave other shapes to the general decoder', async () => {
    // A parameterless request: one row of no columns.
    expect(readSingleRowFrames(await framesOf(encodeRequest('catalog_catalogs', {})))).toBeNull();
    const twoRows = makeRowsBatch(schemaOf([field('request', wire.binary(), false)]), [
      { request: Uint8Array.of(1) },
      { request: Uint8Array.of(2) },
    ]);
    expect(readSingleRowFrames(await framesOf(serializeBatch(twoRows)))).toBeNull();
  });
});
