/**
 * One Arrow IPC message as it travels on a byte channel: a length-prefixed flatbuffer
 * `Message` followed by its body. The framer produces these; the codecs turn runs of them
 * back into contiguous, 8-byte-aligned IPC bytes that `apache-arrow` can read.
 */
import { Message, MessageHeader, MetadataVersion } from 'apache-arrow';
import { IpcFramingError } from './ipc.error';
import { type IpcMessageKind } from './ipc-message.verifier';
import { verifyMessageBytes } from './verified-ipc';

export type { IpcMessageKind };

/** The 4-byte continuation marker that starts every modern IPC message (`0xFFFFFFFF`). */
export const CONTINUATION_MARKER = 0xffffffff;

/** The end-of-stream marker: continuation marker + zero metadata length. */
export const EOS_BYTES: Uint8Array = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

/** One decoded IPC message with its raw bytes. */
export interface IpcFrame {
  /** What the message carries. */
  readonly kind: IpcMessageKind;
  /** The flatbuffer `Message` bytes, without the length prefix. */
  readonly metadata: Uint8Array;
  /** The message body (`bodyLength` bytes; empty for a schema). */
  readonly body: Uint8Array;
  /** The message's own custom metadata (vgi_rpc keys live here for record batches). */
  readonly customMetadata: ReadonlyMap<string, string>;
  /** Row count of a record batch or dictionary batch; 0 for a schema. */
  readonly numRows: number;
  /** Dictionary id, for dictionary messages. */
  readonly dictionaryId?: number;
  /** Whether a dictionary message is a delta, for dictionary messages. */
  readonly isDelta?: boolean;
  /** The decoded flatbuffer `Message`, when the framer already decoded it (so decoding the batch need not again). */
  readonly message?: Message;
}

/**
 * Decodes the flatbuffer `Message` header of a frame and validates that it is a message
 * a stream can contain.
 */
export function decodeMessageHeader(
  metadata: Uint8Array,
  offset: number,
): { kind: IpcMessageKind; bodyLength: number; message: Message } {
  // Bounds-checked first: apache-arrow loops over whatever vector lengths the bytes declare.
  verifyMessageBytes(metadata, offset);
  let message: Message;
  try {
    message = Message.decode(metadata);
  } catch (cause) {
    throw new IpcFramingError(
      'bad-message',
      offset,
      'the flatbuffer Message could not be decoded; the sender is not writing Arrow IPC (or the stream is corrupt).',
      { cause },
    );
  }
  const kind = kindOf(message.headerType);
  if (kind === undefined || message.version < MetadataVersion.V4) {
    throw new IpcFramingError(
      'bad-message',
      offset,
      `the Message header type ${String(message.headerType)} (metadata version ${String(message.version)}) is not ` +
        'a schema, dictionary batch or record batch of Arrow format V4/V5; the sender is not writing an Arrow IPC stream.',
    );
  }
  const bodyLength = Number(message.bodyLength);
  if (!Number.isSafeInteger(bodyLength) || bodyLength < 0) {
    throw new IpcFramingError(
      'bad-message',
      offset,
      `the Message declares an invalid body length ${String(bodyLength)}.`,
    );
  }
  return { kind, bodyLength, message };
}

/**
 * Builds an {@link IpcFrame} from a decoded header and its body.
 */
export function makeFrame(kind: IpcMessageKind, message: Message, metadata: Uint8Array, body: Uint8Array): IpcFrame {
  if (kind === 'schema') {
    return { kind, metadata, body, customMetadata: message.metadata, numRows: 0, message };
  }
  try {
    if (kind === 'dictionary') {
      const header = message.header() as unknown as { id: number; isDelta: boolean; length: number };
      return {
        kind,
        metadata,
        body,
        customMetadata: message.metadata,
        numRows: Number(header.length),
        dictionaryId: Number(header.id),
        isDelta: header.isDelta,
        message,
      };
    }
    const header = message.header() as unknown as { length: number };
    return { kind, metadata, body, customMetadata: message.metadata, numRows: Number(header.length), message };
  } catch (cause) {
    throw new IpcFramingError('bad-message', 0, `the ${kind} message header could not be decoded.`, { cause });
  }
}

function kindOf(headerType: MessageHeader): IpcMessageKind | undefined {
  switch (headerType) {
    case MessageHeader.Schema:
      return 'schema';
    case MessageHeader.DictionaryBatch:
      return 'dictionary';
    case MessageHeader.RecordBatch:
      return 'record-batch';
    default:
      return undefined;
  }
}

/**
 * Writes frames (and optionally the EOS marker) into one contiguous buffer in the modern
 * framing, padding each flatbuffer so every body starts on an 8-byte boundary: typed-array
 * views over the body (e.g. `BigInt64Array`) fail on unaligned offsets.
 */
export function joinFrames(frames: readonly IpcFrame[], withEos: boolean): Uint8Array {
  let total = withEos ? EOS_BYTES.length : 0;
  const metaLengths: number[] = [];
  for (const frame of frames) {
    // The position is only known while summing, so alignment is computed in the same pass.
    const bodyStart = total + 8 + frame.metadata.length;
    const pad = (8 - (bodyStart % 8)) % 8;
    metaLengths.push(frame.metadata.length + pad);
    total += 8 + frame.metadata.length + pad + frame.body.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  frames.forEach((frame, i) => {
    view.setUint32(at, CONTINUATION_MARKER, true);
    view.setInt32(at + 4, metaLengths[i], true);
    out.set(frame.metadata, at + 8);
    at += 8 + metaLengths[i];
    out.set(frame.body, at);
    at += frame.body.length;
  });
  if (withEos) out.set(EOS_BYTES, at);
  return out;
}
