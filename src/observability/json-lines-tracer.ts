/**
 * A tracer that appends every ended span as one JSON line to a file: what `silo run
 * --trace` has its worker processes write (`SILO_TRACE_FILE`), and reads back to print
 * the run's timeline. Written against `@opentelemetry/api`'s interfaces; no SDK.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import type { OpenTelemetryApi } from './otel-api';
import type {
  Attributes,
  AttributeValue,
  OtelContext as Context,
  OtelSpan as Span,
  OtelSpanContext as SpanContext,
  OtelSpanOptions as SpanOptions,
  OtelTime as TimeInput,
  OtelTracer as Tracer,
} from './otel.types';

type SpanStatus = { code: number; message?: string };

/** One span as a line of the file. */
export interface SpanRecord {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  /** Epoch milliseconds. */
  readonly start: number;
  readonly end: number;
  readonly pid: number;
  /** 0 unset, 1 ok, 2 error (OpenTelemetry's `SpanStatusCode`). */
  readonly status: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

const toMs = (t: TimeInput | undefined): number => {
  if (t === undefined) return Date.now();
  if (typeof t === 'number') return t;
  if (t instanceof Date) return t.getTime();
  return t[0] * 1000 + t[1] / 1e6;
};

class FileSpan implements Span {
  private readonly attributes: Record<string, AttributeValue> = {};
  private status = 0;
  private ended = false;
  private readonly start: number;

  constructor(
    private name: string,
    private readonly ctx: SpanContext,
    private readonly parentSpanId: string | null,
    options: SpanOptions,
    private readonly file: string,
  ) {
    this.start = toMs(options.startTime);
    if (options.attributes) this.setAttributes(options.attributes);
  }
  spanContext(): SpanContext {
    return this.ctx;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    for (const [k, v] of Object.entries(attributes)) if (v !== undefined) this.attributes[k] = v;
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status.code;
    return this;
  }
  updateName(name: string): this {
    this.name = name;
    return this;
  }
  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    const record: SpanRecord = {
      name: this.name,
      traceId: this.ctx.traceId,
      spanId: this.ctx.spanId,
      parentSpanId: this.parentSpanId,
      start: this.start,
      end: toMs(endTime),
      pid: process.pid,
      status: this.status,
      attributes: this.attributes,
    };
    // One short append per span: lines of concurrent processes do not interleave.
    appendFileSync(this.file, `${JSON.stringify(record)}\n`);
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(): void {}
}

/**
 * A tracer writing JSON lines to `file`.
 */
export function jsonLinesTracer(api: OpenTelemetryApi, file: string): Tracer {
  const startSpan = (name: string, options: SpanOptions = {}, ctx: Context = api.context.active()): Span => {
    const parent = options.root ? undefined : api.trace.getSpanContext(ctx);
    const spanContext: SpanContext = {
      traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      traceFlags: api.TraceFlags.SAMPLED,
    };
    return new FileSpan(name, spanContext, parent?.spanId ?? null, options, file);
  };
  return { startSpan };
}

/**
 * The spans of a file written by {@link jsonLinesTracer} (unreadable lines skipped).
 */
export function readSpanRecords(file: string): SpanRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const spans: SpanRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      spans.push(JSON.parse(line) as SpanRecord);
    } catch {
      // A line cut short by a process that died mid-write.
    }
  }
  return spans;
}
