/**
 * Preloaded into worker processes (`node -r`): a minimal OpenTelemetry TracerProvider,
 * written against `@opentelemetry/api` alone, that appends every ended span as one JSON
 * line to `$SILO_TEST_SPAN_FILE` — what an SDK with a span exporter would do.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import {
  type Attributes,
  type AttributeValue,
  type Context,
  context,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/** One exported span, as the test reads it back. */
export interface ExportedSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly attributes: Record<string, AttributeValue>;
  readonly start: number;
  readonly end: number;
  readonly status: number;
  readonly pid: number;
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
    private readonly context: SpanContext,
    private readonly parentSpanId: string | null,
    options: SpanOptions,
    private readonly file: string,
  ) {
    this.start = toMs(options.startTime);
    if (options.attributes) this.setAttributes(options.attributes);
  }
  spanContext(): SpanContext {
    return this.context;
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
  addLink(_link: Link): this {
    return this;
  }
  addLinks(_links: Link[]): this {
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
    const span: ExportedSpan = {
      name: this.name,
      traceId: this.context.traceId,
      spanId: this.context.spanId,
      parentSpanId: this.parentSpanId,
      attributes: this.attributes,
      start: this.start,
      end: toMs(endTime),
      status: this.status,
      pid: process.pid,
    };
    appendFileSync(this.file, `${JSON.stringify(span)}\n`);
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(_exception: Exception): void {}
}

class FileTracer implements Tracer {
  constructor(private readonly file: string) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(ctx);
    const traceId = parent?.traceId ?? randomBytes(16).toString('hex');
    const spanContext: SpanContext = {
      traceId,
      spanId: randomBytes(8).toString('hex'),
      traceFlags: TraceFlags.SAMPLED,
    };
    return new FileSpan(name, spanContext, parent?.spanId ?? null, options, this.file);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = (rest.length > 1 ? rest[0] : {}) as SpanOptions;
    const ctx = (rest.length > 2 ? rest[1] : context.active()) as Context;
    const span = this.startSpan(name, options, ctx);
    return context.with(trace.setSpan(ctx, span), () => fn(span)) as ReturnType<F>;
  }
}

const file = process.env.SILO_TEST_SPAN_FILE;
if (file) trace.setGlobalTracerProvider({ getTracer: () => new FileTracer(file) });
