/**
 * Client logs of one RPC, held until the response is written: the wire puts log batches
 * before the result (or data batch) they belong to (vgi-wire §3.5).
 */
import type { ClientLogSink } from '../container/call-scope';
import type { LogRecord } from '../protocol';
import type { LogFields, LogLevel } from '../providers/logging';
import type { CallOptions } from '../worker/calls';

const WIRE_LEVEL: Readonly<Record<LogLevel, string>> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

/** `vgi_rpc.log_extra` is a JSON object of strings: anything else is rendered as text. */
function toExtra(fields: LogFields): Record<string, string> | null {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return null;
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'bigint') out[key] = value.toString();
    else if (value instanceof Uint8Array) out[key] = Buffer.from(value).toString('hex');
    else
      out[key] = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  }
  return out;
}

/**
 * Collects the records a call sends to DuckDB; `take()` hands them to the response encoder.
 */
export class ClientLogBuffer {
  private records: LogRecord[] = [];

  /** The sink the dispatcher routes this call's client logs to. */
  readonly sink: ClientLogSink = (level, message, fields) => {
    this.records.push({ level: WIRE_LEVEL[level] ?? String(level).toUpperCase(), message, extra: toExtra(fields) });
  };

  /** Call options routing client logs here. */
  readonly options: CallOptions = { clientLog: this.sink };

  /** The records collected since the last call, oldest first. */
  take(): LogRecord[] {
    const out = this.records;
    this.records = [];
    return out;
  }
}
