export { type Instrumentation, type RpcCall, type RpcPhase, RPC_PHASES, NO_INSTRUMENTATION, observeCall } from './instrumentation';
export { Observability, type ObservabilityOptions, observabilityFromEnv } from './observability';
export { MetricsRegistry, type MetricLabels, LATENCY_BUCKETS_SECONDS, PROMETHEUS_CONTENT_TYPE } from './metrics-registry';
export { loadOpenTelemetryApi, type OpenTelemetryApi, type ModuleLoader } from './otel-api';
export { executionTraceContext, type ExecutionTraceContext } from './trace-ids';
export { TRACER, NOOP_TRACER, createSiloTracer, type SiloTracer, type SiloSpan } from './silo-tracer';
export { type StorageProfile, type OperationProfile, formatProfile, mergeProfiles } from './storage-profile';
