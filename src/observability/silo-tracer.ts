/**
 * The tracer user code injects (`@Inject(TRACER)`): child spans of the RPC that runs the
 * hook, in the execution's trace. A no-op when tracing is off or `@opentelemetry/api` is
 * not installed, so functions can trace unconditionally.
 */
import type { Attributes, AttributeValue, OtelSpan as Span } from './otel.types';
import { createToken, type Token } from '../container/tokens';
import type { Observability } from './observability';

/** A span user code writes to. */
export interface SiloSpan {
  setAttribute(key: string, value: AttributeValue): void;
  addEvent(name: string, attributes?: Attributes): void;
  /** The span's OpenTelemetry span, when tracing is on (to hand to other instrumented libraries). */
  readonly otelSpan: Span | undefined;
}

/** Opens child spans of the current call. */
export interface SiloTracer {
  /** Whether spans are recorded at all. */
  readonly enabled: boolean;
  /**
   * Runs `fn` in a new span, a child of the current RPC's span (or of the enclosing
   * `span()`); ends it when `fn` settles, marked failed when it throws.
   */
  span<T>(name: string, fn: (span: SiloSpan) => T | Promise<T>, attributes?: Attributes): Promise<T>;
}

/**
 * The tracer of the worker: inject it to trace your own steps.
 *
 * @example
 * ```ts
 * constructor(@Inject(TRACER) private readonly tracer: SiloTracer) {}
 * async combine(ids: Uint8Array[], ctx: SinkContext) {
 *   return this.tracer.span('merge runs', async (span) => { span.setAttribute('runs', ids.length); return this.merge(ids); });
 * }
 * ```
 */
export const TRACER: Token<SiloTracer> = createToken<SiloTracer>('silo:TRACER');

const NOOP_SPAN: SiloSpan = Object.freeze({
  setAttribute: () => undefined,
  addEvent: () => undefined,
  otelSpan: undefined,
});

/** A tracer that records nothing. */
export const NOOP_TRACER: SiloTracer = Object.freeze({
  enabled: false,
  span: async <T>(_name: string, fn: (span: SiloSpan) => T | Promise<T>) => fn(NOOP_SPAN),
});

/**
 * The {@link SiloTracer} of a worker's observability.
 */
export function createSiloTracer(observability: Observability | undefined): SiloTracer {
  if (!observability?.mayTrace) return NOOP_TRACER;
  return {
    // The API is loaded once an SDK registers (see Observability.tracer): asked per use.
    get enabled(): boolean {
      return observability.tracer !== undefined;
    },
    async span<T>(name: string, fn: (span: SiloSpan) => T | Promise<T>, attributes?: Attributes): Promise<T> {
      const api = observability.api;
      const tracer = observability.tracer;
      if (!api || !tracer) return fn(NOOP_SPAN);
      const outer = observability.active.getStore();
      const base = api.context.active();
      const parent = outer?.span ? api.trace.setSpan(base, outer.span) : base;
      const span = tracer.startSpan(name, { attributes }, parent);
      const handle: SiloSpan = {
        setAttribute: (k, v) => void span.setAttribute(k, v),
        addEvent: (n, a) => void span.addEvent(n, a),
        otelSpan: span,
      };
      try {
        const value = await observability.active.run({ call: outer?.call, span }, () =>
          api.context.with(api.trace.setSpan(parent, span), () => fn(handle)),
        );
        span.end();
        return value;
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({
          code: api.SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        span.end();
        throw error;
      }
    },
  };
}
