/**
 * How DuckDB drives a table-buffering function: the rules and the sink driver shared by
 * the TestBed (in-process) and the client (over the wire).
 */
export {
  DEFAULT_BATCHES_PER_MORSEL,
  type DriveFlags,
  type DriveOptions,
  type DrivePlan,
  finalizeParallelism,
  nullableSchema,
  planDrive,
  planProjection,
  type ProjectionPlan,
  VECTOR_SIZE,
  vectorCount,
  vectorsOf,
  withinLimit,
} from './drive.rules';
export { RunConfigurationError } from './run-configuration.error';
export { driveSink, type SinkCalls, type SinkOutcome, type SinkPlan } from './sink-driver';
