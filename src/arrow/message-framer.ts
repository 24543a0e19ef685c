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
import { IpcFramingError, IpcReadTimeoutError, IpcRequestTooLargeError } from './ipc.error';
import { IpcStreamReader } from './ipc-stream.reader';
import type { SchemaLayout } from './ipc-message.verifier';
import { checkAgainstSchema, verifyMessageBytes } from './verified-ipc';

/** Anything that yields the channel's bytes in order: a Node `Readable`, a socket, an async generator. */
export type ByteSource = Readable | AsyncIterable<Uint8Array>;

/** Limits that turn garbage length prefixes into a clear error instead of a huge allocation or a hang. */
interface MessageFramerOptions {
  /** Largest accepted flatbuffer `Message` (metadata) length. Default 64 MiB. */
  readonly maxMetadataBytes?: number;
  /** Largest accepted message body. Default 2 GiB - 1. */
  readonly maxBodyBytes?: number;
  /**
   * Most bytes buffered for one request: one message of a stream read incrementally, or a
   * whole stream read at once (`readStream`, `openStream({ whole: true })`). A length
   * prefix announcing more is refused before its bytes are read. Default: no limit beyond
   * the two above.
   */
  readonly maxRequestBytes?: number;
  /**
   * How long a message (or a whole stream) may take to arrive once its first byte has:
   * past it the read fails with `IpcReadTimeoutError`. Never applies while the channel is
   * idle between messages. Default: no timeout.
   */
  readonly readTimeoutMs?: number;
}

/** Options of {@link MessageFramer.openStream}. */
export interface OpenStreamOptions {
  /**
   * The caller keeps every message until the EOS (a request read whole): the stream as a
   * whole counts against `maxRequestBytes` and `readTimeoutMs`, not each message alone.
   */
  readonly whole?: boolean;
}

/** One message read from the channel, or the end-of-stream marker. */
type FramedMessage = IpcFrame | { readonly kind: 'eos' };

/** The frames of one complete IPC stream, EOS excluded. */
interface IpcStreamFrames {
  /** The schema message. */
  readonly schema: IpcFrame;
  /** Dictionary and record-batch messages, in channel order. */
  readonly messages: readonly IpcFrame[];
}

const DEFAULT_MAX_METADATA = 64 * 1024 * 1024;
const DEFAULT_MAX_BODY = 2 ** 31 - 1;

/**
 * Splits a byte channel into Arrow IPC messages and streams.
 */
export class MessageFramer {
  private readonly iterator: AsyncIterator<unknown>;
  private readonly maxMetadata: number;
  private readonly maxBody: number;
  private readonly maxRequest: number;
  private readonly readTimeout: number | null;
  /** Where the open whole-read stream started, and by when it must end; null otherwise. */
  private wholeStart: number | null = null;
  private wholeDeadline: number | null = null;
  /** Where the message being read started, and by when its last byte must be here. */
  private messageStart = 0;
  private messageDeadline: number | null = null;
  private armOnData = false;
  private firstByteAt = 0;
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
    this.maxRequest = options.maxRequestBytes ?? Number.POSITIVE_INFINITY;
    this.readTimeout = options.readTimeoutMs ?? null;
  }

  /** Bytes consumed from the channel so far (the offset reported in framing errors). */
  get position(): number {
    return this.consumed;
  }

  /**
   * Reads the next message. Returns `null` on a clean EOF before the message's first byte;
   * EOF inside a message is an {@link IpcFramingError} (`truncated`).
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
    // The clock starts with the message's first byte: at once if it is already buffered.
    this.messageStart = this.consumed;
    this.armOnData = this.buffered === 0;
    this.messageDeadline = this.buffered > 0 ? this.deadlineFromNow() : null;
    try {
      return await this.readOneMessage();
    } finally {
      this.reading = false;
      this.messageDeadline = null;
      this.armOnData = false;
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
    const prefixBytes = this.consumed - start + 4;
    this.take(4);
    if (length === 0) return { kind: 'eos' };
    if (length < 0) {
      throw new IpcFramingError(
        'bad-prefix',
        start,
        `the message length prefix is negative (${length}); the sender wrote bytes that are not an Arrow IPC stream.`,
      );
    }
    // Metadata this long is garbage (text, a wrong protocol) rather than a large request: say so first.
    if (length > this.maxMetadata) {
      throw new IpcFramingError(
        'too-large',
        start,
        `the message metadata length ${length} exceeds the limit of ${this.maxMetadata} bytes; ` +
          'the sender wrote bytes that are not an Arrow IPC stream (or raise maxMetadataBytes).',
      );
    }
    this.checkRequestSize(start, prefixBytes + length, `a message declaring ${length} bytes of metadata`);
    if (!(await this.fill(length)))
      throw this.truncated(start, `the channel ended inside a ${length}-byte message header`);
    const metadata = this.take(length);
    const head = decodeMessageHeader(metadata, start);
    this.checkRequestSize(
      start,
      prefixBytes + length + head.bodyLength,
      `a message declaring a ${head.bodyLength}-byte body`,
    );
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
   */
  async readStream(): Promise<IpcStreamFrames | null> {
    const reader = await this.openStream({ whole: true });
    if (reader === null) return null;
    const messages: IpcFrame[] = [];
    for (let frame = await reader.nextFrame(); frame !== null; frame = await reader.nextFrame()) messages.push(frame);
    return { schema: reader.schemaFrame, messages };
  }

  /**
   * Reads one complete IPC stream and returns its bytes (re-framed in the modern framing,
   * EOS included), e.g. to forward or store it. `null` on a clean EOF between streams.
   */
  async readStreamBytes(): Promise<Uint8Array | null> {
    const frames = await this.readStream();
    return frames === null ? null : joinFrames([frames.schema, ...frames.messages], true);
  }

  /**
   * Opens the next IPC stream for incremental reading: the schema is read now, each batch
   * as soon as its bytes arrive. Returns `null` on a clean EOF before the stream's first byte.
   * The previous stream must have been read to its EOS (or drained) first.
   */
  async openStream(options: OpenStreamOptions = {}): Promise<IpcStreamReader | null> {
    if (this.openReader !== null && !this.openReader.done) {
      throw new Error(
        'MessageFramer.openStream(): the previous IPC stream has not reached its EOS yet. ' +
          'Read it to the end or call drain() on it before opening the next one.',
      );
    }
    const start = this.consumed;
    this.wholeStart = options.whole === true ? start : null;
    this.wholeDeadline = null;
    let first: FramedMessage | null;
    try {
      first = await this.readMessage();
    } finally {
      // The stream's clock started with the schema's first byte (no byte: nothing to time).
      if (this.wholeStart !== null && this.consumed > start && this.readTimeout !== null)
        this.wholeDeadline = this.firstByteAt + this.readTimeout;
    }
    if (first === null) {
      this.release();
      return null;
    }
    if (first.kind !== 'schema') {
      throw new IpcFramingError(
        'bad-sequence',
        start,
        `an IPC stream must start with a schema message, got ${first.kind === 'eos' ? 'an end-of-stream marker' : `a ${first.kind} message`}.`,
      );
    }
    const schema = verifyMessageBytes(first.metadata, start).schema!;
    this.openReader = new IpcStreamReader(
      first,
      () => this.readInStream(schema),
      () => this.release(),
    );
    return this.openReader;
  }

  /** Reads the next message of an open stream: EOF here is always a truncation. */
  private async readInStream(schema: SchemaLayout): Promise<FramedMessage> {
    const start = this.consumed;
    const message = await this.readMessage();
    if (message === null) throw this.truncated(start, "the channel ended before the stream's end-of-stream marker");
    if (message.kind === 'eos') {
      this.release();
      return message;
    }
    if (message.kind === 'schema') {
      throw new IpcFramingError(
        'bad-sequence',
        start,
        "a second schema message arrived before the stream's end-of-stream marker.",
      );
    }
    // Lengths are checked against the columns before anything decodes the batch.
    checkAgainstSchema(schema, verifyMessageBytes(message.metadata, start), message.body, start);
    return message;
  }

  /** The open stream no longer counts as a whole (it ended, or its reader only discards it). */
  private release(): void {
    this.wholeStart = null;
    this.wholeDeadline = null;
  }

  private checkRequestSize(start: number, messageBytes: number, what: string): void {
    const held = this.wholeStart === null ? 0 : start - this.wholeStart;
    if (held + messageBytes <= this.maxRequest) return;
    throw new IpcRequestTooLargeError(
      start,
      held > 0
        ? `the request stream holds ${held} bytes so far, and ${what} would bring it to ${held + messageBytes}`
        : `${what} is ${messageBytes} bytes long`,
      this.maxRequest,
    );
  }

  private deadlineFromNow(): number | null {
    this.firstByteAt = Date.now();
    return this.readTimeout === null ? null : this.firstByteAt + this.readTimeout;
  }

  /** Waits for the next chunk, no longer than the message's (and whole stream's) deadline. */
  private async nextChunk(): Promise<IteratorResult<unknown>> {
    const deadline = minDeadline(this.messageDeadline, this.wholeDeadline);
    if (deadline === null) return this.iterator.next();
    const stalled = (): IpcReadTimeoutError =>
      deadline === this.wholeDeadline && this.wholeStart !== null
        ? new IpcReadTimeoutError(
            this.wholeStart,
            'the request stream that starts here did not arrive up to its end-of-stream marker',
            this.readTimeout!,
          )
        : new IpcReadTimeoutError(
            this.messageStart,
            `the message that starts here did not arrive completely (${this.buffered} byte(s) received)`,
            this.readTimeout!,
          );
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw stalled();
    const next = this.iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(stalled()), remaining);
    });
    // The read left pending after a timeout must not surface as an unhandled rejection.
    next.catch(() => undefined);
    try {
      return await Promise.race([next, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private truncated(offset: number, detail: string): IpcFramingError {
    return new IpcFramingError('truncated', offset, `${detail} (${this.buffered} byte(s) left over).`);
  }

  /** Pulls chunks until `n` bytes are buffered; false if the channel ended first. */
  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n) {
      if (this.ended) return false;
      const next = await this.nextChunk();
      if (next.done) {
        this.ended = true;
        return false;
      }
      const chunk = toBytes(next.value);
      if (chunk.length > 0) {
        this.chunks.push(chunk);
        this.buffered += chunk.length;
        if (this.armOnData) {
          this.armOnData = false;
          this.messageDeadline = this.deadlineFromNow();
        }
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
    // Every byte is written below, so the memory need not be zeroed first (its own ArrayBuffer, offset 0).
    const out = new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
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

function minDeadline(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`MessageFramer: the byte source yielded a ${typeof value}, expected Uint8Array/Buffer chunks.`);
}
