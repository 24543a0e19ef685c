/**
 * Whole-buffer IPC helpers: schemas and batches to and from complete IPC streams, as used
 * for records nested in `binary` columns (vgi-wire §3.4).
 */
import { RecordBatchReader, type RecordBatch, type Schema } from 'apache-arrow';
import { decodeStreamDirectly, encodeStream, sourceStreamOf } from './batch-message.codec';
import { IpcFramingError } from './ipc.error';
import { withoutPlaceholders } from './ipc-stream.reader';
import { conformBatchToSchema } from './schema-compare';
import { verifiedStreamMessages, verifyIpcStreamBytes } from './verified-ipc';

/**
 * A serialized schema: the schema message followed by EOS (the form Silo writes).
 */
export function serializeSchema(schema: Schema): Uint8Array {
  // No batches: the schema message (encoded once per schema object) and EOS.
  return encodeStream(schema, []);
}

/**
 * Reads a serialized schema in any of the three forms of vgi-wire §3.4: a bare schema
 * message, schema + EOS, or a full stream (only the first message matters).
 */
export function deserializeSchema(bytes: Uint8Array, subject = 'serialized schema'): Schema {
  if (bytes instanceof Uint8Array) verifyIpcStreamBytes(bytes, subject);
  const reader = openReader(bytes, subject);
  const schema = reader.schema;
  if (schema === undefined || schema === null) {
    throw new IpcFramingError('bad-sequence', 0, `${subject}: the bytes hold no schema message.`);
  }
  return schema;
}

/**
 * Reads a complete IPC stream held in memory: its schema and every batch.
 */
export function readIpcStream(
  bytes: Uint8Array,
  subject = 'IPC stream',
  options: {
    /** The bytes already passed `verifyIpcStreamBytes` (or `readSingleRowStream`). */
    readonly verified?: boolean;
  } = {},
): { schema: Schema; batches: RecordBatch[] } {
  const verified =
    bytes instanceof Uint8Array && options.verified !== true ? verifiedStreamMessages(bytes, subject) : undefined;
  const direct =
    bytes instanceof Uint8Array
      ? decodeStreamDirectly(
          bytes,
          verified?.map((part) => part.message.batch),
        )
      : null;
  if (direct !== null) return direct;
  const reader = openReader(bytes, subject);
  const schema = reader.schema;
  try {
    return { schema, batches: reader.readAll() };
  } catch (cause) {
    throw new IpcFramingError('bad-message', 0, `${subject}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * One batch as a complete IPC stream: schema, dictionaries, the batch, EOS.
 */
export function serializeBatch(batch: RecordBatch, schema: Schema = batch.schema): Uint8Array {
  return serializeBatches(schema, [batch]);
}

/**
 * Several batches (each with its own custom metadata) as one complete IPC stream on `schema`.
 */
export function serializeBatches(schema: Schema, batches: readonly RecordBatch[], subject = 'IPC stream'): Uint8Array {
  if (batches.length === 1) {
    const known = sourceStreamOf(batches[0], schema);
    if (known !== undefined) return known;
  }
  return encodeStream(
    schema,
    batches.map((b) => conformBatchToSchema(b, schema, subject)),
  );
}

function openReader(bytes: Uint8Array, subject: string): { schema: Schema; readAll(): RecordBatch[] } {
  if (!(bytes instanceof Uint8Array) || bytes.length < 8) {
    throw new IpcFramingError(
      'truncated',
      0,
      `${subject}: ${bytes?.length ?? 0} byte(s) cannot hold an IPC schema message.`,
    );
  }
  // Typed-array views over the body need 8-byte alignment; binary cells are arbitrary views.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  try {
    const reader = RecordBatchReader.from(aligned);
    reader.open();
    // Read the schema now: the reader drops it once iteration reaches the end.
    const schema = reader.schema;
    return { schema, readAll: () => withoutPlaceholders(reader.readAll()) };
  } catch (cause) {
    throw new IpcFramingError(
      'bad-message',
      0,
      `${subject}: not a readable Arrow IPC stream (${(cause as Error).message}).`,
      { cause },
    );
  }
}
