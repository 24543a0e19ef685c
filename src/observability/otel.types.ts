/**
 * The parts of `@opentelemetry/api` Silo uses, declared here so that Silo's published
 * types compile without the API installed (it is an optional peer). The API's own
 * `Tracer`, `Span` and `Meter` are assignable to these.
 */

/** An attribute value (`@opentelemetry/api`'s `AttributeValue`). */
export type AttributeValue =
  | string
  | number
  | boolean
  | Array<null | undefined | string>
  | Array<null | undefined | number>
  | Array<null | undefined | boolean>;

/** Span or metric attributes. */
export interface Attributes {
  [key: string]: AttributeValue | undefined;
}

/** A span's identity. */
export interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
}

/** A context (opaque to Silo). */
export type OtelContext = object;

/** A time as OpenTelemetry takes it: epoch milliseconds, `[seconds, nanos]`, or a Date. */
export type OtelTime = number | [number, number] | Date;

/** Options of a new span. */
export interface OtelSpanOptions {
  kind?: number;
  attributes?: Attributes;
  startTime?: OtelTime;
  root?: boolean;
}

/** A span (`@opentelemetry/api`'s `Span`). */
export interface OtelSpan {
  spanContext(): OtelSpanContext;
  setAttribute(key: string, value: AttributeValue): this;
  setAttributes(attributes: Attributes): this;
  addEvent(name: string, attributes?: Attributes): this;
  setStatus(status: { code: number; message?: string }): this;
  updateName(name: string): this;
  end(endTime?: OtelTime): void;
  isRecording(): boolean;
  recordException(exception: Error | string): void;
}

/** A tracer (`@opentelemetry/api`'s `Tracer`; pass `provider.getTracer(name)`). */
export interface OtelTracer {
  startSpan(name: string, options?: OtelSpanOptions, context?: OtelContext): OtelSpan;
}

/** A meter (`@opentelemetry/api`'s `Meter`; pass `provider.getMeter(name)`). */
export interface OtelMeter {
  createCounter(
    name: string,
    options?: { description?: string },
  ): { add(value: number, attributes?: Attributes): void };
  createHistogram(
    name: string,
    options?: { description?: string },
  ): { record(value: number, attributes?: Attributes): void };
  createObservableGauge(
    name: string,
    options?: { description?: string },
  ): { addCallback(callback: (result: { observe(value: number, attributes?: Attributes): void }) => void): void };
}

/** The `@opentelemetry/api` module, as far as Silo calls it. */
export interface OpenTelemetryApi {
  readonly trace: {
    getTracer(name: string, version?: string): OtelTracer;
    getSpanContext(context: OtelContext): OtelSpanContext | undefined;
    setSpanContext(context: OtelContext, spanContext: OtelSpanContext): OtelContext;
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
    /** The global provider: the API's proxy, whose delegate is the registered SDK's provider (a no-op one before). */
    getTracerProvider(): object;
  };
  /** The proxy provider class (absent from API builds that dropped it). */
  readonly ProxyTracerProvider?: new () => { getDelegate(): object };
  readonly context: {
    active(): OtelContext;
    with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
      context: OtelContext,
      fn: F,
      thisArg?: ThisParameterType<F>,
      ...args: A
    ): ReturnType<F>;
  };
  readonly metrics: { getMeter(name: string, version?: string): OtelMeter };
  readonly ROOT_CONTEXT: OtelContext;
  readonly TraceFlags: { readonly SAMPLED: number };
  readonly SpanKind: { readonly SERVER: number };
  readonly SpanStatusCode: { readonly ERROR: number };
}
