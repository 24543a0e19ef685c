/**
 * HTTP responses of a worker: Arrow bodies (IPC streams back to back), plain-text
 * refusals and the JSON of `/health` and 401s. Small bodies go out in one write with a
 * `Content-Length`; large ones (a wide finalize batch) are streamed in slices that respect
 * the socket's backpressure, so a slow client never makes the worker buffer a second copy.
 */
import type { ServerResponse } from 'node:http';
import { ARROW_STREAM_MEDIA_TYPE } from './http-body.reader';

/** Bodies up to this size are sent in one piece with a Content-Length. */
const BUFFERED_REPLY_BYTES = 256 * 1024;

/** Slice size when streaming a larger body. */
const STREAM_SLICE_BYTES = 64 * 1024;

/** One response, before the common headers are stamped on it. */
export interface HttpReply {
  readonly status: number;
  readonly contentType: string;
  /** Arrow streams, in order; or a text body. */
  readonly body: readonly Uint8Array[] | string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * An Arrow reply. `rpcError` marks a body that holds an error stream where the caller
 * expected a result (`X-VGI-RPC-Error: true`, vgi-wire §2.3).
 */
export function arrowReply(
  parts: readonly Uint8Array[],
  options: { readonly status?: number; readonly rpcError?: boolean } = {},
): HttpReply {
  return {
    status: options.status ?? 200,
    contentType: ARROW_STREAM_MEDIA_TYPE,
    body: parts,
    headers: options.rpcError ? { 'X-VGI-RPC-Error': 'true' } : undefined,
  };
}

/**
 * A plain-text reply (404 for paths that are not ours, 413, 415, …).
 */
export function textReply(status: number, text: string, headers?: Readonly<Record<string, string>>): HttpReply {
  return { status, contentType: 'text/plain; charset=utf-8', body: `${text}\n`, headers };
}

/**
 * A JSON reply (`/health`, 401).
 */
export function jsonReply(status: number, value: unknown, headers?: Readonly<Record<string, string>>): HttpReply {
  return { status, contentType: 'application/json', body: JSON.stringify(value), headers };
}

/** Resolves once the socket drained, or once the client is gone (then nothing more is written). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((done) => {
    const finish = (): void => {
      res.off('drain', finish);
      res.off('close', finish);
      done();
    };
    res.once('drain', finish);
    res.once('close', finish);
  });
}

/**
 * Writes `reply` with `common` headers (stamped on every response) underneath its own.
 * With `headOnly` the headers (Content-Length included) go out without the body.
 */
export async function writeReply(
  res: ServerResponse,
  reply: HttpReply,
  common: Readonly<Record<string, string>>,
  headOnly = false,
): Promise<void> {
  for (const [name, value] of Object.entries({ ...common, ...reply.headers })) res.setHeader(name, value);
  res.setHeader('Content-Type', reply.contentType);
  res.statusCode = reply.status;
  const parts = typeof reply.body === 'string' ? [Buffer.from(reply.body, 'utf8')] : reply.body;
  const size = parts.reduce((n, p) => n + p.length, 0);
  if (headOnly || size <= BUFFERED_REPLY_BYTES) {
    res.setHeader('Content-Length', String(size));
    if (headOnly) return void res.end();
    res.end(parts.length === 1 ? parts[0] : Buffer.concat(parts, size));
    return;
  }
  // Chunked transfer: the body leaves slice by slice, at the pace the client reads it.
  for (const part of parts) {
    for (let offset = 0; offset < part.length; offset += STREAM_SLICE_BYTES) {
      if (res.destroyed) return;
      if (!res.write(part.subarray(offset, offset + STREAM_SLICE_BYTES))) await drained(res);
    }
  }
  res.end();
}
