import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordBatch } from 'apache-arrow';
import {
  ABORT_SIGNAL,
  BufferingFunction,
  Combine,
  EXECUTION_STORAGE,
  Finalize,
  Inject,
  Process,
  type BoundStorage,
  type Output,
  type SinkContext,
} from 'vgi-silo';
import { BufferInputFunction } from './buffer-input.function';
import { LogDrainCursor } from './log-drain';
import { RuntimeError, ValueError } from './python-errors';
import { SingleTableArgs } from './single-table.args';

/*
 * Fixtures that fail in one chosen phase, so DuckDB's tests can check that the operator
 * reports the failure cleanly, drops the broken worker and serves the next query. Each
 * is buffer_input with one hook replaced.
 */

const EXAMPLES = [
  {
    sql: 'SELECT * FROM buffer_input((SELECT * FROM input_table))',
    description: 'Buffer all input and emit on finalize',
  },
];

/**
 * `crash_on_process(data TABLE)`: the worker process kills itself (SIGKILL; SIGABRT on
 * Windows) on its first process call. DuckDB sees the connection die mid-RPC.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.crash_on_process((SELECT 1 AS x)); -- fails: worker died
 * ```
 */
@BufferingFunction({
  name: 'crash_on_process',
  description: 'Worker SIGKILLs itself during process (test)',
  categories: ['test', 'crash'],
  examples: EXAMPLES,
  args: SingleTableArgs,
  state: LogDrainCursor,
})
export class CrashOnProcessFunction extends BufferInputFunction {
  @Process()
  override async process(_batch: RecordBatch, ctx: SinkContext): Promise<Uint8Array | string> {
    process.kill(process.pid, process.platform === 'win32' ? 'SIGABRT' : 'SIGKILL');
    // Not reached: the signal cannot be caught. Kept so the hook's contract reads whole.
    return ctx.executionId;
  }
}

/**
 * `crash_on_combine(data TABLE)`: buffers its input normally, then raises
 * `RuntimeError: Intentional exception during combine()`.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.crash_on_combine((SELECT 1 AS x)); -- fails in combine
 * ```
 */
@BufferingFunction({
  name: 'crash_on_combine',
  description: 'Worker raises during combine (test)',
  categories: ['test', 'crash'],
  examples: EXAMPLES,
  args: SingleTableArgs,
  state: LogDrainCursor,
})
export class CrashOnCombineFunction extends BufferInputFunction {
  @Combine()
  override combine(): (Uint8Array | string)[] {
    throw new RuntimeError('Intentional exception during combine()');
  }
}

/**
 * `crash_on_finalize(data TABLE)`: combine succeeds, then the first finalize tick
 * raises `ValueError: Intentional exception during finalize()`.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.crash_on_finalize((SELECT 1 AS x)); -- fails in finalize
 * ```
 */
@BufferingFunction({
  name: 'crash_on_finalize',
  description: 'Worker raises during finalize (test)',
  categories: ['test', 'crash'],
  examples: EXAMPLES,
  args: SingleTableArgs,
  state: LogDrainCursor,
})
export class CrashOnFinalizeFunction extends BufferInputFunction {
  @Finalize()
  override async finalize(_state: LogDrainCursor, _out: Output): Promise<void> {
    throw new ValueError('Intentional exception during finalize()');
  }
}

/** How long `hang_on_process` sleeps: an hour, i.e. until someone cancels the query. */
export const HANG_MS = 3600 * 1000;

/**
 * `hang_on_process(data TABLE)`: process sleeps for an hour, for manual cancellation
 * tests. The sleep listens to the execution's abort signal, so destroying the execution
 * (or shutting the worker down) ends it instead of leaving a timer behind.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.hang_on_process((SELECT 1 AS x)); -- press Ctrl-C
 * ```
 */
@BufferingFunction({
  name: 'hang_on_process',
  description: 'Worker sleeps in process (manual cancel test)',
  categories: ['test', 'hang'],
  examples: EXAMPLES,
  args: SingleTableArgs,
  state: LogDrainCursor,
})
export class HangOnProcessFunction extends BufferInputFunction {
  constructor(
    @Inject(EXECUTION_STORAGE) storage: BoundStorage,
    @Inject(ABORT_SIGNAL) private readonly signal: AbortSignal,
  ) {
    super(storage);
  }

  @Process()
  override async process(_batch: RecordBatch, ctx: SinkContext): Promise<Uint8Array | string> {
    await sleep(HANG_MS, undefined, { signal: this.signal });
    return ctx.executionId;
  }
}
