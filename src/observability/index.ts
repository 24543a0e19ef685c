export {
  type Instrumentation,
  type RpcCall,
  type RpcPhase,
  RPC_PHASES,
  NO_INSTRUMENTATION,
  observeCall,
} from './instrumentation';
export { Observability, type ObservabilityOptions, observabilityFromEnv } from './observability';
export {
  MetricsRegistry,
  type MetricLabels,
  LATENCY_BUCKETS_SECONDS,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics-registry';
export { loadOpenTelemetryApi, type OpenTelemetryApi, type ModuleLoader } from './otel-api';
export type {
  Attributes,
  AttributeValue,
  OtelTracer,
  OtelMeter,
  OtelSpan,
  OtelSpanContext,
  OtelSpanOptions,
  OtelContext,
  OtelTime,
} from './otel.types';
export { executionTraceContext, type ExecutionTraceContext } from './trace-ids';
export { TRACER, NOOP_TRACER, createSiloTracer, type SiloTracer, type SiloSpan } from './silo-tracer';
export { jsonLinesTracer, readSpanRecords, type SpanRecord } from './json-lines-tracer';
export { formatTimeline } from './timeline';
export { checkHealth, type HealthReport } from './health-check';
export { type StorageProfile, type OperationProfile, formatProfile, mergeProfiles } from './storage-profile';
