/**
 * The gate between untrusted bytes and apache-arrow: every flatbuffer `Message` a worker
 * receives — framed off a channel or nested in a `binary` cell — passes
 * {@link verifyMessage} first, and every batch is checked against its stream's schema.
 * A failure is a coded {@link MalformedIpcMessageError} at the byte where the message starts.
 */
import { IpcFramingError, MalformedIpcMessageError } from './ipc.error';
import { FlatbufferFault } from './flatbuffer.verifier';
import {
  checkBatchAgainstSchema,
  type SchemaLayout,
  type VerifiedMessage,
  verifyMessage,
} from './ipc-message.verifier';

/** Verification results by metadata object: a frame's metadata is checked once, however often it is decoded. */
const byIdentity = new WeakMap<Uint8Array, VerifiedMessage>();

/** Schema messages by content: request schemas repeat call after call, nested in fresh buffers. */
const schemasByContent = new Map<string, VerifiedMessage>();
const SCHEMA_CACHE_SIZE = 256;

/**
 * Verifies one message's flatbuffer (the bytes after its length prefix). Throws
 * {@link MalformedIpcMessageError} naming `offset`, the message's position on its channel.
 */
export function verifyMessageBytes(metadata: Uint8Array, offset: number, subject?: string): VerifiedMessage {
  const known = byIdentity.get(metadata);
  if (known !== undefined) return known;
  // Only schemas are worth a content key: batch messages differ in every request.
  const key =
    metadata.length <= 64 * 1024
      ? Buffer.from(metadata.buffer, metadata.byteOffset, metadata.byteLength).toString('latin1')
      : null;
  const cached = key === null ? undefined : schemasByContent.get(key);
  if (cached !== undefined) return cached;
  let verified: VerifiedMessage;
  try {
    verified = verifyMessage(metadata);
  } catch (error) {
    if (error instanceof FlatbufferFault) throw new MalformedIpcMessageError(offset, error.detail, subject);
    throw error;
  }
  byIdentity.set(metadata, verified);
  if (key !== null && verified.kind === 'schema') {
    if (schemasByContent.size >= SCHEMA_CACHE_SIZE)
      schemasByContent.delete(schemasByContent.keys().next().value as string);
    schemasByContent.set(key, verified);
  }
  return verified;
}

/**
 * Checks a verified batch or dictionary message against its stream's schema (see
 * `checkBatchAgainstSchema`).
 */
export function checkAgainstSchema(
  schema: SchemaLayout,
  message: VerifiedMessage,
  body: Uint8Array,
  offset: number,
  subject?: string,
): void {
  try {
    checkBatchAgainstSchema(schema, message, body);
  } catch (error) {
    if (error instanceof FlatbufferFault) throw new MalformedIpcMessageError(offset, error.detail, subject);
    throw error;
  }
}

/**
 * Walks a complete in-memory IPC stream (as nested in `binary` cells, or an HTTP body)
 * and verifies every message up to its end-of-stream marker, so that apache-arrow's
 * readers only ever see well-formed flatbuffers. Throws `IpcFramingError`.
 */
export function verifyIpcStreamBytes(bytes: Uint8Array, subject: string): void {
  verifiedStreamMessages(bytes, subject);
}

/** One message of an in-memory stream that passed verification. */
export interface VerifiedPart {
  readonly message: VerifiedMessage;
  /** The message's flatbuffer bytes (a view). */
  readonly metadata: Uint8Array;
  /** Its body (a view). */
  readonly body: Uint8Array;
}

/**
 * {@link verifyIpcStreamBytes}, returning the messages it verified in stream order (the
 * schema first); none for bytes too short to hold a message.
 */
export function verifiedStreamMessages(bytes: Uint8Array, subject: string): VerifiedPart[] {
  const parts: VerifiedPart[] = [];
  // Too short for any message: the caller's reader says so in its own words.
  if (bytes.length < 8) return parts;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let schema: SchemaLayout | null = null;
  let at = 0;
  while (at < bytes.length) {
    const start = at;
    if (at + 4 > bytes.length)
      throw truncated(start, subject, `${bytes.length - at} stray byte(s) follow the last message`);
    let length = view.getInt32(at, true);
    at += 4;
    if (length === -1) {
      if (at + 4 > bytes.length) throw truncated(start, subject, 'the bytes end after a continuation marker');
      length = view.getInt32(at, true);
      at += 4;
    }
    if (length === 0) return parts;
    if (length < 0 || length > bytes.length - at) {
      throw truncated(
        start,
        subject,
        `the message declares ${length} bytes of metadata, but ${bytes.length - at} follow`,
      );
    }
    const metadata = bytes.subarray(at, at + length);
    const message = verifyMessageBytes(metadata, start, subject);
    at += length;
    if (message.bodyLength > bytes.length - at) {
      throw truncated(
        start,
        subject,
        `the message declares a ${message.bodyLength}-byte body, but ${bytes.length - at} bytes follow`,
      );
    }
    const body = bytes.subarray(at, at + message.bodyLength);
    at += message.bodyLength;
    if (schema === null) {
      if (message.schema === undefined)
        throw new IpcFramingError(
          'bad-sequence',
          start,
          `${subject}: an IPC stream must start with a schema message, got a ${message.kind} message.`,
        );
      schema = message.schema;
    } else if (message.schema !== undefined) {
      throw new IpcFramingError(
        'bad-sequence',
        start,
        `${subject}: a second schema message arrived before the stream's end-of-stream marker.`,
      );
    } else {
      checkAgainstSchema(schema, message, body, start, subject);
    }
    parts.push({ message, metadata, body });
  }
  return parts;
}

/** In-memory bytes are complete by definition: a message they cut short is a bad message, not a client gone away. */
function truncated(offset: number, subject: string, detail: string): IpcFramingError {
  return new IpcFramingError('bad-message', offset, `${subject}: ${detail}; the IPC stream is cut short or corrupt.`);
}
