/**
 * Preloaded into the benchmark's worker (`node -r`): a TracerProvider written against
 * `@opentelemetry/api` whose spans record like an SDK's (ids, attributes, status, times)
 * and whose exporter drops them — tracing fully on, minus the export.
 */
import { randomBytes } from 'node:crypto';
import {
  type Attributes,
  type AttributeValue,
  type Context,
  context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';

let exported = 0;

class RecordingSpan implements Span {
  readonly attributes: Record<string, AttributeValue> = {};
  status: SpanStatus = { code: 0 };
  ended = false;
  endTime: TimeInput | undefined;
  constructor(
    public name: string,
    private readonly ctx: SpanContext,
    readonly parentSpanId: string | undefined,
    readonly startTime: TimeInput,
    attributes: Attributes | undefined,
  ) {
    if (attributes) this.setAttributes(attributes);
  }
  spanContext(): SpanContext {
    return this.ctx;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    for (const k in attributes) if (attributes[k] !== undefined) this.attributes[k] = attributes[k];
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
    this.status = status;
    return this;
  }
  updateName(name: string): this {
    this.name = name;
    return this;
  }
  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.endTime = endTime ?? Date.now();
    exported++; // the no-op exporter
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(): void {}
}

const tracer: Tracer = {
  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    const parent = trace.getSpanContext(ctx);
    const spanContext = {
      traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      traceFlags: TraceFlags.SAMPLED,
    };
    return new RecordingSpan(name, spanContext, parent?.spanId, options.startTime ?? Date.now(), options.attributes);
  },
  startActiveSpan(name: string, ...rest: unknown[]): never {
    const fn = rest[rest.length - 1] as (span: Span) => never;
    const span = this.startSpan(name, (rest.length > 1 ? rest[0] : {}) as SpanOptions);
    return context.with(trace.setSpan(context.active(), span), () => fn(span));
  },
};

trace.setGlobalTracerProvider({ getTracer: () => tracer });
process.on('exit', () => {
  if (process.env.SILO_BENCH_SPANS_REPORT) process.stderr.write(`spans exported: ${exported}\n`);
});
