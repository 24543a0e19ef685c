/**
 * The client half of an `init` stream over HTTP (vgi-wire §2.4), after its header: the
 * first output stream came with the `/init` answer; each further producer turn is an
 * `/exchange` POST carrying the latest state token and the call token, to whichever
 * worker is next; the stream ends with an answer that carries no state token. Cancel is
 * an `/exchange` with `vgi_rpc.cancel`, which resumes the stream only to run its
 * `@OnCancel()`. A sink init is complete with its `/init` answer: the extension never
 * continues it (§2.4 step 6).
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { classifyBatch, type GlobalInitResponse, type LogRecord } from '../../protocol';
import { SiloError } from '../../errors/silo.error';
import * as messages from '../../errors/messages';
import { WorkerProtocolViolation } from '../client.error';
import { type AnswerStream } from './http-request';
import { type VgiInitStream } from '../connection/vgi-connection';

/** @internal What an {@link HttpInitStream} needs from its connection. */
export interface HttpStreamIo {
  readonly label: string;
  /** `init (TABLE_BUFFERING_FINALIZE)`, for messages. */
  readonly during: string;
  /** POSTs a continuation (or a cancel) and returns the output stream of the answer. */
  exchange(
    stateToken: string,
    callToken: string | null,
    cancel: boolean,
  ): Promise<{ readonly output: AnswerStream; readonly url: string }>;
  log(log: LogRecord, url: string): void;
  /** The error the caller should see for a failure on `url`. */
  fail(error: unknown, url: string): Error;
  /** Frees the connection. */
  release(): void;
}

/**
 * An open `init` stream over HTTP. Obtained from `HttpConnection.openInit()`; the
 * connection is free again once {@link completeSinkInit} returned, or {@link next}
 * returned `null`, or {@link cancel} returned (or any of them failed).
 *
 * @example
 * ```ts
 * const stream = await conn.openInit({ bindCall, outputSchema, phase: 'TABLE_BUFFERING_FINALIZE', executionId, finalizeStateId });
 * for (let batch = await stream.next(); batch !== null; batch = await stream.next()) batches.push(batch);
 * ```
 */
export class HttpInitStream implements VgiInitStream {
  /** Data batches and errors of the answers so far, not yet handed out, in order. */
  private readonly pending: (RecordBatch | Error)[] = [];
  private stateToken: string | null = null;
  private callToken: string | null = null;
  private lastUrl: string;
  private turns = 1;
  private done = false;

  /** @internal Created by `HttpConnection.openInit()` with the first output stream of the `/init` answer. */
  constructor(
    private readonly io: HttpStreamIo,
    /** The GlobalInitResponse: `executionId` minted by a primary sink init, echoed otherwise. */
    readonly header: GlobalInitResponse,
    firstOutput: AnswerStream,
    url: string,
  ) {
    this.lastUrl = url;
    this.take(firstOutput, url);
  }

  /** Producer turns asked for so far: the `/init` and every `/exchange`, a cancel included. */
  get ticks(): number {
    return this.turns;
  }

  /** True once the stream is over and the connection is free. */
  get finished(): boolean {
    return this.done;
  }

  /**
   * Sink phase: the `/init` answer (header, an output stream with a state token and no
   * data) is the whole exchange — DuckDB never continues a sink init over HTTP — so this
   * sends nothing; it raises an error batch that answer carried, and frees the connection.
   *
   * @example
   * ```ts
   * await stream.completeSinkInit(inputSchema);
   * ```
   */
  async completeSinkInit(_inputSchema: Schema): Promise<void> {
    if (this.done) throw new SiloError('SILO614', messages.initStreamFinished(this.io.label, 'completeSinkInit'));
    const error = this.pending.find((p): p is Error => p instanceof Error);
    this.pending.length = 0;
    this.finish();
    if (error !== undefined) throw this.io.fail(error, this.lastUrl);
  }

  /**
   * Producer: the next data batch (maybe empty), asking for the next turn with an
   * `/exchange` when the previous answer's batches are used up; `null` once an answer
   * came without a state token.
   *
   * @example
   * ```ts
   * const batch = await stream.next();
   * ```
   */
  async next(): Promise<RecordBatch | null> {
    if (this.done) return null;
    try {
      for (;;) {
        const item = this.pending.shift();
        if (item instanceof Error) throw item;
        if (item !== undefined) return item;
        if (this.stateToken === null) {
          this.finish();
          return null;
        }
        await this.turn(false);
      }
    } catch (error) {
      this.finish();
      throw this.io.fail(error, this.lastUrl);
    }
  }

  /**
   * Producer: cancels the stream with an `/exchange` carrying `vgi_rpc.cancel` (the
   * worker that receives it runs the function's `@OnCancel()` with the stream's cursor)
   * and discards data not yet handed out. A stream whose last answer already ended it
   * has nothing left to cancel: no request is sent.
   *
   * @example
   * ```ts
   * if (rows >= limit) await stream.cancel();
   * ```
   */
  async cancel(): Promise<void> {
    if (this.done) return;
    try {
      this.pending.length = 0;
      if (this.stateToken === null) return;
      await this.turn(true);
      const error = this.pending.find((p): p is Error => p instanceof Error);
      if (error !== undefined) throw error;
    } catch (error) {
      throw this.io.fail(error, this.lastUrl);
    } finally {
      this.pending.length = 0;
      this.finish();
    }
  }

  private async turn(cancel: boolean): Promise<void> {
    const token = this.stateToken!;
    this.stateToken = null;
    this.turns++;
    const { output, url } = await this.io.exchange(token, this.callToken, cancel);
    this.lastUrl = url;
    this.take(output, url);
  }

  /** Sorts an answer's output stream: logs to the log sink, data and errors queued, the state token kept. */
  private take(output: AnswerStream, url: string): void {
    for (const batch of output.batches) {
      const c = classifyBatch(batch);
      if (c.kind === 'log') this.io.log(c.log, url);
      else if (c.kind === 'error') this.pending.push(c.error);
      else if (c.kind === 'data') this.pending.push(batch);
      else if (c.kind === 'state-token') {
        this.stateToken = c.streamState;
        // The call token is minted once, on /init; later answers may omit it (vgi-wire §2.4 step 7).
        this.callToken = c.callState ?? this.callToken;
      } else {
        this.pending.push(
          new WorkerProtocolViolation(
            `HTTP worker at ${url}`,
            this.io.during,
            `an external batch pointer (vgi_rpc.location = ${c.location}), which this client does not fetch`,
            '',
            { advice: 'Disable response externalization on the worker.' },
          ),
        );
      }
    }
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.io.release();
  }
}
