/**
 * Incremental IPC stream encoding with a schema guard. Each call returns the bytes to put
 * on the channel now, so a producer can answer a tick with exactly one batch.
 *
 * Built on `apache-arrow`'s stream writer (dictionary bookkeeping stays there), but every
 * batch is first checked against — and re-bound onto — the stream's schema object, because
 * the arrow writer silently *closes* the stream on any schema difference, nullability and
 * dictionary ids included (vgi-wire §7).
 */
import { AsyncByteQueue, type RecordBatch, RecordBatchStreamWriter, type Schema } from 'apache-arrow';
import { concatBytes } from '../common/concat-bytes';
import { canEncodeDirectly, encodeStream, storedMessageOf } from './batch-message.codec';
import { conformBatchToSchema } from './schema-compare';

/** Collects what the arrow writer emits, synchronously, so bytes can be handed out per write. */
class CapturingQueue extends AsyncByteQueue<Uint8Array> {
  private captured: Uint8Array[] = [];

  override write(value: ArrayBufferView): void {
    // The arrow writer also writes Int32Array prefixes: always keep the raw bytes.
    if (value.byteLength > 0) this.captured.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }

  takeBytes(): Uint8Array {
    const parts = this.captured;
    this.captured = [];
    // The writer may hand out views of a batch's own buffers; concatBytes copies, so callers own the result.
    return concatBytes(...parts);
  }
}

/**
 * Writes one IPC stream message by message.
 *
 * @example
 * ```ts
 * const out = new IpcStreamWriter(outputSchema, 'finalize output of top_k');
 * channel.write(out.start());          // schema message (optional: write() sends it lazily)
 * channel.write(out.write(batch));      // dictionaries + record batch
 * channel.write(out.end());             // EOS
 * ```
 */
export class IpcStreamWriter {
  private readonly queue = new CapturingQueue();
  private readonly writer = new RecordBatchStreamWriter({ autoDestroy: false });
  private started = false;
  private ended = false;
  /** Without dictionaries, messages are encoded directly (one buffer each); else by apache-arrow's writer. */
  private readonly direct: boolean;

  constructor(
    /** The stream's schema; every batch is re-bound onto this object. */
    readonly schema: Schema,
    /** Names the stream in errors, e.g. `result of bind`. */
    private readonly subject = 'IPC stream',
  ) {
    this.direct = canEncodeDirectly(schema);
  }

  /** True once {@link end} has been called. */
  get closed(): boolean {
    return this.ended;
  }

  /**
   * The schema message, the first time; empty bytes afterwards.
   *
   * @example
   * ```ts
   * socket.write(writer.start());
   * ```
   */
  start(): Uint8Array {
    this.assertOpen('start');
    if (this.started) return new Uint8Array(0);
    this.started = true;
    if (this.direct) return encodeStream(this.schema, [], { withEos: false });
    this.writer.reset(this.queue as never, this.schema);
    return this.queue.takeBytes();
  }

  /**
   * The messages for one batch (its dictionaries, then the batch), preceded by the schema
   * message if the stream has not started. Throws `IpcSchemaMismatchError` when the batch
   * does not fit the stream's schema.
   *
   * @example
   * ```ts
   * socket.write(writer.write(makeRowsBatch(schema, rows, { 'vgi_rpc.server_id': id })));
   * ```
   */
  write(batch: RecordBatch): Uint8Array {
    this.assertOpen('write');
    const bound = conformBatchToSchema(batch, this.schema, this.subject);
    if (this.direct) {
      // A batch read back from storage whose stream had exactly this schema: its message is reused.
      const stored = storedMessageOf(batch, this.schema);
      const bytes = stored !== undefined && this.started ? stored : encodeStream(this.schema, [bound], { withSchema: !this.started, withEos: false });
      this.started = true;
      return bytes;
    }
    const head = this.start();
    this.writer.write(bound);
    const body = this.queue.takeBytes();
    if (body.length === 0) {
      // A batch always yields a message; no bytes means the arrow writer dropped it.
      throw new Error(`${this.subject}: apache-arrow's stream writer dropped a record batch (it closes on a schema change).`);
    }
    return head.length === 0 ? body : concatBytes(head, body);
  }

  /**
   * The end-of-stream marker, preceded by the schema message if nothing was written yet.
   *
   * @example
   * ```ts
   * socket.write(writer.end());
   * ```
   */
  end(): Uint8Array {
    this.assertOpen('end');
    if (this.direct) {
      const bytes = encodeStream(this.schema, [], { withSchema: !this.started });
      this.started = true;
      this.ended = true;
      return bytes;
    }
    const head = this.start();
    this.writer.close();
    this.ended = true;
    const tail = this.queue.takeBytes();
    return head.length === 0 ? tail : concatBytes(head, tail);
  }

  private assertOpen(what: string): void {
    if (this.ended) throw new Error(`${this.subject}: ${what}() after end(); open a new IpcStreamWriter for the next stream.`);
  }
}

