import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  checkContentType,
  decodeRequestBody,
  HttpRefusal,
  readRequestBody,
} from '../../../../src/transport/http/http-body.reader';

/** A request body arriving in `chunks`, with the headers a client sent. */
function incoming(chunks: Buffer[], headers: Record<string, string> = {}): IncomingMessage {
  return Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;
}

async function refusal(promise: Promise<unknown>): Promise<HttpRefusal> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpRefusal);
  return error as HttpRefusal;
}

describe('the HTTP request body reader', () => {
  it('should accept the Arrow stream media type with or without parameters, and refuse others with 415', () => {
    expect(() => checkContentType('application/vnd.apache.arrow.stream')).not.toThrow();
    expect(() => checkContentType('Application/VND.apache.arrow.stream; charset=binary')).not.toThrow();
    for (const other of [undefined, 'application/octet-stream', 'application/vnd.apache.arrow.file']) {
      let error: unknown;
      try {
        checkContentType(other);
      } catch (e) {
        error = e;
      }
      expect((error as HttpRefusal).status).toBe(415);
    }
  });

  it('should read a chunked body up to the limit and refuse one byte more with 413, declared or not', async () => {
    expect(await readRequestBody(incoming([Buffer.alloc(6), Buffer.alloc(4)]), 10)).toHaveLength(10);
    expect((await refusal(readRequestBody(incoming([Buffer.alloc(6), Buffer.alloc(5)]), 10))).reason).toBe(
      'Request body too large: more than 10 bytes sent, the limit is 10 bytes (SILO_MAX_REQUEST_BYTES).',
    );
    expect((await refusal(readRequestBody(incoming([], { 'content-length': '11' }), 10))).status).toBe(413);
  });

  it('should decode gzip, pass identity through, and refuse other encodings with 415', async () => {
    const body = Buffer.from('arrow bytes');
    expect(await decodeRequestBody(gzipSync(body), 'gzip', 100)).toEqual(body);
    expect(await decodeRequestBody(body, undefined, 100)).toBe(body);
    expect(await decodeRequestBody(body, 'identity', 100)).toBe(body);
    const zstd = await refusal(decodeRequestBody(body, 'zstd', 100));
    expect([zstd.status, zstd.reason]).toEqual([
      415,
      'Unsupported Content-Encoding "zstd": this worker decodes gzip (see VGI-Supported-Encodings). Send the body uncompressed or gzip-encoded.',
    ]);
  });

  it('should refuse a gzip body that decodes past the limit with 413, and broken gzip with 400', async () => {
    expect((await refusal(decodeRequestBody(gzipSync(Buffer.alloc(1000)), 'gzip', 999))).status).toBe(413);
    const broken = await refusal(decodeRequestBody(Buffer.from('not gzip'), 'gzip', 100));
    expect([broken.status, broken.reason]).toEqual([
      400,
      expect.stringMatching(/^The gzip-encoded request body could not be decoded: /),
    ]);
  });
});
