import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  type Context,
  context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import * as otel from '@opentelemetry/api';
import { SiloError } from '../../../src/errors';
import {
  createSiloTracer,
  executionTraceContext,
  NO_INSTRUMENTATION,
  Observability,
  observabilityFromEnv,
  observeCall,
} from '../../../src/observability';
import { MemoryLogger } from '../../../src/providers/logging';
import { MemoryStorage } from '../../../src/providers/storage/memory-storage.provider';
import { BoundStorage } from '../../../src/providers/storage/bound-storage';

interface Finished {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly attributes: Record<string, AttributeValue>;
  readonly status: number;
}

/** An in-memory tracer written against the API: every ended span lands in `finished`. */
function memoryTracer(finished: Finished[]): Tracer {
  const startSpan = (name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span => {
    const parent = trace.getSpanContext(ctx);
    const sc: SpanContext = {
      traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      traceFlags: TraceFlags.SAMPLED,
    };
    const attributes: Record<string, AttributeValue> = { ...(options.attributes as Record<string, AttributeValue>) };
    let status = 0;
    let ended = false;
    const span: Span = {
      spanContext: () => sc,
      setAttribute: (k, v) => ((attributes[k] = v), span),
      setAttributes: (a) => (Object.assign(attributes, a), span),
      addEvent: () => span,
      addLink: () => span,
      addLinks: () => span,
      setStatus: (s: SpanStatus) => ((status = s.code), span),
      updateName: () => span,
      end: () => {
        if (!ended)
          finished.push({
            name,
            traceId: sc.traceId,
            spanId: sc.spanId,
            parentSpanId: parent?.spanId,
            attributes,
            status,
          });
        ended = true;
      },
      isRecording: () => !ended,
      recordException: () => undefined,
    };
    return span;
  };
  return {
    startSpan,
    startActiveSpan: (() => {
      throw new Error('not used');
    }) as Tracer['startActiveSpan'],
  };
}

const absentApi = () => {
  throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' });
};

describe('Observability', () => {
  const executionId = new Uint8Array(randomBytes(16));

  it('should trace nothing, and let functions trace anyway, when @opentelemetry/api is not installed', async () => {
    const observability = new Observability({ tracing: true, loadApi: absentApi });
    expect(observability.tracing).toBe(false);
    const tracer = createSiloTracer(observability);
    expect(tracer.enabled).toBe(false);
    const value = await observeCall(observability, 'combine', 'f', executionId, () =>
      tracer.span('inner', async (span) => (span.setAttribute('k', 1), 42)),
    );
    expect(value).toBe(42);
    // Metrics need no API.
    expect(observability.metrics!.value('silo_calls_total', { function: 'f', phase: 'combine' })).toBe(1);
  });

  it('should make each call a span of the execution trace, with user spans nested under it and failures marked', async () => {
    const finished: Finished[] = [];
    const observability = new Observability({ tracer: memoryTracer(finished), metrics: true });
    const user = createSiloTracer(observability);
    await observeCall(observability, 'combine', 'f', executionId, (call) => {
      call?.addInput(10, 80);
      return user.span('outer', () => user.span('inner', () => 'done'));
    });
    const failure = new SiloError('SILO513', 'boom');
    await expect(observeCall(observability, 'process', 'f', executionId, () => Promise.reject(failure))).rejects.toBe(
      failure,
    );

    const { traceId, spanId } = executionTraceContext(executionId);
    const combine = finished.find((s) => s.name === 'silo.combine')!;
    expect(combine).toMatchObject({
      traceId,
      parentSpanId: spanId,
      attributes: { 'silo.function': 'f', 'silo.phase': 'combine', 'silo.rows_in': 10, 'silo.bytes_in': 80 },
    });
    const outer = finished.find((s) => s.name === 'outer')!;
    expect(outer.parentSpanId).toBe(combine.spanId);
    expect(finished.find((s) => s.name === 'inner')!.parentSpanId).toBe(outer.spanId);
    const failed = finished.find((s) => s.name === 'silo.process')!;
    expect(failed.status).toBe(2);
    expect(failed.attributes['silo.error.code']).toBe('SILO513');
    expect(
      observability.metrics!.value('silo_call_errors_total', { function: 'f', phase: 'process', code: 'SILO513' }),
    ).toBe(1);
  });

  it('should neither load the API nor start a span while no SDK is registered, and trace once one is', async () => {
    const loaded: string[] = [];
    const observability = new Observability({
      metrics: true,
      loadApi: (id) => (loaded.push(id), otel),
    });
    const user = createSiloTracer(observability);
    const started: string[] = [];
    const proxy = trace.getTracer('vgi-silo');
    const startSpan = jest.spyOn(Object.getPrototypeOf(proxy) as Tracer, 'startSpan');
    try {
      expect(observability.tracing).toBe(false);
      expect(user.enabled).toBe(false);
      await observeCall(observability, 'process', 'f', executionId, () => user.span('inner', () => 1));
      await observeCall(observability, 'sink_init', 'f', undefined, async (call) => call?.setExecution(executionId));
      expect(startSpan).not.toHaveBeenCalled();
      expect(loaded).toEqual([]);
      expect(observability.metrics!.value('silo_calls_total', { function: 'f', phase: 'process' })).toBe(1);

      const finished: Finished[] = [];
      const sdk = memoryTracer(finished);
      trace.setGlobalTracerProvider({
        getTracer: (name: string) => {
          started.push(name);
          return sdk;
        },
      });
      await observeCall(observability, 'combine', 'f', executionId, () => user.span('inner', () => 2));
      expect(loaded).toEqual(['@opentelemetry/api']);
      expect(observability.tracing).toBe(true);
      expect(user.enabled).toBe(true);
      expect(started).toEqual(['vgi-silo']);
      expect(finished.map((s) => s.name)).toEqual(['inner', 'silo.combine']);
      expect(finished[0].parentSpanId).toBe(finished[1].spanId);
      expect(finished[1].traceId).toBe(executionTraceContext(executionId).traceId);
    } finally {
      startSpan.mockRestore();
      trace.disable();
    }
  });

  it('should start the span of a primary sink init in the trace of the execution it mints', async () => {
    const finished: Finished[] = [];
    const observability = new Observability({ tracer: memoryTracer(finished) });
    await observeCall(observability, 'sink_init', 'f', undefined, async (call) => call?.setExecution(executionId));
    expect(finished[0].traceId).toBe(executionTraceContext(executionId).traceId);
  });

  it('should charge storage time to the call that spent it', async () => {
    const finished: Finished[] = [];
    const observability = new Observability({ tracer: memoryTracer(finished) });
    const storage = observability.wrapStorage(new MemoryStorage());
    const scope = { kind: 'execution' as const, id: executionId };
    await observeCall(observability, 'process', 'f', executionId, async () => {
      await storage.renewLease(scope, 60_000);
      await storage.scopeStatus(scope);
    });
    expect(finished[0].attributes['silo.storage.operations']).toBe(2);
    expect(observability.metrics!.value('silo_storage_operations_total', { operation: 'scopeStatus' })).toBe(1);
  });

  it('should merge the storage profiles of every process of an execution and log them at the destructor', async () => {
    const shared = new MemoryStorage();
    const logs = new MemoryLogger();
    const scope = { kind: 'execution' as const, id: executionId };
    await shared.renewLease(scope, 60_000);
    // Two processes on one storage: a sink process and the one that runs the destructor.
    const sink = new Observability({ tracing: false, storageProfile: true, logger: () => logs });
    const last = new Observability({ tracing: false, storageProfile: true, logger: () => logs });
    const sinkStorage = BoundStorage.forUser(sink.wrapStorage(shared), scope);
    const lastStorage = BoundStorage.forUser(last.wrapStorage(shared), scope);
    await observeCall(sink, 'process', 'f', executionId, () => sinkStorage.put('rows', 'a', new Uint8Array(100)));
    await observeCall(last, 'finalize_tick', 'f', executionId, () => lastStorage.get('rows', 'a'));
    await last.executionEnding(executionId);

    const record = logs.records.find((r) => r.fields.event === 'storage_profile')!;
    expect(record.level).toBe('info');
    expect(record.fields.execution).toBe(Buffer.from(executionId).toString('hex'));
    const profile = record.fields.profile as Record<string, { count: number; bytes: number; ms: number }>;
    expect(profile.put).toMatchObject({ count: 1 });
    expect(profile.put.bytes).toBeGreaterThanOrEqual(100);
    expect(profile.get).toMatchObject({ count: 1 });
    expect(profile.get.bytes).toBeGreaterThanOrEqual(100);
    expect(record.message).toMatch(/operation\s+calls\s+bytes\s+ms/);
  });

  it('should read its switches from the environment', () => {
    expect(observabilityFromEnv({})).toEqual({ tracing: 'auto', metrics: true, storageProfile: false });
    expect(observabilityFromEnv({ SILO_TRACING: 'off', SILO_METRICS: '0', SILO_STORAGE_PROFILE: '1' })).toEqual({
      tracing: false,
      metrics: false,
      storageProfile: true,
    });
  });

  it('should let the default instrumentation observe nothing', async () => {
    expect(NO_INSTRUMENTATION.begin('process', 'f', executionId)).toBeUndefined();
    expect(await observeCall(NO_INSTRUMENTATION, 'process', 'f', executionId, async (call) => call)).toBeUndefined();
  });
});
