/**
 * One client connection as the request handler sees it: the bytes coming in and a way to
 * put bytes out. Transports (stdio, a unix socket, in tests a pair of in-memory streams)
 * build one per client; the handler never touches a socket or a file descriptor.
 */
import type { Writable } from 'node:stream';
import type { ByteSource } from '../arrow';
import { SiloError } from '../errors';

/** A duplex byte channel carrying vgi_rpc streams back to back (vgi-wire §3.1). */
export interface Connection {
  /** Names the connection in logs, e.g. `stdio` or `unix:/tmp/w.sock#3`. */
  readonly label: string;
  /** The client's bytes, in order; ends when the client closes its side. */
  readonly input: ByteSource;
  /**
   * Writes response bytes; resolves once the transport accepted them. Rejects with
   * {@link PeerGoneError} when the client is no longer there to read them.
   */
  write(bytes: Uint8Array): Promise<void>;
}

/**
 * The client went away while a response was being written (EPIPE, a reset socket). On
 * byte channels that is how DuckDB ends a cancelled stream, so it is a normal end of the
 * connection, not a failure.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof PeerGoneError) return 'peer-gone'; }
 * ```
 */
export class PeerGoneError extends SiloError {
  constructor(label: string, cause?: unknown) {
    super(
      'SILO421',
      `The client of ${label} closed the connection before reading the response${cause instanceof Error ? ` (${cause.message})` : ''}.`,
      { cause },
    );
  }
}

/**
 * A {@link Connection} over a readable source and a Node writable (a socket, stdout).
 * Write errors are caught here — an unhandled `error` event would kill the worker — and
 * turn every later write into a {@link PeerGoneError}.
 *
 * @example
 * ```ts
 * const connection = streamConnection('unix#1', socket, socket);
 * await handler.serve(connection);
 * ```
 */
export function streamConnection(
  label: string,
  input: ByteSource,
  output: Writable,
  write?: (bytes: Uint8Array, done: (error?: Error | null) => void) => void,
): Connection {
  let failure: unknown = null;
  output.on('error', (error) => {
    failure ??= error;
  });
  const put = write ?? ((bytes, done) => output.write(bytes, done));
  return {
    label,
    input,
    write(bytes: Uint8Array): Promise<void> {
      if (bytes.length === 0) return Promise.resolve();
      if (failure !== null || output.destroyed || output.writableEnded)
        return Promise.reject(new PeerGoneError(label, failure));
      return new Promise((resolve, reject) => {
        try {
          put(bytes, (error) => {
            if (error) {
              failure ??= error;
              reject(new PeerGoneError(label, error));
            } else resolve();
          });
        } catch (error) {
          failure ??= error;
          reject(new PeerGoneError(label, error));
        }
      });
    },
  };
}
