/**
 * Incremental IPC stream encoding with a schema guard. Each call returns the bytes to put
 * on the channel now, so a producer can answer a tick with exactly one batch.
 *
 * Every batch is first checked against — and re-bound onto — the stream's schema object
 * (vgi-wire §7: a batch that does not fit the stream's schema, nullability and dictionary
 * types included, is refused with the difference named, rather than written on a schema
 * the reader does not expect). Messages are encoded by `batch-message.codec`, which
 * writes dictionary batches as apache-arrow's stream writer does.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { DictionaryTracker, encodeStream, storedMessageOf } from './batch-message.codec';
import { assertNoForbiddenNulls, conformBatchToSchema } from './schema-compare';

/**
 * Writes one IPC stream message by message.
 */
export class IpcStreamWriter {
  private started = false;
  private ended = false;
  private readonly dictionaries = new DictionaryTracker();
  private readonly hasDictionaries: boolean;

  constructor(
    /** The stream's schema; every batch is re-bound onto this object. */
    readonly schema: Schema,
    /** Names the stream in errors, e.g. `result of bind`. */
    private readonly subject = 'IPC stream',
  ) {
    this.hasDictionaries = schema.dictionaries.size > 0;
  }

  /** True once {@link end} has been called. */
  get closed(): boolean {
    return this.ended;
  }

  /**
   * The schema message, the first time; empty bytes afterwards.
   */
  start(): Uint8Array {
    this.assertOpen('start');
    if (this.started) return new Uint8Array(0);
    this.started = true;
    return encodeStream(this.schema, [], { withEos: false });
  }

  /**
   * The messages for one batch (the dictionaries it needs, then the batch), preceded by
   * the schema message if the stream has not started. Throws `IpcSchemaMismatchError`
   * when the batch does not fit the stream's schema.
   */
  write(batch: RecordBatch): Uint8Array {
    this.assertOpen('write');
    // A batch read back from storage whose stream had exactly this schema (the same
    // encoded schema message): its message is reused, and only its nulls need checking.
    const stored = this.started && !this.hasDictionaries ? storedMessageOf(batch, this.schema) : undefined;
    if (stored !== undefined) {
      assertNoForbiddenNulls(batch, this.schema, this.subject);
      return stored;
    }
    const bound = conformBatchToSchema(batch, this.schema, this.subject);
    const bytes = encodeStream(this.schema, [bound], {
      withSchema: !this.started,
      withEos: false,
      dictionaries: this.dictionaries,
    });
    this.started = true;
    return bytes;
  }

  /**
   * The end-of-stream marker, preceded by the schema message if nothing was written yet.
   */
  end(): Uint8Array {
    this.assertOpen('end');
    const bytes = encodeStream(this.schema, [], { withSchema: !this.started });
    this.started = true;
    this.ended = true;
    return bytes;
  }

  private assertOpen(what: string): void {
    if (this.ended)
      throw new Error(`${this.subject}: ${what}() after end(); open a new IpcStreamWriter for the next stream.`);
  }
}
