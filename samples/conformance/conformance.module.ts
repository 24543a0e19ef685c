import { defineModule } from 'vgi-silo';
import { AccumulateFunction } from './accumulate.function';
import { BufferEmitWideFunction } from './buffer-emit-wide.function';
import { BufferInputFunction } from './buffer-input.function';
import { CachedSumAllFunction } from './cached-sum-all.function';
import { EchoBufferingFunction } from './echo-buffering.function';
import { ExceptionFinalizeFunction, ExceptionProcessFunction } from './exception.functions';
import {
  CrashOnCombineFunction,
  CrashOnFinalizeFunction,
  CrashOnProcessFunction,
  HangOnProcessFunction,
} from './failure-injection.functions';
import { GlobalBufferedFunction } from './global-buffered.function';
import { LargeStateFunction } from './large-state.function';
import { BatchIndexBufferInputFunction, OrderedBufferInputFunction, OrderedSourceFunction } from './ordering.functions';
import { SameNameDataBufferedFunction, SameNameMainBufferedFunction } from './same-name-buffered.functions';
import { SlowCancellableBufferingFunction } from './slow-cancellable-buffering.function';
import { SumAllColumnsSimpleDistributedFunction } from './sum-all-columns-simple-distributed.function';
import { SumAllColumnsFunction } from './sum-all-columns.function';

/**
 * DuckDB's reference buffering fixtures (`fixtures.md`), served as catalog `example`:
 * schema `main`, plus schema `data` for the second `test_same_name_buffered`. The
 * functions need only framework providers (storage, logger, clock, abort signal).
 *
 * @example
 * ```ts
 * const worker = await createTestingWorker({ modules: [ConformanceModule] }).compile();
 * const { output } = await worker.run('buffer_input', { input });
 * ```
 */
export const ConformanceModule = defineModule({
  name: 'conformance',
  functions: [
    BufferInputFunction,
    EchoBufferingFunction,
    SumAllColumnsFunction,
    ExceptionProcessFunction,
    ExceptionFinalizeFunction,
    CrashOnProcessFunction,
    CrashOnCombineFunction,
    CrashOnFinalizeFunction,
    HangOnProcessFunction,
    LargeStateFunction,
    OrderedBufferInputFunction,
    BatchIndexBufferInputFunction,
    OrderedSourceFunction,
    BufferEmitWideFunction,
    SlowCancellableBufferingFunction,
    AccumulateFunction,
    SumAllColumnsSimpleDistributedFunction,
    CachedSumAllFunction,
    SameNameMainBufferedFunction,
    SameNameDataBufferedFunction,
    GlobalBufferedFunction,
  ],
});

/** The catalog DuckDB attaches these fixtures as. */
export const CONFORMANCE_CATALOG = 'example';
