/**
 * Errors of the Arrow IPC byte layer. They carry stable `SILO4xx` codes (wire and
 * protocol range) and say what was wrong with the bytes and how to fix the sender.
 */
import type { SiloErrorCode } from '../errors/error-codes';
import { SiloError } from '../errors/silo.error';

/** Why a byte channel could not be read as consecutive Arrow IPC streams. */
type IpcFramingFailure =
  /** The channel ended inside a message or before a stream's end-of-stream marker. */
  | 'truncated'
  /** A length prefix is negative, or a continuation marker is malformed. */
  | 'bad-prefix'
  /** A length prefix is larger than the configured limit. */
  | 'too-large'
  /** The flatbuffer `Message` could not be decoded or is not a schema, dictionary or batch. */
  | 'bad-message'
  /** Messages arrived in an order a stream cannot have (e.g. a batch before the schema). */
  | 'bad-sequence'
  /** A message started arriving but did not finish within the read timeout. */
  | 'timeout';

/**
 * The bytes on a channel are not a well-formed sequence of Arrow IPC streams.
 */
export class IpcFramingError extends SiloError {
  constructor(
    /** The kind of malformation, stable for matching. */
    readonly failure: IpcFramingFailure,
    /** Byte offset on the channel where the bad message starts. */
    readonly offset: number,
    detail: string,
    options?: { cause?: unknown; code?: SiloErrorCode; heading?: string },
  ) {
    super(
      options?.code ?? 'SILO410',
      `${options?.heading ?? 'Arrow IPC framing error'} at byte ${offset}: ${detail}`,
      options,
    );
  }
}

/**
 * A flatbuffer `Message` failed Silo's bounds checks before apache-arrow could read it: an
 * offset or vector length outside the message, a buffer outside the body, a column length
 * its buffers cannot hold. Reading such bytes as they declare could take unbounded time
 * and memory, so they are refused unread.
 */
export class MalformedIpcMessageError extends IpcFramingError {
  constructor(offset: number, detail: string, subject?: string) {
    super(
      'bad-message',
      offset,
      `${subject === undefined ? '' : `${subject}: `}${detail}. The sender wrote a corrupt Arrow IPC message (or one altered in transit); send messages produced by an Arrow IPC writer.`,
      { code: 'SILO413', heading: 'Malformed Arrow IPC message' },
    );
  }
}

/**
 * A request on a byte channel is larger than the worker buffers for one request. Refused
 * as soon as a length prefix announces it, before its bytes are read.
 */
export class IpcRequestTooLargeError extends IpcFramingError {
  constructor(
    offset: number,
    detail: string,
    readonly limit: number,
  ) {
    super(
      'too-large',
      offset,
      `${detail}, over the limit of ${limit} bytes per request (SILO_MAX_REQUEST_BYTES). Send smaller requests (split the input into more batches), or raise SILO_MAX_REQUEST_BYTES on the worker.`,
      { code: 'SILO414', heading: 'Request too large' },
    );
  }
}

/**
 * A message (or a request stream) started arriving and then stalled for longer than the
 * read timeout; its bytes would otherwise stay buffered for as long as the client waits.
 */
export class IpcReadTimeoutError extends IpcFramingError {
  constructor(
    offset: number,
    detail: string,
    readonly timeoutMs: number,
  ) {
    super(
      'timeout',
      offset,
      `${detail} within ${timeoutMs} ms (SILO_READ_TIMEOUT_MS). Write each request in one go; a client that pauses inside a message is cut off. Raise SILO_READ_TIMEOUT_MS if the link is that slow.`,
      { code: 'SILO415', heading: 'Read timeout' },
    );
  }
}

/**
 * A record batch does not have the schema of the stream it is written to. The
 * `apache-arrow` stream writer would silently close the stream here; Silo refuses loudly.
 */
export class IpcSchemaMismatchError extends SiloError {
  constructor(
    /** Which stream or record the batch was meant for. */
    readonly subject: string,
    /** The first difference found, e.g. `field 1 "name": nullable differs (expected false, got true)`. */
    readonly difference: string,
  ) {
    super(
      'SILO411',
      `${subject}: the record batch does not match the stream's schema (${difference}). ` +
        'Build the batch on the stream schema object (makeRecordBatch(schema, ...)) or convert it with conformBatchToSchema().',
    );
  }
}

/**
 * JS values cannot be encoded as an Arrow column of the requested type.
 */
export class ArrowValueError extends SiloError {
  constructor(
    /** Where the value was going, e.g. `column "k"` or `field "tags"`. */
    readonly subject: string,
    detail: string,
  ) {
    super('SILO412', `${subject}: ${detail}`);
  }
}
