/**
 * One client connection to a worker, as the DuckDB extension holds it: one request at a
 * time, each answered by one response (a unary result, or an `init` header followed by a
 * lockstep exchange of input and output streams). Log batches are collected, error
 * batches raised as the protocol's `RemoteError`, and a worker that dies or writes
 * garbage mid-call surfaces as a clear error carrying its stderr tail — never a hang.
 */
import { randomBytes } from 'node:crypto';
import { type RecordBatch } from 'apache-arrow';
import { decodeFrames, IpcFramingError, MessageFramer } from '../../arrow';
import {
  classifyBatch,
  decodeInitHeader,
  decodeUnaryResponse,
  encodeRequest,
  type InitRequestInput,
  type LogRecord,
  type ProtocolSpec,
  RemoteError,
  type RequestEnvelope,
  type RequestInputs,
  type ResultOutputs,
  VGI_V2_PROTOCOL,
  WireProtocolError,
} from '../../protocol';
import { WorkerExitedError, WorkerProtocolViolation } from '../client.error';
import { SiloError } from '../../errors/silo.error';
import * as messages from '../../errors/messages';
import { InitStream, type StreamIo } from './init-stream';
import { type CallResult, type UnaryMethodName, type VgiConnection } from './vgi-connection';

export type { CallResult, StreamIo, UnaryMethodName };
import {
  connectUnixChannel,
  settlesWithin,
  type SpawnOptions,
  spawnWorkerChannel,
  type WorkerChannel,
} from './worker-channel';

/** A log batch a worker sent, with where it came from. */
export interface ReceivedLog extends LogRecord {
  /** The method whose response carried it. */
  readonly method: string;
  /** The worker's pid (`null` over a socket or HTTP). */
  readonly pid: number | null;
  /** Over HTTP: the worker base URL that answered. */
  readonly url?: string;
}

/**
 * The protocol version of a connection: fixed, or read at each request from whoever
 * settles it for a whole run (connections start before the worker was asked which
 * version it speaks, so they boot while discovery runs).
 */
export type ProtocolSource = ProtocolSpec | (() => ProtocolSpec);

/** Options of a connection. */
export interface ConnectionOptions {
  /** Receives every log batch the worker sends, in order. */
  readonly onLog?: (log: ReceivedLog) => void;
  /** The protocol version to speak; default vgi.v2 (2.0.0). */
  readonly protocol?: ProtocolSource;
}

/**
 * The version a {@link ProtocolSource} names now.
 *
 * @example
 * ```ts
 * protocolOf(() => VGI_A10_PROTOCOL).version; // '1.0.0'
 * ```
 */
export function protocolOf(source: ProtocolSource | undefined): ProtocolSpec {
  if (source === undefined) return VGI_V2_PROTOCOL;
  return typeof source === 'function' ? source() : source;
}

/**
 * The request metadata a call carries in `protocol`: generation A, like the extension,
 * sends no request id.
 */
export function envelopeFor(protocol: ProtocolSpec, envelope: RequestEnvelope = {}): RequestEnvelope {
  return {
    requestId: protocol.generation === 'B' ? randomBytes(8).toString('hex') : null,
    ...envelope,
    wire: protocol,
  };
}

/**
 * A connection to one worker over its stdio or a unix socket.
 *
 * @example
 * ```ts
 * const conn = WorkerConnection.spawn([process.execPath, 'dist/samples/worker.js']);
 * const { result: catalogs } = await conn.call('catalog_catalogs', {});
 * const { result: attach } = await conn.call('catalog_attach', { name: catalogs[0].name });
 * await conn.close();
 * ```
 */
export class WorkerConnection implements VgiConnection {
  private readonly framer: MessageFramer;
  private busyWith: string | null = null;
  private brokenBy: string | null = null;
  private gone = false;
  private killed = false;

  constructor(
    /** The byte channel (a child process's stdio, or a socket). */
    readonly channel: WorkerChannel,
    private readonly options: ConnectionOptions = {},
  ) {
    this.framer = new MessageFramer(channel.readable);
    void channel.ended.then(() => (this.gone = true));
  }

  /**
   * Starts a worker process and connects to its stdio.
   *
   * @example
   * ```ts
   * const conn = WorkerConnection.spawn(['node', 'worker.js'], { env: { ...process.env, SILO_STORAGE: 'sqlite' } });
   * ```
   */
  static spawn(command: readonly string[], options: SpawnOptions & ConnectionOptions = {}): WorkerConnection {
    return new WorkerConnection(spawnWorkerChannel(command, options), options);
  }

  /**
   * Connects to a worker serving a unix socket.
   *
   * @example
   * ```ts
   * const conn = await WorkerConnection.connectUnix('/tmp/silo.sock');
   * ```
   */
  static async connectUnix(
    path: string,
    options: ConnectionOptions & { readonly stderrTail?: () => string } = {},
  ): Promise<WorkerConnection> {
    return new WorkerConnection(await connectUnixChannel(path, options), options);
  }

  /** The worker's pid (`null` over a socket). */
  get pid(): number | null {
    return this.channel.pid;
  }

  /** True when a request could be sent now: the worker is alive, no call is in flight, no earlier failure broke the connection. */
  get usable(): boolean {
    return !this.gone && !this.killed && this.busyWith === null && this.brokenBy === null;
  }

  /** Names the worker in messages. */
  get label(): string {
    return this.channel.label;
  }

  /** The protocol version requests are encoded in and answers decoded with. */
  get protocol(): ProtocolSpec {
    return protocolOf(this.options.protocol);
  }

  /**
   * Sends one unary request and reads its response. A worker's error batch is raised as
   * `RemoteError` (the connection stays usable); a dead worker as `WorkerExitedError`.
   *
   * @example
   * ```ts
   * const { result } = await conn.call('catalog_schemas', { attachOpaqueData });
   * ```
   */
  async call<M extends UnaryMethodName>(
    method: M,
    params: RequestInputs[M],
    envelope: RequestEnvelope = {},
  ): Promise<CallResult<ResultOutputs[M]>> {
    this.acquire(method);
    let broken = false;
    try {
      const wire = envelope.wire ?? this.protocol;
      await this.write(encodeRequest(method, params, envelopeFor(wire, envelope)));
      const frames = await this.readFrames(method);
      const stream = decodeFrames([frames.schema, ...frames.messages]);
      const logs = this.collect(method, stream.batches);
      const decoded = decodeUnaryResponse(method, stream, wire);
      return { result: decoded.result, logs, serverId: decoded.serverId };
    } catch (error) {
      broken = !(error instanceof RemoteError);
      throw await this.fail(method, error);
    } finally {
      this.release(broken);
    }
  }

  /**
   * Opens an `init` stream: writes the request and reads the header. The connection is
   * busy until the returned stream is finished (or failed).
   *
   * @example
   * ```ts
   * const stream = await conn.openInit({ bindCall, outputSchema, phase: 'TABLE_BUFFERING' });
   * await stream.completeSinkInit(inputSchema);
   * ```
   */
  async openInit(request: InitRequestInput): Promise<InitStream> {
    const during = `init (${request.phase ?? 'no phase'})`;
    this.acquire(during);
    try {
      await this.write(encodeRequest('init', request, envelopeFor(this.protocol)));
      const frames = await this.readFrames(during);
      const stream = decodeFrames([frames.schema, ...frames.messages]);
      this.collect('init', stream.batches);
      const header = decodeInitHeader(stream).result;
      return new InitStream(this.streamIo(), header, during);
    } catch (error) {
      // DuckDB discards a connection whose init failed (vgi-wire §3.8).
      this.release(true);
      throw await this.fail(during, error);
    }
  }

  /** Ends the connection cleanly: stdin EOF, then waits for the worker to exit. */
  async close(): Promise<void> {
    await this.channel.close();
  }

  /** Ends the worker at once. */
  kill(): void {
    // Unusable from now on, not only once the exit is seen: a cancelled run must not pick
    // a process it just killed for its destructor.
    this.killed = true;
    this.channel.kill();
  }

  private acquire(what: string): void {
    if (this.brokenBy !== null) {
      throw new SiloError('SILO614', messages.connectionBroken(this.label, this.brokenBy));
    }
    if (this.busyWith !== null) {
      throw new SiloError('SILO613', messages.connectionBusy(this.label, what, this.busyWith));
    }
    this.busyWith = what;
  }

  private release(broken: boolean): void {
    if (broken) this.brokenBy ??= this.busyWith ?? 'a call';
    this.busyWith = null;
  }

  private collect(method: string, batches: readonly RecordBatch[]): LogRecord[] {
    const logs: LogRecord[] = [];
    for (const batch of batches) {
      const c = classifyBatch(batch);
      if (c.kind === 'log') {
        logs.push(c.log);
        this.log(method, c.log);
      } else if (c.kind === 'error') {
        throw c.error;
      }
    }
    return logs;
  }

  private log(method: string, log: LogRecord): void {
    this.options.onLog?.({ ...log, method, pid: this.pid });
  }

  private async write(bytes: Uint8Array): Promise<void> {
    await this.channel.write(bytes);
  }

  private async readFrames(during: string): Promise<NonNullable<Awaited<ReturnType<MessageFramer['readStream']>>>> {
    const frames = await this.framer.readStream();
    if (frames === null) throw new EndOfChannel(during);
    return frames;
  }

  /** Turns any failure of a call into the error the caller should see. */
  private async fail(during: string, cause: unknown): Promise<Error> {
    if (cause instanceof RemoteError) return cause;
    if (cause instanceof WorkerExitedError || cause instanceof WorkerProtocolViolation) return cause;
    // A worker that died shows up as EOF, a truncated message or EPIPE: wait briefly for
    // the exit status so the error can say how it ended. Malformed bytes from a live
    // worker need no wait.
    const malformed =
      (cause instanceof IpcFramingError && cause.failure !== 'truncated') || cause instanceof WireProtocolError;
    if (await settlesWithin(this.channel.ended, malformed ? 50 : 1500)) {
      return new WorkerExitedError(this.label, during, await this.channel.ended, this.channel.stderrTail(), { cause });
    }
    if (cause instanceof EndOfChannel) {
      return new WorkerExitedError(this.label, during, 'closed its output', this.channel.stderrTail(), { cause });
    }
    if (cause instanceof IpcFramingError || cause instanceof WireProtocolError) {
      return new WorkerProtocolViolation(this.label, during, cause.message, this.channel.stderrTail(), { cause });
    }
    return cause instanceof Error ? cause : new Error(String(cause));
  }

  private streamIo(): StreamIo {
    return {
      label: this.label,
      write: (bytes) => this.write(bytes),
      openStream: async (during) => {
        const reader = await this.framer.openStream();
        if (reader === null) throw new EndOfChannel(during);
        return reader;
      },
      log: (method, log) => this.log(method, log),
      fail: (during, cause) => this.fail(during, cause),
      release: (broken) => this.release(broken),
    };
  }
}

/** The channel ended cleanly between messages while a response was expected. */
class EndOfChannel extends Error {
  constructor(during: string) {
    super(`the worker's output ended before the response to ${during}`);
  }
}
