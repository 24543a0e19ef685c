/**
 * The stdio transport (vgi-wire §2.1): one connection, the process's stdin and stdout.
 * DuckDB spawns the worker per pooled connection and ends it by closing stdin.
 */
import type { Writable } from 'node:stream';
import type { ByteSource } from '../arrow';
import { streamConnection } from '../server/connection';
import type { ConnectionEnd, RequestHandler } from '../server/request.handler';

/** Where a stdio worker reads and writes. */
export interface StdioStreams {
  readonly input: ByteSource;
  readonly output: Writable;
  /**
   * Writes protocol bytes. Defaults to `output.write`; the process entry passes the
   * original `process.stdout.write`, because it reroutes the public one to stderr.
   */
  readonly write?: (bytes: Uint8Array, done: (error?: Error | null) => void) => void;
}

/**
 * Serves requests on stdin/stdout until stdin ends (at any point: between requests,
 * inside a stream, before the first request) or the client stops reading.
 *
 * @example
 * ```ts
 * const end = await serveStdio(new RequestHandler(worker), { input: process.stdin, output: process.stdout });
 * process.exit(end === 'broken' ? 1 : 0);
 * ```
 */
export function serveStdio(handler: RequestHandler, streams: StdioStreams): Promise<ConnectionEnd> {
  return handler.serve(streamConnection('stdio', streams.input, streams.output, streams.write));
}

/**
 * Keeps stdout for protocol bytes only. Anything else that writes to `process.stdout`
 * (a stray `console.log` in a function, a library banner) would corrupt the stream DuckDB
 * reads, so it is rerouted to stderr, which DuckDB shows as the worker's diagnostics.
 * Returns the original writer, for the protocol.
 *
 * @example
 * ```ts
 * const protocolWrite = reserveStdoutForProtocol();
 * protocolWrite(bytes, () => undefined);
 * ```
 */
export function reserveStdoutForProtocol(): (bytes: Uint8Array | string, done: (error?: Error | null) => void) => void {
  const stdout = process.stdout;
  const original = stdout.write.bind(stdout) as (
    chunk: Uint8Array | string,
    done: (error?: Error | null) => void,
  ) => boolean;
  const toStderr = (chunk: unknown, encodingOrDone?: unknown, done?: unknown): boolean =>
    (process.stderr.write as (...a: unknown[]) => boolean)(chunk, encodingOrDone, done);
  stdout.write = toStderr as typeof stdout.write;
  return (bytes, done) => {
    original(bytes, done);
  };
}
