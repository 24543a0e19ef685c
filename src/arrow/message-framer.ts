/**
 * Reads consecutive Arrow IPC streams from one byte channel (vgi-wire §3.1).
 *
 * `apache-arrow` readers assume they own the whole source and read ahead, so on a channel
 * carrying request after request they would swallow the next stream. The framer reads
 * message by message — continuation marker, int32 metadata length, flatbuffer `Message`,
 * `bodyLength` bytes of body — and never consumes a byte past the EOS of the stream it was
 * asked for. Each message is returned as soon as its bytes have arrived, which is what
 * lockstep producer streams need (one tick in, one batch out).
 */
import { type Readable } from 'node:stream';
import { decodeMessageHeader, type IpcFrame, joinFrames, makeFrame } from './ipc-frame';
import { IpcFramingError } from './ipc.error';
import { IpcStreamReader } from './ipc-stream-reader';

/** Anything that yields the channel's bytes in order: a Node `Readable`, a socket, an async generator. */
export type ByteSource = Readable | AsyncIterable<Uint8Array>;

/** Limits that turn garbage length prefixes into a clear error instead of a huge allocation or a hang. */
export interface MessageFramerOptions {
  /** Largest accepted flatbuffer `Message` (metadata) length. Default 64 MiB. */
  readonly maxMetadataBytes?: number;
  /** Largest accepted message body. Default 2 GiB - 1. */
  readonly maxBodyBytes?: number;
}

/** One message read from the channel, or the end-of-stream marker. */
export type FramedMessage = IpcFrame | { readonly kind: 'eos' };

/** The frames of one complete IPC stream, EOS excluded. */
export interface IpcStreamFrames {
  /** The schema message. */
  readonly schema: IpcFrame;
  /** Dictionary and record-batch messages, in channel order. */
  readonly messages: readonly IpcFrame[];
}

const DEFAULT_MAX_METADATA = 64 * 1024 * 1024;
const DEFAULT_MAX_BODY = 2 ** 31 - 1;

/**
 * Splits a byte channel into Arrow IPC messages and streams.
 *
 * @example
 * ```ts
 * const framer = new MessageFramer(process.stdin);
 * for (;;) {
 *   const stream = await framer.openStream();
 *   if (stream === null) break; // clean EOF between requests
 *   const batch = await stream.next(); // the request batch, as soon as it has arrived
 *   await stream.drain();
 * }
 * ```
 */
export class MessageFramer {
  private readonly iterator: AsyncIterator<unknown>;
  private readonly maxMetadata: number;
  private readonly maxBody: number;
  private chunks: Uint8Array[] = [];
  private head = 0;
  private buffered = 0;
  private consumed = 0;
  private ended = false;
  private reading = false;
  private openReader: IpcStreamReader | null = null;

  constructor(source: ByteSource, options: MessageFramerOptions = {}) {
    this.iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    this.maxMetadata = options.maxMetadataBytes ?? DEFAULT_MAX_METADATA;
    this.maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  }

  /** Bytes consumed from the channel so far (the offset reported in framing errors). */
  get position(): number {
    return this.consumed;
  }

  /**
   * Reads the next message. Returns `null` on a clean EOF before the message's first byte;
   * EOF inside a message is an {@link IpcFramingError} (`truncated`).
   *
   * @example
   * ```ts
   * const msg = await framer.readMessage();
   * if (msg?.kind === 'record-batch') console.log(msg.numRows);
   * ```
   */
  async readMessage(): Promise<FramedMessage | null> {
    // Two reads at once would each pull chunks from the channel, and one could wait forever
    // for bytes the other already took: a second reader is a caller's bug, so say so.
    if (this.reading) {
      throw new Error(
        'MessageFramer: a read is already in progress on this channel. Await each read before starting the next; ' +
          'one channel has one reader, and responses arrive in request order.',
      );
    }
    this.reading = true;
    try {
      return await this.readOneMessage();
    } finally {
      this.reading = false;
    }
  }

  private async readOneMessage(): Promise<FramedMessage | null> {
    const start = this.consumed;
    if (!(await this.fill(4))) {
      if (this.buffered === 0) return null;
      throw this.truncated(start, 'the channel ended inside a message length prefix');
    }
    let length = this.peekInt32();
    if (length === -1) {
      // Modern framing: continuation marker, then the real length.
      if (!(await this.fill(8))) throw this.truncated(start, 'the channel ended after a continuation marker');
      this.take(4);
      length = this.peekInt32();
    }
    this.take(4);
    if (length === 0) return { kind: 'eos' };
    if (length < 0) {
      throw new IpcFramingError(
        'bad-prefix',
        start,
        `the message length prefix is negative (${length}); the sender wrote bytes that are not an Arrow IPC stream.`,
      );
    }
    if (length > this.maxMetadata) {
      throw new IpcFramingError(
        'too-large',
        start,
        `the message metadata length ${length} exceeds the limit of ${this.maxMetadata} bytes; ` +
          'the sender wrote bytes that are not an Arrow IPC stream (or raise maxMetadataBytes).',
      );
    }
    if (!(await this.fill(length))) throw this.truncated(start, `the channel ended inside a ${length}-byte message header`);
    const metadata = this.take(length);
    const head = decodeMessageHeader(metadata, start);
    if (head.bodyLength > this.maxBody) {
      throw new IpcFramingError(
        'too-large',
        start,
        `the message body length ${head.bodyLength} exceeds the limit of ${this.maxBody} bytes (raise maxBodyBytes if this is legitimate).`,
      );
    }
    if (!(await this.fill(head.bodyLength))) {
      throw this.truncated(start, `the channel ended inside a ${head.bodyLength}-byte message body`);
    }
    const body = this.take(head.bodyLength);
    return makeFrame(head.kind, head.message, metadata, body);
  }

  /**
   * Reads one complete IPC stream, up to and including its EOS, and nothing more.
   * Returns `null` on a clean EOF before the stream's first byte.
   *
   * @example
   * ```ts
   * const frames = await framer.readStream();
   * if (frames) { const { schema, batches } = decodeStreamFrames(frames); }
   * ```
   */
  async readStream(): Promise<IpcStreamFrames | null> {
    const reader = await this.openStream();
    if (reader === null) return null;
    const messages: IpcFrame[] = [];
    for (let frame = await reader.nextFrame(); frame !== null; frame = await reader.nextFrame()) messages.push(frame);
    return { schema: reader.schemaFrame, messages };
  }

  /**
   * Reads one complete IPC stream and returns its bytes (re-framed in the modern framing,
   * EOS included), e.g. to forward or store it. `null` on a clean EOF between streams.
   *
   * @example
   * ```ts
   * const request = await framer.readStreamBytes();
   * if (request) { const { schema, batches } = readIpcStream(request); }
   * ```
   */
  async readStreamBytes(): Promise<Uint8Array | null> {
    const frames = await this.readStream();
    return frames === null ? null : joinFrames([frames.schema, ...frames.messages], true);
  }

  /**
   * Opens the next IPC stream for incremental reading: the schema is read now, each batch
   * as soon as its bytes arrive. Returns `null` on a clean EOF before the stream's first byte.
   * The previous stream must have been read to its EOS (or drained) first.
   *
   * @example
   * ```ts
   * const input = await framer.openStream();
   * const tick = await input?.next(); // waits for exactly one batch
   * ```
   */
  async openStream(): Promise<IpcStreamReader | null> {
    if (this.openReader !== null && !this.openReader.done) {
      throw new Error(
        'MessageFramer.openStream(): the previous IPC stream has not reached its EOS yet. ' +
          'Read it to the end or call drain() on it before opening the next one.',
      );
    }
    const start = this.consumed;
    const first = await this.readMessage();
    if (first === null) return null;
    if (first.kind !== 'schema') {
      throw new IpcFramingError(
        'bad-sequence',
        start,
        `an IPC stream must start with a schema message, got ${first.kind === 'eos' ? 'an end-of-stream marker' : `a ${first.kind} message`}.`,
      );
    }
    this.openReader = new IpcStreamReader(first, () => this.readInStream());
    return this.openReader;
  }

  /** Reads the next message of an open stream: EOF here is always a truncation. */
  private async readInStream(): Promise<FramedMessage> {
    const start = this.consumed;
    const message = await this.readMessage();
    if (message === null) throw this.truncated(start, 'the channel ended before the stream\'s end-of-stream marker');
    if (message.kind === 'schema') {
      throw new IpcFramingError('bad-sequence', start, 'a second schema message arrived before the stream\'s end-of-stream marker.');
    }
    return message;
  }

  private truncated(offset: number, detail: string): IpcFramingError {
    return new IpcFramingError('truncated', offset, `${detail} (${this.buffered} byte(s) left over).`);
  }

  /** Pulls chunks until `n` bytes are buffered; false if the channel ended first. */
  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n) {
      if (this.ended) return false;
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      const chunk = toBytes(next.value);
      if (chunk.length > 0) {
        this.chunks.push(chunk);
        this.buffered += chunk.length;
      }
    }
    return true;
  }

  private peekInt32(): number {
    const first = this.chunks[0];
    if (first.length - this.head >= 4) {
      return new DataView(first.buffer, first.byteOffset + this.head, 4).getInt32(0, true);
    }
    const bytes = this.copyOut(4, false);
    return new DataView(bytes.buffer).getInt32(0, true);
  }

  /** Removes `n` buffered bytes: a view when they sit in one chunk, else a copy. */
  private take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const first = this.chunks[0];
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      this.buffered -= n;
      this.consumed += n;
      return out;
    }
    return this.copyOut(n, true);
  }

  private copyOut(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let written = 0;
    let index = 0;
    let head = this.head;
    while (written < n) {
      const chunk = this.chunks[index];
      const count = Math.min(n - written, chunk.length - head);
      out.set(chunk.subarray(head, head + count), written);
      written += count;
      head += count;
      if (head === chunk.length) {
        index += 1;
        head = 0;
      }
    }
    if (consume) {
      this.chunks.splice(0, index);
      this.head = head;
      this.buffered -= n;
      this.consumed += n;
    }
    return out;
  }
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`MessageFramer: the byte source yielded a ${typeof value}, expected Uint8Array/Buffer chunks.`);
}
