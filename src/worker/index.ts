export { Dispatcher, type DispatcherOptions, type BindOutcome } from './dispatcher';
export { FinalizeStream } from './finalize-stream';
export { OutputCollector, InvalidOutputError, projectSchema, type TickOutcome } from './output-collector';
export { assembleWorker, type WorkerOptions, type SiloWorker } from './bootstrap';
export { bootstrapWorker } from './bootstrap-worker';
export type * from './calls';
export type * from '../definition/contexts';
export { type ColumnFilter, type FilterOp, applyFilters } from './filters';
export {
  batchFromColumns,
  batchFromData,
  serializeBatch,
  deserializeBatch,
  deserializeBatches,
  emptyBatch,
  takeRows,
  concatBatches,
  selectColumns,
} from '../arrow/batch-utils';
