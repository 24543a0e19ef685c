/**
 * Incremental reading of one IPC stream opened by the {@link MessageFramer}: the schema
 * first, then one record batch per call, each decoded the moment its message is complete.
 */
import { Message, RecordBatchReader, type RecordBatch, type Schema } from 'apache-arrow';
import { cachedSchema, canDecodeDirectly, loadRecordBatch } from './batch-message.codec';
import { type IpcFrame, joinFrames } from './ipc-frame';
import { IpcFramingError } from './ipc.error';
import { verifyMessageBytes } from './verified-ipc';

/** A message of an open stream, or its end. */
type InStreamMessage = IpcFrame | { readonly kind: 'eos' };

/**
 * Decodes record-batch frames of one stream into `RecordBatch`es, one at a time.
 *
 * Arrow JS has no public "decode this one message" API, so each batch is decoded from a
 * minimal stream — schema, the dictionaries in force, the batch, EOS — which keeps
 * dictionary handling (deltas, replacements) in `apache-arrow`'s hands.
 */
class IpcBatchDecoder {
  private readonly dictionaries = new Map<number, IpcFrame[]>();
  private decodedSchema: Schema | null = null;

  constructor(readonly schemaFrame: IpcFrame) {}

  /** The stream's schema, decoded from the schema frame on first use. */
  get schema(): Schema {
    this.decodedSchema ??= decodeSchemaFrame(this.schemaFrame);
    return this.decodedSchema;
  }

  /**
   * Feeds one message: a dictionary is remembered (returns `null`), a record batch is decoded.
   */
  push(frame: IpcFrame): RecordBatch | null {
    if (frame.kind === 'dictionary') {
      const id = frame.dictionaryId ?? 0;
      // A non-delta dictionary replaces everything sent before under its id.
      const run = frame.isDelta === true ? (this.dictionaries.get(id) ?? []) : [];
      run.push(frame);
      this.dictionaries.set(id, run);
      return null;
    }
    if (frame.kind !== 'record-batch') {
      throw new IpcFramingError(
        'bad-sequence',
        0,
        `a ${frame.kind} message cannot follow the schema of an open stream.`,
      );
    }
    if (this.dictionaries.size === 0) {
      const direct = decodeBatchFrame(this.schema, frame);
      if (direct !== null) return direct;
    }
    const frames: IpcFrame[] = [this.schemaFrame];
    for (const run of this.dictionaries.values()) frames.push(...run);
    frames.push(frame);
    const { batches } = decodeFrames(frames);
    if (batches.length !== 1) {
      throw new IpcFramingError('bad-message', 0, `a record-batch message decoded to ${batches.length} batches.`);
    }
    return batches[0];
  }
}

/**
 * One IPC stream being read from a channel. Obtained from `MessageFramer.openStream()`.
 */
export class IpcStreamReader {
  private readonly decoder: IpcBatchDecoder;
  private finished = false;

  /**
   * @internal Created by the framer; `pull` reads the next message of this stream, `discarding`
   * tells it the messages are no longer kept (so a stream read whole stops counting as one).
   */
  constructor(
    readonly schemaFrame: IpcFrame,
    private readonly pull: () => Promise<InStreamMessage>,
    private readonly discarding: () => void = () => undefined,
  ) {
    this.decoder = new IpcBatchDecoder(schemaFrame);
  }

  /** The stream's schema. */
  get schema(): Schema {
    return this.decoder.schema;
  }

  /** True once the stream's EOS has been read. */
  get done(): boolean {
    return this.finished;
  }

  /**
   * The next raw message (dictionary or record batch) of the stream, or `null` at its EOS.
   */
  async nextFrame(): Promise<IpcFrame | null> {
    if (this.finished) return null;
    const message = await this.pull();
    if (message.kind === 'eos') {
      this.finished = true;
      return null;
    }
    return message;
  }

  /**
   * The next record batch, decoded as soon as its bytes have arrived; `null` at the EOS.
   */
  async next(): Promise<RecordBatch | null> {
    for (let frame = await this.nextFrame(); frame !== null; frame = await this.nextFrame()) {
      const batch = this.decoder.push(frame);
      if (batch !== null) return batch;
    }
    return null;
  }

  /**
   * Reads and discards the rest of the stream up to its EOS; returns how many record
   * batches were skipped. Used after a producer finished (extra ticks) or after an error.
   */
  async drain(): Promise<number> {
    this.discarding();
    let skipped = 0;
    for (let frame = await this.nextFrame(); frame !== null; frame = await this.nextFrame()) {
      if (frame.kind === 'record-batch') skipped += 1;
    }
    return skipped;
  }
}

/**
 * Decodes a run of frames (schema first) into a schema and its batches.
 */
export function decodeFrames(frames: readonly IpcFrame[]): { schema: Schema; batches: RecordBatch[] } {
  const direct = decodeFramesDirectly(frames);
  if (direct !== null) return direct;
  try {
    const reader = RecordBatchReader.from(joinFrames(frames, true));
    reader.open();
    // Read the schema before iterating: the reader drops it once it reaches the end.
    const schema = reader.schema;
    const batches = withoutPlaceholders(reader.readAll());
    return { schema, batches };
  } catch (cause) {
    if (cause instanceof IpcFramingError) throw cause;
    throw new IpcFramingError(
      'bad-message',
      0,
      `apache-arrow could not decode the stream: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/**
 * The schema of a schema frame, decoded once per distinct message (see
 * `cachedSchema`). Throws `IpcFramingError` when undecodable.
 */
function decodeSchemaFrame(frame: IpcFrame): Schema {
  return cachedSchema(frame.metadata, () => decodeFrames([frame]).schema);
}

/** A record-batch frame loaded straight from its body, or null when the fast path does not apply. */
function decodeBatchFrame(schema: Schema, frame: IpcFrame): RecordBatch | null {
  if (frame.kind !== 'record-batch' || !canDecodeDirectly(schema)) return null;
  try {
    // The framer verified the frame: its field nodes and buffers come from that check.
    const layout = verifyMessageBytes(frame.metadata, 0).batch;
    return loadRecordBatch(schema, frame.message ?? Message.decode(frame.metadata), frame.body, layout);
  } catch {
    // Left to apache-arrow's reader, whose error says what is wrong.
    return null;
  }
}

/** Schema + record batches without dictionaries, decoded without re-joining the frames; else null. */
function decodeFramesDirectly(frames: readonly IpcFrame[]): { schema: Schema; batches: RecordBatch[] } | null {
  if (frames.length < 2 || frames[0].kind !== 'schema') return null;
  let schema: Schema;
  try {
    schema = decodeSchemaFrame(frames[0]);
  } catch {
    return null;
  }
  const batches: RecordBatch[] = [];
  for (const frame of frames.slice(1)) {
    const batch = decodeBatchFrame(schema, frame);
    if (batch === null) return null;
    batches.push(batch);
  }
  return { schema, batches };
}

/**
 * Drops the empty placeholder batch `apache-arrow` yields for a stream without batches, so
 * "schema + EOS" reads as zero batches (a real 0-row batch is kept).
 */
export function withoutPlaceholders(batches: RecordBatch[]): RecordBatch[] {
  return batches.filter((b) => b.constructor.name !== '_InternalEmptyPlaceholderRecordBatch');
}
