/**
 * A worker process's entry point: choose the transport from the command line, serve,
 * and end the process the way DuckDB expects (vgi-wire §2.1, §2.2).
 */
import type { Writable } from 'node:stream';
import type { ByteSource } from '../arrow';
import { LOGGER } from '../container/tokens';
import type { Logger } from '../providers/logging';
import { type ConnectionEnd, RequestHandler } from '../server';
import type { SiloWorker } from '../worker/bootstrap';
import { reserveStdoutForProtocol, serveStdio } from './stdio.transport';
import { parseTransportArgs, type TransportOptions } from './transport-args';
import { listenUnixSocket } from './unix-socket.transport';

/** Options of {@link serveWorker}. */
export interface ServeWorkerOptions {
  /**
   * Own the process (default true): exit when serving ends (0 after stdin EOF or the idle
   * timeout, 1 after a channel lost its framing, 2 on bad arguments), exit 0 on SIGTERM or
   * SIGINT, and keep stdout for protocol bytes only. With `false` the promise settles
   * instead (rejecting on bad arguments) and nothing process-wide is touched — for tests
   * and for hosts embedding a worker.
   */
  readonly exitProcess?: boolean;
  /** The stdio streams; default `process.stdin` / `process.stdout`. */
  readonly stdio?: { readonly input: ByteSource; readonly output: Writable };
  /** Where the unix transport announces its socket; default stdout. */
  readonly announce?: (line: string) => void;
}

/** Waits for shutdown work, but never longer than DuckDB's SIGKILL grace would allow. */
const SHUTDOWN_GRACE_MS = 1000;

function exitAfter(work: Promise<unknown>, code: number): Promise<never> {
  const timer = setTimeout(() => process.exit(code), SHUTDOWN_GRACE_MS);
  timer.unref();
  return work.then(
    () => process.exit(code),
    () => process.exit(code),
  );
}

/**
 * Serves `worker` on the transport `argv` names: no arguments or `--stdio` for stdin/stdout,
 * `--unix PATH [--idle-timeout SECONDS]` for a unix socket.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { bootstrapWorker, serveWorker } from 'vgi-silo';
 * import { AppModule } from './app.module';
 *
 * const worker = await bootstrapWorker({ catalog: 'example', modules: [AppModule] });
 * await serveWorker(worker, process.argv.slice(2));
 * ```
 */
export async function serveWorker(worker: SiloWorker, argv: readonly string[], options: ServeWorkerOptions = {}): Promise<void> {
  const ownProcess = options.exitProcess ?? true;
  let transport: TransportOptions;
  try {
    transport = parseTransportArgs(argv);
  } catch (error) {
    if (!ownProcess) throw error;
    process.stderr.write(`${(error as Error).message}\n`);
    return exitAfter(Promise.resolve(), 2);
  }
  const log = worker.container.resolve<Logger>(LOGGER);
  const handler = new RequestHandler(worker, { logger: log });
  const protocolWrite = ownProcess ? reserveStdoutForProtocol() : undefined;

  if (transport.kind === 'stdio') {
    const streams = options.stdio ?? { input: process.stdin, output: process.stdout };
    if (ownProcess) onTermination(log, 'stdio', () => worker.close());
    const end: ConnectionEnd = await serveStdio(handler, { ...streams, write: options.stdio ? undefined : protocolWrite });
    log.debug(`stdio: the connection ended (${end}); the worker stops`);
    if (ownProcess) return exitAfter(worker.close(), end === 'broken' ? 1 : 0);
    await worker.close();
    return;
  }

  const announce = options.announce ?? ((line: string) => (protocolWrite ? protocolWrite(line, () => undefined) : process.stdout.write(line)));
  const server = await listenUnixSocket(handler, {
    path: transport.path,
    idleTimeoutSeconds: transport.idleTimeoutSeconds,
    announce,
    onBrokenConnection: (label) => log.warn(`${label}: connection closed after bytes that are not Arrow IPC`),
  });
  log.info(`Serving catalog "${worker.catalog}" on unix socket ${server.path}${transport.idleTimeoutSeconds ? ` (idle timeout ${transport.idleTimeoutSeconds}s)` : ''}`);
  if (ownProcess) onTermination(log, `unix:${server.path}`, async () => Promise.all([server.close(), worker.close()]));
  await server.closed;
  log.info(`unix:${server.path}: no client for ${transport.idleTimeoutSeconds}s; the worker stops`);
  if (ownProcess) return exitAfter(worker.close(), 0);
  await worker.close();
}

/** DuckDB ends pooled workers with SIGTERM (then SIGKILL after ~2 s): stop at once. */
function onTermination(log: Logger, label: string, stop: () => Promise<unknown>): void {
  const handle = (signal: NodeJS.Signals): void => {
    log.debug(`${label}: ${signal} received; the worker stops`);
    void exitAfter(stop(), 0);
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
}
