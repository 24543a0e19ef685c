/**
 * What a batch on a response (or input) stream is, from its row count and custom metadata
 * (vgi-wire §3.7): data, a log, an error, an HTTP state token or an external pointer.
 */
import { type RecordBatch } from 'apache-arrow';
import { RemoteError } from './protocol.error';
import { EXCEPTION_LEVEL, MetadataKey } from './wire.constants';

/** A log batch's content. */
export interface LogRecord {
  /** `ERROR`, `WARN`, `INFO`, `DEBUG` or `TRACE` (other peers' levels pass through). */
  readonly level: string;
  readonly message: string;
  /** `vgi_rpc.log_extra`: a JSON object of strings. */
  readonly extra?: Readonly<Record<string, string>> | null;
}

/** The classification of one batch. */
export type BatchClass =
  | { readonly kind: 'data'; readonly batch: RecordBatch }
  | { readonly kind: 'log'; readonly log: LogRecord; readonly batch: RecordBatch }
  | { readonly kind: 'error'; readonly error: RemoteError; readonly batch: RecordBatch }
  | {
      readonly kind: 'state-token';
      readonly streamState: string;
      readonly callState: string | null;
      readonly batch: RecordBatch;
    }
  | { readonly kind: 'external'; readonly location: string; readonly batch: RecordBatch };

/**
 * Classifies one batch the way every VGI reader does.
 */
export function classifyBatch(batch: RecordBatch): BatchClass {
  const metadata = batch.metadata;
  if (batch.numRows > 0 || metadata.size === 0) return { kind: 'data', batch };
  const level = metadata.get(MetadataKey.logLevel);
  if (level !== undefined) {
    if (level === EXCEPTION_LEVEL) return { kind: 'error', error: remoteErrorFrom(metadata), batch };
    return {
      kind: 'log',
      log: {
        level,
        message: metadata.get(MetadataKey.logMessage) ?? '',
        extra: parseExtra(metadata.get(MetadataKey.logExtra)),
      },
      batch,
    };
  }
  const location = metadata.get(MetadataKey.location);
  if (location !== undefined) return { kind: 'external', location, batch };
  const streamState = metadata.get(MetadataKey.streamState);
  if (streamState !== undefined) {
    return { kind: 'state-token', streamState, callState: metadata.get(MetadataKey.callState) ?? null, batch };
  }
  return { kind: 'data', batch };
}

/**
 * True for a producer tick (or `/exchange` continuation) asking the stream to stop.
 */
export function isCancelRequest(batch: RecordBatch): boolean {
  return batch.metadata.has(MetadataKey.cancel);
}

/**
 * Rebuilds the remote exception carried by an error batch's metadata.
 */
export function remoteErrorFrom(metadata: ReadonlyMap<string, string>): RemoteError {
  const logMessage = metadata.get(MetadataKey.logMessage) ?? '';
  const extra = parseLoose(metadata.get(MetadataKey.logExtra));
  const split = /^([^:\s]+): ([\s\S]*)$/.exec(logMessage);
  const exceptionType = str(extra.exception_type) ?? split?.[1] ?? 'Error';
  const exceptionMessage = str(extra.exception_message) ?? split?.[2] ?? logMessage;
  const errorKind = metadata.get(MetadataKey.errorKind) ?? str(extra.error_kind) ?? null;
  return new RemoteError(exceptionType, exceptionMessage, str(extra.traceback) ?? '', errorKind, logMessage);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function parseLoose(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    // A peer's malformed extra must not hide the log or error itself.
    return {};
  }
}

function parseExtra(text: string | undefined): Record<string, string> | null {
  if (text === undefined) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parseLoose(text))) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}
