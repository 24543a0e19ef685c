/**
 * The client half of an `init` stream after its header (vgi-wire §3.8, §4.9): the sink
 * phase's empty input exchange, or a finalize producer driven tick by tick — with the
 * extra tick DuckDB sends after the end, and cancellation.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { EMPTY_SCHEMA, type IpcStreamReader, IpcStreamWriter } from '../../arrow';
import { SiloError } from '../../errors/silo.error';
import * as messages from '../../errors/messages';
import { classifyBatch, type GlobalInitResponse, type LogRecord, makeTickBatch } from '../../protocol';
import { type VgiInitStream } from './vgi-connection';

/** @internal What an {@link InitStream} needs from its connection. */
export interface StreamIo {
  readonly label: string;
  write(bytes: Uint8Array): Promise<void>;
  openStream(during: string): Promise<IpcStreamReader>;
  log(method: string, log: LogRecord): void;
  fail(during: string, cause: unknown): Promise<Error>;
  release(broken: boolean): void;
}

/**
 * An open `init` stream. Obtained from `WorkerConnection.openInit()`; the connection is
 * free again once {@link completeSinkInit} returned, or {@link next} returned `null`, or
 * {@link cancel} returned.
 *
 * @example
 * ```ts
 * const stream = await conn.openInit({ bindCall, outputSchema, phase: 'TABLE_BUFFERING_FINALIZE', executionId, finalizeStateId });
 * for (let batch = await stream.next(); batch !== null; batch = await stream.next()) batches.push(batch);
 * ```
 */
export class InitStream implements VgiInitStream {
  private input: IpcStreamWriter | null = null;
  private output: IpcStreamReader | null = null;
  private done = false;
  private ticksSent = 0;

  /** @internal Created by `WorkerConnection.openInit()`. */
  constructor(
    private readonly io: StreamIo,
    /** The GlobalInitResponse: `executionId` minted by a primary sink init, echoed otherwise. */
    readonly header: GlobalInitResponse,
    private readonly during: string,
  ) {}

  /** Ticks written so far, the extra one after the end included. */
  get ticks(): number {
    return this.ticksSent;
  }

  /** True once the stream is over and the connection is free. */
  get finished(): boolean {
    return this.done;
  }

  /**
   * Sink phase: sends the input stream on the function's input schema with no batch and
   * reads the worker's output stream (schema, EOS) to its end.
   *
   * @example
   * ```ts
   * await stream.completeSinkInit(inputSchema);
   * ```
   */
  async completeSinkInit(inputSchema: Schema): Promise<void> {
    this.assertOpen('completeSinkInit');
    try {
      await this.io.write(new IpcStreamWriter(inputSchema, 'sink init input').end());
      const output = await this.openOutput();
      for (let batch = await output.next(); batch !== null; batch = await output.next()) this.inspect(batch);
      this.finish(false);
    } catch (error) {
      throw await this.failed(error);
    }
  }

  /**
   * Producer: sends one tick and returns the worker's answer — one data batch (maybe
   * empty), or `null` once the output stream ended. After the end it sends one more tick
   * (DuckDB runs one tick ahead) and closes the input, freeing the connection.
   *
   * @example
   * ```ts
   * const batch = await stream.next();
   * ```
   */
  async next(): Promise<RecordBatch | null> {
    if (this.done) return null;
    try {
      await this.tick(false);
      const output = await this.openOutput();
      for (let batch = await output.next(); batch !== null; batch = await output.next()) {
        if (this.inspect(batch)) return batch;
      }
      // The worker ended its output: send the tick DuckDB would already have in flight.
      await this.tick(false);
      await this.endInput();
      this.finish(false);
      return null;
    } catch (error) {
      throw await this.failed(error);
    }
  }

  /**
   * Producer: sends a cancel tick and reads the output to its end (the worker runs its
   * cancel hook and ends normally). Data still arriving is discarded.
   *
   * @example
   * ```ts
   * if (rows >= limit) await stream.cancel();
   * ```
   */
  async cancel(): Promise<void> {
    if (this.done) return;
    try {
      await this.tick(true);
      const output = await this.openOutput();
      for (let batch = await output.next(); batch !== null; batch = await output.next()) this.inspect(batch);
      await this.endInput();
      this.finish(false);
    } catch (error) {
      throw await this.failed(error);
    }
  }

  private assertOpen(what: string): void {
    if (this.done) throw new SiloError('SILO614', messages.initStreamFinished(this.io.label, what));
  }

  /** Logs go to the connection's log sink, errors are raised; true for a data batch. */
  private inspect(batch: RecordBatch): boolean {
    const c = classifyBatch(batch);
    if (c.kind === 'log') this.io.log('init', c.log);
    else if (c.kind === 'error') throw c.error;
    return c.kind === 'data';
  }

  private async tick(cancel: boolean): Promise<void> {
    this.input ??= new IpcStreamWriter(EMPTY_SCHEMA, 'finalize ticks');
    // The first write() carries the input stream's schema message too.
    const bytes = this.input.write(makeTickBatch({ cancel }));
    this.ticksSent++;
    await this.io.write(bytes);
  }

  private async openOutput(): Promise<IpcStreamReader> {
    this.output ??= await this.io.openStream(this.during);
    return this.output;
  }

  private async endInput(): Promise<void> {
    if (this.input !== null && !this.input.closed) await this.io.write(this.input.end());
  }

  private finish(broken: boolean): void {
    if (this.done) return;
    this.done = true;
    this.io.release(broken);
  }

  /**
   * After an error batch the worker ends its output and drains our input: finish both so
   * the connection could serve again; anything else (a dead worker) leaves it broken.
   */
  private async failed(error: unknown): Promise<Error> {
    const translated = await this.io.fail(this.during, error);
    if (this.done) return translated;
    let clean = false;
    if (translated === error && this.output !== null) {
      try {
        await this.output.drain();
        await this.endInput();
        clean = true;
      } catch {
        // The worker went away while we tidied up: the connection stays broken.
      }
    }
    this.finish(!clean);
    return translated;
  }
}
