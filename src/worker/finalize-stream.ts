import type { Schema } from 'apache-arrow';
import { UserCodeError } from '../errors';
import { type Instrumentation, NO_INSTRUMENTATION, observeCall } from '../observability/instrumentation';
import type { Logger } from '../providers/logging';
import type { StateSpec } from '../definition/state-spec';
import type { CallOptions } from './calls';
import type { FinalizeContext } from '../definition/contexts';
import type { ColumnFilter } from './filters';
import { OutputCollector, type TickOutcome } from './output-collector';

/** How a stream calls one of the function's hooks (bound to its instance, with client logs routed). */
export type HookInvoker = (
  hook: 'finalize' | 'onCancel',
  args: unknown[],
  options: CallOptions | undefined,
) => Promise<unknown>;

/**
 * One finalize stream: the producer DuckDB drains tick by tick for one finalize state
 * id. It holds the stream's cursor (`state`) between ticks; `serializeState()` turns it
 * into bytes a continuation can carry to another process.
 */
export class FinalizeStream {
  private finished = false;

  constructor(
    private readonly invoke: HookInvoker,
    private readonly hookName: string,
    readonly context: FinalizeContext,
    /** The cursor: an instance of the function's state class (or undefined without one). */
    public state: object | undefined,
    private readonly stateSpec: StateSpec | undefined,
    private readonly filters: readonly ColumnFilter[],
    private readonly abort: AbortController,
    private readonly log: Logger,
    private readonly hasCancelHook: boolean,
    private readonly instrumentation: Instrumentation = NO_INSTRUMENTATION,
  ) {}

  /** The schema of every batch this stream yields. */
  get outputSchema(): Schema {
    return this.context.outputSchema;
  }

  /** True once a tick finished the stream or it was cancelled. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Runs one tick: exactly one batch, or the end of the stream (or both). */
  async tick(options?: CallOptions): Promise<TickOutcome> {
    if (this.finished) return { finished: true };
    return observeCall(
      this.instrumentation,
      'finalize_tick',
      this.context.functionName,
      this.context.executionId,
      async (observed) => {
        const outcome = await this.tickNow(options);
        if (outcome.batch) observed?.addOutput(outcome.batch.numRows, outcome.batch.data.byteLength);
        return outcome;
      },
    );
  }

  private async tickNow(options?: CallOptions): Promise<TickOutcome> {
    const out = new OutputCollector(
      this.hookName,
      this.context.fullOutputSchema,
      this.context.outputSchema,
      this.filters,
    );
    await this.invoke('finalize', [this.state, out, this.context], options);
    const outcome = out.collect();
    if (outcome.finished) this.finished = true;
    return outcome;
  }

  /** Tears the stream down early: aborts its signal and runs `@OnCancel()`, whose errors are logged, never thrown. */
  async cancel(options?: CallOptions): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    return observeCall(this.instrumentation, 'cancel', this.context.functionName, this.context.executionId, () =>
      this.cancelNow(options),
    );
  }

  private async cancelNow(options?: CallOptions): Promise<void> {
    this.abort.abort();
    if (!this.hasCancelHook) return;
    try {
      await this.invoke('onCancel', [this.state, this.context], options);
    } catch (e) {
      const err = UserCodeError.wrap(`${this.hookName} cancel`, e);
      this.log.warn(`@OnCancel() failed; the stream is cancelled anyway: ${err.message}`);
    }
  }

  /** The cursor as bytes (an empty array for functions without a state class). */
  serializeState(): Uint8Array {
    return this.stateSpec && this.state ? this.stateSpec.serialize(this.state) : new Uint8Array(0);
  }
}
