/**
 * Reading the client's streams off a connection, with the three ways a read can end that
 * the request loop must tell apart (vgi-wire §2.1, §3.1): a stream, the client's EOF
 * (between streams or inside one: both are a normal shutdown), and bytes that are not
 * Arrow IPC at all, after which the channel can no longer be resynchronised.
 */
import {
  type IpcFrame,
  IpcFramingError,
  type IpcStreamReader,
  type MessageFramer,
  type OpenStreamOptions,
} from '../arrow';
import { MetadataKey } from '../protocol';

/** The channel ended: the client's EOF, or bytes that are not Arrow IPC. */
export type ChannelEnd = { readonly kind: 'eof' } | { readonly kind: 'broken'; readonly error: IpcFramingError };

/** What the next read of the channel produced. */
type Incoming = { readonly kind: 'stream'; readonly frames: readonly IpcFrame[] } | ChannelEnd;

/**
 * Sorts a read failure: EOF inside a message, or a transport error on the input, is the
 * client going away; anything else is a channel that lost its framing.
 */
export function readFailure(error: unknown): ChannelEnd {
  if (error instanceof IpcFramingError && error.failure !== 'truncated') return { kind: 'broken', error };
  return { kind: 'eof' };
}

/**
 * Opens the next stream: its reader, the client's EOF, or a broken channel.
 */
export async function openNext(
  framer: MessageFramer,
  options: OpenStreamOptions = {},
): Promise<{ readonly reader: IpcStreamReader } | ChannelEnd> {
  try {
    const reader = await framer.openStream(options);
    return reader === null ? { kind: 'eof' } : { reader };
  } catch (error) {
    return readFailure(error);
  }
}

/** Reads the rest of an open stream after the frames already taken from it. */
async function collect(reader: IpcStreamReader, taken: readonly IpcFrame[]): Promise<Incoming> {
  const frames: IpcFrame[] = [reader.schemaFrame, ...taken];
  try {
    for (let frame = await reader.nextFrame(); frame !== null; frame = await reader.nextFrame()) frames.push(frame);
  } catch (error) {
    return readFailure(error);
  }
  return { kind: 'stream', frames };
}

/**
 * Reads the next complete stream (schema, dictionaries, batches; EOS consumed).
 */
export async function readStream(framer: MessageFramer): Promise<Incoming> {
  // A request is kept whole until its EOS: the stream counts against the request limit.
  const opened = await openNext(framer, { whole: true });
  if (!('reader' in opened)) return opened;
  return collect(opened.reader, []);
}

/**
 * After a failed `init`, the client may still send that call's input stream (the reference
 * SDK does; DuckDB drops the connection instead). A stream whose first batch names a method
 * is the next request and is returned; anything else is the failed call's input and is
 * discarded up to its EOS, then the next stream is read.
 */
export async function readStreamAfterFailedInit(framer: MessageFramer): Promise<Incoming> {
  const opened = await openNext(framer, { whole: true });
  if (!('reader' in opened)) return opened;
  try {
    // Dictionaries come before the first batch; keep them in case this is a request.
    const taken: IpcFrame[] = [];
    let frame = await opened.reader.nextFrame();
    while (frame !== null && frame.kind === 'dictionary') {
      taken.push(frame);
      frame = await opened.reader.nextFrame();
    }
    if (frame !== null && frame.customMetadata.has(MetadataKey.method))
      return collect(opened.reader, [...taken, frame]);
    if (frame !== null) await opened.reader.drain();
  } catch (error) {
    return readFailure(error);
  }
  return readStream(framer);
}
