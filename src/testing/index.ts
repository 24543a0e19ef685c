/**
 * `vgi-silo/testing`: run functions in-process the way DuckDB runs them in worker
 * processes, swap providers in one line, and check storage backends.
 */
import 'reflect-metadata';

export {
  createTestingWorker,
  TestingWorkerBuilder,
  type TestingWorkerOptions,
  type OverrideBy,
} from './testing-worker.builder';
export { TestingWorker, type RunOptions, type RunResult } from './testing-worker';
export type { ClientLogRecord } from './lifecycle-run';
export { nullableSchema, RunConfigurationError, VECTOR_SIZE, type DriveOptions } from '../lifecycle';
