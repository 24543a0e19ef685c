/**
 * What `runFunction` needs from a connection to workers, whatever carries the bytes: a
 * worker process's stdio or a unix socket ({@link WorkerConnection}), or HTTP requests to
 * one worker URL or a fleet of them ({@link HttpConnection}). And what it needs from the
 * thing that hands out such connections: a {@link WorkerLauncher} spawning processes, or
 * an {@link HttpFleet} whose "connections" are views on its URL list.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import {
  type GlobalInitResponse,
  type InitRequestInput,
  type LogRecord,
  type MethodName,
  type ProtocolSpec,
  type RequestEnvelope,
  type RequestInputs,
  type ResultOutputs,
} from '../../protocol';

/** A decoded unary answer. */
export interface CallResult<T> {
  readonly result: T;
  readonly logs: readonly LogRecord[];
  readonly serverId: string | null;
}

/** Unary methods (everything but the `init` stream). */
export type UnaryMethodName = Exclude<MethodName, 'init'>;

/** What each connection of a run is for. */
export type WorkerRole = 'sink' | 'finalize' | 'destructor';

/**
 * An open `init` stream, after its header (vgi-wire §3.8, §2.4).
 *
 * @example
 * ```ts
 * const stream = await conn.openInit({ bindCall, outputSchema, phase: 'TABLE_BUFFERING_FINALIZE', executionId, finalizeStateId });
 * for (let batch = await stream.next(); batch !== null; batch = await stream.next()) batches.push(batch);
 * ```
 */
export interface VgiInitStream {
  /** The GlobalInitResponse: `executionId` minted by a primary sink init, echoed otherwise. */
  readonly header: GlobalInitResponse;
  /** Producer turns asked for so far: ticks written on a byte channel, `/init` and `/exchange` requests over HTTP. */
  readonly ticks: number;
  /** True once the stream is over and the connection is free. */
  readonly finished: boolean;
  /** Sink phase: ends the stream the way the DuckDB extension does on this transport. */
  completeSinkInit(inputSchema: Schema): Promise<void>;
  /** Producer: the next data batch (maybe empty), or `null` once the stream ended. */
  next(): Promise<RecordBatch | null>;
  /** Producer: cancels the stream (the function's `@OnCancel()` runs) and discards what is still in flight. */
  cancel(): Promise<void>;
}

/**
 * One client connection to workers, as the DuckDB extension holds it: one request at a
 * time, error batches raised as the protocol's `RemoteError`.
 *
 * @example
 * ```ts
 * async function catalogNames(conn: VgiConnection): Promise<string[]> {
 *   const { result } = await conn.call('catalog_catalogs', {});
 *   return result.map((c) => c.name);
 * }
 * ```
 */
export interface VgiConnection {
  /** The worker's pid; `null` when no process of this client is behind it (a socket, HTTP). */
  readonly pid: number | null;
  /** Names the worker(s) in messages. */
  readonly label: string;
  /** True when a request could be sent now. */
  readonly usable: boolean;
  /**
   * The protocol version every request on this connection is encoded in and every answer
   * decoded with (vgi.v2, or wire generation A at 1.0 or 1.3). A run settles it before the
   * connection's first request; `envelope.wire` overrides it for one call (to ask a worker
   * which version it speaks).
   */
  readonly protocol: ProtocolSpec;
  /** One unary request and its decoded answer. */
  call<M extends UnaryMethodName>(
    method: M,
    params: RequestInputs[M],
    envelope?: RequestEnvelope,
  ): Promise<CallResult<ResultOutputs[M]>>;
  /** Opens an `init` stream and reads its header. */
  openInit(request: InitRequestInput): Promise<VgiInitStream>;
  /** Ends the connection cleanly. */
  close(): Promise<void>;
  /** Ends the connection at once, abandoning any request in flight. */
  kill(): void;
}

/**
 * Hands out the connections of one run: sink connections, connections that never served
 * the sink for finalize streams (optionally prepared ahead), and closes them all at the end.
 *
 * @example
 * ```ts
 * async function onFreshConnection(launcher: ConnectionLauncher, work: (conn: VgiConnection) => Promise<void>): Promise<void> {
 *   const conn = launcher.fresh();
 *   try { await work(conn); } finally { await launcher.closeAll(); }
 * }
 * ```
 */
export interface ConnectionLauncher {
  /** A new connection for `role`. */
  start(role: WorkerRole): VgiConnection;
  /** Prepares `count` connections for finalize streams now, so they are ready when needed. */
  prestart(count: number): void;
  /** Connections prepared ahead and not yet taken. */
  readonly spareCount: number;
  /** A connection that has never served a call: a prepared one, else a new one. */
  fresh(): VgiConnection;
  /** Closes one connection in the background; {@link closeAll} waits for it. */
  release(conn: VgiConnection): void;
  /** Closes everything still open. */
  closeAll(): Promise<void>;
}
