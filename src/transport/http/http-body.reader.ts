/**
 * Request bodies of an HTTP worker (vgi-wire §2.3): the Arrow media type, a size limit
 * checked while the bytes arrive (a chunked upload cannot slip past it) and again after
 * decoding, and `Content-Encoding: gzip`. Other encodings (notably zstd, which the
 * extension tries before it has seen `VGI-Supported-Encodings`) are refused with 415 so
 * the client re-sends the body in one this worker advertises.
 */
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { SiloError } from '../../errors';

/** The media type of every RPC request and response. */
export const ARROW_STREAM_MEDIA_TYPE = 'application/vnd.apache.arrow.stream';

/** The request encodings this worker decodes, as advertised in `VGI-Supported-Encodings`. */
export const SUPPORTED_REQUEST_ENCODINGS = ['gzip'] as const;

const gunzipAsync = promisify(gunzip);

/**
 * Compressed bodies up to this size are decoded on the spot: zlib's asynchronous API
 * hands every 16 KiB of output to the thread pool and back, which costs more than
 * decoding a DuckDB vector (~10 KiB compressed, well under a millisecond). Larger bodies
 * go to the thread pool so they do not hold up other requests.
 */
const DECODE_INLINE_BYTES = 256 * 1024;

/**
 * A request refused at the HTTP layer, before any Arrow is read: the status and the
 * plain-text reason the response carries.
 */
export class HttpRefusal extends SiloError {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly reason: string,
  ) {
    super('SILO431', reason);
  }
}

/**
 * Refuses a body whose `Content-Type` is not the Arrow stream media type (parameters
 * such as `; charset=…` are ignored).
 */
export function checkContentType(contentType: string | undefined): void {
  const mediaType = (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
  if (mediaType !== ARROW_STREAM_MEDIA_TYPE) {
    throw new HttpRefusal(
      415,
      `Unsupported Media Type: expected Content-Type ${ARROW_STREAM_MEDIA_TYPE}, got ${contentType === undefined ? 'none' : `"${contentType}"`}.`,
    );
  }
}

const tooLarge = (size: string, max: number): HttpRefusal =>
  new HttpRefusal(413, `Request body too large: ${size}, the limit is ${max} bytes (SILO_MAX_REQUEST_BYTES).`);

/**
 * Reads the whole body, refusing it with 413 as soon as it passes `maxBytes` (at once
 * when `Content-Length` already says so).
 */
export async function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(`${declared} bytes declared`, maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(`more than ${maxBytes} bytes sent`, maxBytes);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}

/**
 * Undoes `Content-Encoding`: none or `identity` as is, `gzip` decoded (its output limited
 * to `maxBytes`, so a small compressed bomb is still a 413), anything else a 415.
 */
export async function decodeRequestBody(
  body: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new HttpRefusal(
      415,
      `Unsupported Content-Encoding "${contentEncoding}": this worker decodes ${SUPPORTED_REQUEST_ENCODINGS.join(', ')} (see VGI-Supported-Encodings). Send the body uncompressed or gzip-encoded.`,
    );
  }
  try {
    return body.length <= DECODE_INLINE_BYTES
      ? gunzipSync(body, { maxOutputLength: maxBytes })
      : await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw tooLarge(`more than ${maxBytes} bytes once gzip-decoded`, maxBytes);
    throw new HttpRefusal(400, `The gzip-encoded request body could not be decoded: ${(error as Error).message}.`);
  }
}
