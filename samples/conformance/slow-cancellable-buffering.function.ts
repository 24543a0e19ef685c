import { appendFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Field, Int64, type RecordBatch, Schema } from 'apache-arrow';
import { Min } from 'class-validator';
import {
  BufferingFunction,
  Combine,
  Finalize,
  InitialFinalizeState,
  Named,
  OnBind,
  OnCancel,
  Positional,
  Process,
  StateField,
  TableInput,
  batchFromColumns,
  type FinalizeContext,
  type Output,
  type SinkContext,
} from 'vgi-silo';

/** Arguments of `slow_cancellable_buffering(probe_path, data, count :=, sleep_ms :=)`. */
export class SlowCancellableBufferingArgs {
  @Positional(0, 'utf8', { name: 'probe_path', doc: 'Path to append to when on_cancel fires' }) probePath!: string;
  @TableInput({ position: 1, doc: 'Input table (rows ignored)' }) data!: unknown;
  @Named('int64', { default: 1000n, doc: 'Total rows to emit during finalize' }) @Min(1) count!: bigint;
  @Named('int64', { name: 'sleep_ms', default: 10n, doc: 'Sleep per emitted row (ms)' }) @Min(0) sleepMs!: bigint;
}

/**
 * The stream's progress. The probe path and the row total ride along with it, so the
 * cancel hook has all it needs even in a process that only sees the serialized state.
 */
export class SlowCancellableCursor {
  @StateField('int64') emitted = 0n;
  @StateField('utf8') probePath = '';
  @StateField('int64') total = 0n;
}

/** Appends `pid=<pid> emitted=<n>` to the probe file (O_APPEND: concurrent writers interleave by line). */
async function appendProbe(path: string, emitted: bigint): Promise<void> {
  await appendFile(path, `pid=${process.pid} emitted=${emitted}\n`, 'utf8');
}

/**
 * `slow_cancellable_buffering(probe_path VARCHAR, data TABLE, count := 1000, sleep_ms := 10)`:
 * ignores its input and emits `count` rows `n = 0, 1, ...`, one per finalize tick, after
 * sleeping `sleep_ms` each time, so `LIMIT 1` reliably cancels the stream before its
 * end. The cancel hook appends `pid=<pid> emitted=<rows>` to `probe_path`, proving it
 * ran (or, with no state at all, `emitted=-1` to /dev/null).
 *
 * @example
 * ```sql
 * SELECT n FROM example.main.slow_cancellable_buffering('/tmp/probe.txt', (SELECT 1 AS x), sleep_ms := 20) LIMIT 1;
 * ```
 */
@BufferingFunction({
  name: 'slow_cancellable_buffering',
  description: 'Slow buffered table function with an on_cancel file probe (test fixture)',
  categories: ['test'],
  args: SlowCancellableBufferingArgs,
  state: SlowCancellableCursor,
})
export class SlowCancellableBufferingFunction {
  @OnBind()
  bind(): Schema {
    return new Schema([new Field('n', new Int64(), true)]);
  }

  @Process()
  process(_batch: RecordBatch, ctx: SinkContext<SlowCancellableBufferingArgs>): Uint8Array {
    // Nothing to keep: the fixture is about cancelling the source side.
    return ctx.executionId;
  }

  @Combine()
  combine(_stateIds: Uint8Array[], ctx: SinkContext<SlowCancellableBufferingArgs>): Uint8Array[] {
    return [ctx.executionId];
  }

  @InitialFinalizeState()
  start(ctx: FinalizeContext<SlowCancellableBufferingArgs>): SlowCancellableCursor {
    const cursor = new SlowCancellableCursor();
    cursor.probePath = ctx.args.probePath;
    cursor.total = ctx.args.count;
    return cursor;
  }

  @Finalize()
  async finalize(
    state: SlowCancellableCursor,
    out: Output,
    ctx: FinalizeContext<SlowCancellableBufferingArgs>,
  ): Promise<void> {
    if (state.emitted >= state.total) return out.finish();
    if (ctx.args.sleepMs > 0n) await sleep(Number(ctx.args.sleepMs), undefined, { signal: ctx.signal });
    out.emit(batchFromColumns(ctx.fullOutputSchema, { n: [state.emitted] }));
    state.emitted += 1n;
  }

  @OnCancel()
  async cancel(state: SlowCancellableCursor | undefined): Promise<void> {
    // No state means the stream was cancelled before it started: nothing to attribute.
    if (!state) return appendProbe('/dev/null', -1n);
    await appendProbe(state.probePath, state.emitted);
  }
}
