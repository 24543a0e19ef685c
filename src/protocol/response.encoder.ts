/**
 * Server side: response streams (vgi-wire §3.3–§3.8). Unary results, void results, log and
 * error batches, the `init` header stream and the `init` output streams, each stamped with
 * `vgi_rpc.server_id` and the echoed `vgi_rpc.request_id`.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { concatBytes } from '../common/bytes';
import { EMPTY_SCHEMA, encodeSingleRowStream, IpcStreamWriter, makeEmptyBatch, makeRowsBatch } from '../arrow';
import { type LogRecord } from './batch-classifier';
import { makeGlobalInitResponseBatch } from './init.codec';
import { GLOBAL_INIT_RESPONSE_SCHEMA, RESULT_BINARY_SCHEMA } from './lifecycle.schema';
import { type MethodName, methodSpec, outerResultSchema, type ProtocolSpec } from './method-table';
import { type RequestRefusal } from './request.types';
import { type GlobalInitResponse } from './records.types';
import { encodeResultRecord, type ResultInputs } from './unary-result.codec';
import { EXCEPTION_LEVEL, MetadataKey } from './wire.constants';

/** Who answers and to which request: stamped on every response batch. */
export interface ResponseContext {
  readonly serverId: string;
  readonly requestId: string | null;
  /** The protocol version the request came in (its records shape the answer). Default vgi.v2. */
  readonly protocol?: ProtocolSpec;
}

/** An exception as an error batch carries it. */
interface ErrorDescription {
  readonly exceptionType: string;
  readonly exceptionMessage: string;
  readonly traceback: string;
  readonly errorKind: string | null;
}

/**
 * How a thrown value is reported: its exception type, own message, stack and error kind.
 * Honours `exceptionType` / `exceptionMessage` / `traceback` / `errorKind` properties
 * (Silo's wire errors and user-code wrappers carry them).
 */
function describeError(error: unknown): ErrorDescription {
  if (!(error instanceof Error)) {
    return { exceptionType: 'Error', exceptionMessage: String(error), traceback: '', errorKind: null };
  }
  const e = error as Error & Partial<Record<'exceptionType' | 'exceptionMessage' | 'traceback' | 'errorKind', unknown>>;
  const name = error.name && error.name !== 'Error' ? error.name : error.constructor.name;
  return {
    exceptionType: typeof e.exceptionType === 'string' && e.exceptionType !== '' ? e.exceptionType : name,
    exceptionMessage: typeof e.exceptionMessage === 'string' ? e.exceptionMessage : error.message,
    traceback: typeof e.traceback === 'string' ? e.traceback : (error.stack ?? ''),
    errorKind: typeof e.errorKind === 'string' && e.errorKind !== '' ? e.errorKind : null,
  };
}

/**
 * The metadata every response batch carries.
 */
function responseMetadata(ctx: ResponseContext, extra?: Iterable<[string, string]>): Map<string, string> {
  const out = new Map<string, string>(extra ?? []);
  out.set(MetadataKey.serverId, ctx.serverId);
  if (ctx.requestId !== null) out.set(MetadataKey.requestId, ctx.requestId);
  return out;
}

/**
 * A 0-row log batch on `schema` (vgi-wire §3.5).
 */
function makeLogBatch(schema: Schema, log: LogRecord, ctx: ResponseContext): RecordBatch {
  const entries: [string, string][] = [
    [MetadataKey.logLevel, log.level],
    [MetadataKey.logMessage, log.message],
  ];
  if (log.extra) entries.push([MetadataKey.logExtra, JSON.stringify(log.extra)]);
  return makeEmptyBatch(schema, responseMetadata(ctx, entries));
}

/**
 * A 0-row error batch on `schema` (vgi-wire §3.6): level `EXCEPTION`, `"<Type>: <message>"`,
 * a JSON extra with `exception_type`, `exception_message`, `traceback` (and `error_kind`).
 */
function makeErrorBatch(schema: Schema, error: unknown, ctx: ResponseContext): RecordBatch {
  const d = describeError(error);
  const extra: Record<string, string> = {
    exception_type: d.exceptionType,
    exception_message: d.exceptionMessage,
    traceback: d.traceback,
  };
  const entries: [string, string][] = [
    [MetadataKey.logLevel, EXCEPTION_LEVEL],
    [MetadataKey.logMessage, `${d.exceptionType}: ${d.exceptionMessage}`],
  ];
  if (d.errorKind !== null) {
    extra.error_kind = d.errorKind;
    entries.push([MetadataKey.errorKind, d.errorKind]);
  }
  entries.push([MetadataKey.logExtra, JSON.stringify(extra)]);
  return makeEmptyBatch(schema, responseMetadata(ctx, entries));
}

/**
 * The result batch of a unary method: 1 row `result: binary!` holding its nested result
 * record, or a 0-row batch on the empty schema for void methods (`record` null).
 */
function makeUnaryResultBatch(record: Uint8Array | null, ctx: ResponseContext): RecordBatch {
  if (record === null) return makeEmptyBatch(EMPTY_SCHEMA, responseMetadata(ctx));
  return makeRowsBatch(RESULT_BINARY_SCHEMA, [{ result: record }], responseMetadata(ctx));
}

/**
 * One response stream, batch by batch. Each call returns the bytes to write now.
 */
export class ResponseStreamEncoder {
  private readonly writer: IpcStreamWriter;

  constructor(
    readonly schema: Schema,
    private readonly ctx: ResponseContext,
    subject = 'response stream',
  ) {
    this.writer = new IpcStreamWriter(schema, subject);
  }

  /** The schema message (eager form); later calls return empty bytes. */
  start(): Uint8Array {
    return this.writer.start();
  }

  /** A data batch (checked against, and re-bound onto, the stream schema). Its metadata is kept. */
  data(batch: RecordBatch): Uint8Array {
    return this.writer.write(batch);
  }

  /** A log batch. */
  log(log: LogRecord): Uint8Array {
    return this.writer.write(makeLogBatch(this.schema, log, this.ctx));
  }

  /** An error batch; follow it with {@link end}. */
  error(error: unknown): Uint8Array {
    return this.writer.write(makeErrorBatch(this.schema, error, this.ctx));
  }

  /** The HTTP continuation batch: 0 rows, `vgi_rpc.stream_state#b64` (+ `call_state#b64`). */
  stateToken(streamState: string, callState: string | null = null): Uint8Array {
    const entries: [string, string][] = [[MetadataKey.streamState, streamState]];
    if (callState !== null) entries.push([MetadataKey.callState, callState]);
    return this.writer.write(makeEmptyBatch(this.schema, responseMetadata(this.ctx, entries)));
  }

  /** The end-of-stream marker (with the schema first if nothing was written). */
  end(): Uint8Array {
    return this.writer.end();
  }
}

function whole(
  schema: Schema,
  ctx: ResponseContext,
  logs: readonly LogRecord[],
  last: RecordBatch,
  subject: string,
): Uint8Array {
  const out = new ResponseStreamEncoder(schema, ctx, subject);
  return concatBytes(out.start(), ...logs.map((l) => out.log(l)), out.data(last), out.end());
}

/**
 * A complete unary response stream: logs, the result batch, EOS.
 */
export function encodeUnaryResponse<M extends MethodName>(
  method: M,
  value: ResultInputs[M],
  ctx: ResponseContext,
  logs: readonly LogRecord[] = [],
): Uint8Array {
  const schema = outerResultSchema(methodSpec(method, ctx.protocol));
  const record = encodeResultRecord(method, value, ctx.protocol);
  // The usual answer, one `result` cell and no logs, is written directly.
  const direct =
    logs.length === 0 && record !== null && schema === RESULT_BINARY_SCHEMA
      ? encodeSingleRowStream(schema, [record], { metadata: responseMetadata(ctx) })
      : null;
  return direct ?? whole(schema, ctx, logs, makeUnaryResultBatch(record, ctx), `result of ${method}`);
}

/**
 * A complete error stream on `schema`: logs, the error batch, EOS.
 */
export function encodeErrorResponse(
  schema: Schema,
  error: unknown,
  ctx: ResponseContext,
  logs: readonly LogRecord[] = [],
): Uint8Array {
  return whole(schema, ctx, logs, makeErrorBatch(schema, error, ctx), 'error response');
}

/**
 * The error stream answering a refused request, on the schema the refusal names.
 */
export function encodeRefusal(refusal: RequestRefusal, serverId: string): Uint8Array {
  return encodeErrorResponse(refusal.responseSchema, refusal.error, { serverId, requestId: refusal.requestId });
}

/**
 * The `init` header stream: logs, one GlobalInitResponse row, EOS (vgi-wire §4.9).
 */
export function encodeInitHeader(
  header: Pick<GlobalInitResponse, 'executionId'> & {
    readonly opaqueData?: Uint8Array | null;
    readonly maxWorkers?: bigint | number;
  },
  ctx: ResponseContext,
  logs: readonly LogRecord[] = [],
): Uint8Array {
  return whole(
    GLOBAL_INIT_RESPONSE_SCHEMA,
    ctx,
    logs,
    makeGlobalInitResponseBatch(header, responseMetadata(ctx)),
    'init header',
  );
}

/**
 * The error stream written in place of the `init` header (on the header schema, as the
 * reference SDK does).
 */
export function encodeInitError(error: unknown, ctx: ResponseContext, logs: readonly LogRecord[] = []): Uint8Array {
  return encodeErrorResponse(GLOBAL_INIT_RESPONSE_SCHEMA, error, ctx, logs);
}
