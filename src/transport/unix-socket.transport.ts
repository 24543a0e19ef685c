/**
 * The AF_UNIX transport (vgi-wire §2.2): one listening socket, any number of concurrent
 * connections, each its own sequential request loop. Announces `UNIX:<absolute path>` on
 * stdout once listening, and stops after an idle period without clients.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { listenServer } from './listen-server';
import { resolve } from 'node:path';
import { SiloError } from '../errors';
import { streamConnection } from '../server/connection';
import type { RequestHandler } from '../server/request.handler';

/** Options of {@link listenUnixSocket}. */
export interface UnixSocketOptions {
  /** The socket path; made absolute against the working directory. */
  readonly path: string;
  /** Stop after this many seconds without a connected client; `null` = never. */
  readonly idleTimeoutSeconds: number | null;
  /**
   * Before the first client connects, wait at least this long (default 5 s): the launcher
   * connects only after reading the announcement, which a loaded host can delay.
   */
  readonly startupGraceSeconds?: number;
  /** Writes the `UNIX:<path>\n` announcement (the launcher reads it from stdout). */
  readonly announce: (line: string) => void;
  /** Reports a connection that ended on bytes that are not Arrow IPC. */
  readonly onBrokenConnection?: (label: string) => void;
}

/** A listening unix-socket server. */
export interface UnixSocketServer {
  /** The absolute socket path. */
  readonly path: string;
  /** Settles once the server stopped (idle timeout or {@link close}). */
  readonly closed: Promise<void>;
  /** Connected clients right now. */
  readonly connections: number;
  /** Stops listening, drops every connection and removes the socket file. */
  close(): Promise<void>;
}

/** How long a worker nobody connected to yet waits, at least, before its idle exit. */
const DEFAULT_STARTUP_GRACE_SECONDS = 5;

/** Whether a server accepts connections on `path` (a socket file left by a dead process does not). */
function isServed(path: string): Promise<boolean> {
  return new Promise((done) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      done(true);
    });
    probe.once('error', () => done(false));
  });
}

function isSocketFile(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

function removeSocketFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone (Node may unlink it on close): nothing to clean up.
  }
}

/** Binds `path`, replacing a stale socket file, but never a live server's socket or any other file. */
async function bind(server: Server, path: string): Promise<void> {
  try {
    await listenServer(server, { path });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
      throw new SiloError(
        'SILO426',
        `Could not listen on unix socket ${path}: ${(error as Error).message}. Check that the directory exists and is writable.`,
        { cause: error },
      );
    }
    if (!isSocketFile(path)) {
      throw new SiloError(
        'SILO426',
        `Cannot listen on ${path}: a file that is not a socket is in the way. Remove it, or give this worker another --unix path.`,
        { cause: error },
      );
    }
    if (await isServed(path)) {
      throw new SiloError(
        'SILO426',
        `Another process already serves unix socket ${path}. Stop it, or give this worker another --unix path.`,
        { cause: error },
      );
    }
    removeSocketFile(path);
    await listenServer(server, { path });
  }
}

/**
 * Listens on a unix socket and serves every connection with `handler`.
 *
 * @example
 * ```ts
 * const server = await listenUnixSocket(new RequestHandler(worker), {
 *   path: '/tmp/silo.sock', idleTimeoutSeconds: 30, announce: (line) => process.stdout.write(line),
 * });
 * await server.closed;
 * ```
 */
export async function listenUnixSocket(handler: RequestHandler, options: UnixSocketOptions): Promise<UnixSocketServer> {
  const path = resolve(options.path);
  const sockets = new Set<Socket>();
  let sequence = 0;
  let idleTimer: NodeJS.Timeout | null = null;
  let stopping: Promise<void> | null = null;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((done) => (markClosed = done));

  // Half-open: a client may shut down its write side and still read the last response.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    everConnected = true;
    disarmIdle();
    const label = `unix:${path}#${++sequence}`;
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) armIdle();
    });
    void handler.serve(streamConnection(label, socket, socket)).then((end) => {
      if (end === 'peer-gone') return void socket.destroy();
      if (end === 'eof') return void socket.end();
      // Broken framing: flush the error response, then stop reading whatever else comes.
      options.onBrokenConnection?.(label);
      socket.end(() => socket.destroy());
    });
  });

  let everConnected = false;
  function armIdle(): void {
    if (options.idleTimeoutSeconds === null || stopping !== null) return;
    disarmIdle();
    const grace = everConnected ? 0 : (options.startupGraceSeconds ?? DEFAULT_STARTUP_GRACE_SECONDS);
    idleTimer = setTimeout(
      () => {
        if (sockets.size === 0) void close();
      },
      Math.max(options.idleTimeoutSeconds, grace) * 1000,
    );
  }

  function disarmIdle(): void {
    if (idleTimer !== null) clearTimeout(idleTimer);
    idleTimer = null;
  }

  function close(): Promise<void> {
    stopping ??= new Promise<void>((done) => {
      disarmIdle();
      for (const socket of sockets) socket.destroy();
      server.close(() => {
        removeSocketFile(path);
        markClosed();
        done();
      });
    });
    return stopping;
  }

  await bind(server, path);
  options.announce(`UNIX:${path}\n`);
  armIdle();
  return {
    path,
    closed,
    get connections() {
      return sockets.size;
    },
    close,
  };
}
