/**
 * A worker process's entry point: choose the transport from the command line, serve,
 * and end the process the way DuckDB expects (vgi-wire §2.1–§2.3).
 */
import type { Writable } from 'node:stream';
import type { ByteSource } from '../arrow';
import { LOGGER } from '../container/tokens';
import type { Logger } from '../providers/logging';
import { type ConnectionEnd, RequestHandler } from '../server/request.handler';
import { cpuStatsFromEnv } from '../server/cpu-stats';
import type { SiloWorker } from '../worker/bootstrap';
import { type ChannelLimits, channelLimitsFromEnv } from './channel-limits';
import { httpSettingsFromEnv } from './http/http-settings';
import { reserveStdoutForProtocol, serveStdio } from './stdio.transport';
import { parseTransportArgs, type TransportOptions } from './transport-args';
import { listenUnixSocket } from './unix-socket.transport';
import { applyV8Flags, RUN_TIME_V8_FLAGS, untestedV8Flags, type V8FlagPlan, workerV8Flags } from './v8-flags';

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
  /** Where the unix and HTTP transports announce their address; default stdout. */
  readonly announce?: (line: string) => void;
  /** The environment the transports read their settings (limits, HTTP keys) from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Stops an HTTP server gracefully when aborted (with `exitProcess: false`; a process owner uses SIGTERM). */
  readonly signal?: AbortSignal;
}

/** Waits for shutdown work, but never longer than DuckDB's SIGKILL grace would allow. */
const SHUTDOWN_GRACE_MS = 1000;

/**
 * An HTTP worker is stopped by its orchestrator, not by DuckDB: in-flight requests get
 * longer to finish (a finalize turn, a combine) before the process exits anyway.
 */
const HTTP_SHUTDOWN_GRACE_MS = 10_000;

function exitAfter(work: Promise<unknown>, code: number, graceMs = SHUTDOWN_GRACE_MS): Promise<never> {
  const timer = setTimeout(() => process.exit(code), graceMs);
  timer.unref();
  return work.then(
    () => process.exit(code),
    () => process.exit(code),
  );
}

/**
 * Serves `worker` on the transport `argv` names: no arguments or `--stdio` for stdin/stdout,
 * `--unix PATH [--idle-timeout SECONDS]` for a unix socket, `--http PORT [--host ADDR]
 * [--prefix PATH]` for HTTP (settings from `SILO_SIGNING_KEY`, `SILO_STREAM_TTL_SECONDS`,
 * `SILO_AUTH_TOKENS`; SIGTERM stops it gracefully, exit 0). Every transport refuses requests
 * above `SILO_MAX_REQUEST_BYTES` (default 64 MiB); stdio and unix sockets also cut off a
 * request that stalls mid-way for `SILO_READ_TIMEOUT_MS` (default 60 s). A worker that owns its
 * process sets the V8 flags of `SILO_V8_FLAGS` on itself (default: a later tier-up on stdio,
 * see {@link workerV8Flags}).
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
export async function serveWorker(
  worker: SiloWorker,
  argv: readonly string[],
  options: ServeWorkerOptions = {},
): Promise<void> {
  const ownProcess = options.exitProcess ?? true;
  let transport: TransportOptions;
  try {
    transport = parseTransportArgs(argv);
  } catch (error) {
    if (!ownProcess) throw error;
    process.stderr.write(`${(error as Error).message}\n`);
    return exitAfter(Promise.resolve(), 2);
  }
  let limits: ChannelLimits;
  let v8Flags: V8FlagPlan;
  try {
    limits = channelLimitsFromEnv(options.env ?? process.env);
    // Process-wide, so only for a worker that owns its process.
    v8Flags = ownProcess ? workerV8Flags(transport.kind, options.env ?? process.env) : { flags: [] };
  } catch (error) {
    if (!ownProcess) throw error;
    process.stderr.write(`${(error as Error).message}\n`);
    return exitAfter(Promise.resolve(), 2);
  }
  const log = worker.container.resolve<Logger>(LOGGER);
  for (const flag of untestedV8Flags(v8Flags.flags)) {
    log.warn(
      `SILO_V8_FLAGS: ${flag} is not among the V8 flags known to work when set at run time (${RUN_TIME_V8_FLAGS.map((f) => `--${f}`).join(', ')}); V8 may misbehave. Give it to node on the command line instead (a worker from a start-up snapshot cannot take it there).`,
    );
  }
  applyV8Flags(v8Flags, (flags) => log.debug(`V8 flags set: ${flags.join(' ')}`));
  const handler = new RequestHandler(worker, {
    logger: log,
    limits,
    cpuStats: ownProcess ? cpuStatsFromEnv(options.env ?? process.env) : undefined,
  });
  const protocolWrite = ownProcess ? reserveStdoutForProtocol() : undefined;

  if (transport.kind === 'stdio') {
    const streams = options.stdio ?? { input: process.stdin, output: process.stdout };
    if (ownProcess) {
      onTermination(log, 'stdio', () => worker.close());
      stopWhenInputEnds(streams.input, log);
    }
    const end: ConnectionEnd = await serveStdio(handler, {
      ...streams,
      write: options.stdio ? undefined : protocolWrite,
    });
    log.debug(`stdio: the connection ended (${end}); the worker stops`);
    if (ownProcess) return exitAfter(worker.close(), end === 'broken' ? 1 : 0);
    await worker.close();
    return;
  }

  const announce =
    options.announce ??
    ((line: string) => (protocolWrite ? protocolWrite(line, () => undefined) : process.stdout.write(line)));
  if (transport.kind === 'http') return serveHttp(worker, transport, log, announce, options);
  const server = await listenUnixSocket(handler, {
    path: transport.path,
    idleTimeoutSeconds: transport.idleTimeoutSeconds,
    announce,
    onBrokenConnection: (label) => log.warn(`${label}: connection closed after bytes that are not Arrow IPC`),
  });
  worker.dispatcher.workerPath = `unix://${server.path}`;
  log.info(
    `Serving catalog "${worker.catalog}" on unix socket ${server.path}${transport.idleTimeoutSeconds ? ` (idle timeout ${transport.idleTimeoutSeconds}s)` : ''}`,
  );
  let terminated = false;
  if (ownProcess) {
    onTermination(log, `unix:${server.path}`, async () => {
      terminated = true;
      return Promise.all([server.close(), worker.close()]);
    });
  }
  await server.closed;
  // The server also closes on SIGTERM; only an idle timeout deserves this line.
  if (!terminated && transport.idleTimeoutSeconds)
    log.info(`unix:${server.path}: no client for ${transport.idleTimeoutSeconds}s; the worker stops`);
  if (ownProcess) return exitAfter(worker.close(), 0);
  await worker.close();
}

/** How long a call may go on after the client closed stdin before the worker stops anyway. */
const INPUT_CLOSED_GRACE_MS = 3000;

/**
 * A client that closed stdin is gone (DuckDB closes a worker's stdin when it is done with
 * it, also under a call it interrupted, and sends no signal then): a call still running has
 * nobody to read its answer, so the worker stops instead of finishing it. Normally the
 * request loop sees the end first and the process exits before the grace is over.
 */
function stopWhenInputEnds(input: ByteSource, log: Logger): void {
  if (!('once' in input) || typeof input.once !== 'function') return;
  input.once('end', () => {
    const timer = setTimeout(() => {
      log.warn(
        'stdio: stdin closed while a call was still running; nobody is left to read its answer, so the worker stops',
      );
      process.exit(0);
    }, INPUT_CLOSED_GRACE_MS);
    timer.unref();
  });
}

/** DuckDB ends pooled workers with SIGTERM (then SIGKILL after ~2 s): stop at once. */
function onTermination(log: Logger, label: string, stop: () => Promise<unknown>, graceMs = SHUTDOWN_GRACE_MS): void {
  const handle = (signal: NodeJS.Signals): void => {
    log.debug(`${label}: ${signal} received; the worker stops`);
    void exitAfter(stop(), 0, graceMs);
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
}

/** The `--http` branch of {@link serveWorker}. */
async function serveHttp(
  worker: SiloWorker,
  transport: Extract<TransportOptions, { kind: 'http' }>,
  log: Logger,
  announce: (line: string) => void,
  options: ServeWorkerOptions,
): Promise<void> {
  const ownProcess = options.exitProcess ?? true;
  const settings = httpSettingsFromEnv(options.env ?? process.env);
  if (settings.ephemeralKey) {
    log.warn(
      'SILO_SIGNING_KEY is not set: HTTP stream continuations are sealed with a random key of this process, so they only work on this process and only until it restarts. ' +
        'Behind a load balancer, set SILO_SIGNING_KEY (or SILO_SIGNING_KEY_FILE) to the same 32-byte key on every worker.',
    );
  }
  // Loaded here: a stdio or unix-socket worker never loads the HTTP server (node:http and
  // the transport's own modules), which shortens every other worker's start-up.
  const { listenHttp } = await import('./http/http.transport');
  const server = await listenHttp(worker, {
    port: transport.port,
    host: transport.host,
    prefix: transport.prefix,
    settings,
    announce,
  });
  worker.dispatcher.workerPath = server.url;
  log.info(
    `Serving catalog "${worker.catalog}" over HTTP at ${server.url}${settings.authTokens.length > 0 ? ' (bearer tokens required)' : ''}`,
  );
  if (ownProcess) {
    const stop = async (): Promise<void> => {
      await server.close();
      await worker.close();
    };
    onTermination(log, server.url, stop, HTTP_SHUTDOWN_GRACE_MS);
  }
  options.signal?.addEventListener('abort', () => void server.close(), { once: true });
  await server.closed;
  log.info(`${server.url}: stopped`);
  if (ownProcess) return exitAfter(worker.close(), 0);
  await worker.close();
}
