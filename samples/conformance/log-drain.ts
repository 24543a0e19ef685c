import type { RecordBatch } from 'apache-arrow';
import {
  Combine,
  EXECUTION_STORAGE,
  Finalize,
  Inject,
  InitialFinalizeState,
  StateField,
  deserializeBatch,
  serializeBatch,
  toBytes,
  type BoundStorage,
  type Output,
  type SinkContext,
} from 'vgi-silo';

/** The log every log-drain fixture fills and drains unless it says otherwise. */
export const DEFAULT_DRAIN_NAMESPACE = 'buf';

/**
 * The cursor of a log-drain finalize stream: which log it reads, and the id of the last
 * entry already emitted (-1 before the first). It travels between ticks, so the next
 * tick may run in another process and still resume after the right entry.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'buffer_input', state: LogDrainCursor })
 * ```
 */
export class LogDrainCursor {
  @StateField('binary') ns: Uint8Array = toBytes(DEFAULT_DRAIN_NAMESPACE);
  @StateField('int64') afterId = -1n;
}

/**
 * The "log-drain" pattern of the reference fixtures, written once:
 *
 * - a sink (or combine) appends each batch to be returned, as one IPC stream, to the
 *   execution-scoped log `(drainNamespace, "")` with {@link stage};
 * - combine collapses every state id into one finalize stream (`[executionId]`): the
 *   log is shared by the whole execution, so one stream drains it all;
 * - finalize emits one logged batch per tick, in log order, and finishes at the end.
 *
 * Append ids are monotonic and appends are atomic, so a single sink connection's input
 * comes back in input order however many processes ran the phases. Subclasses supply
 * `@Process()` (and may replace `@Combine()`); they inherit the other hooks.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'passthrough', state: LogDrainCursor })
 * export class Passthrough extends LogDrainFunction {
 *   @Process() async process(batch: RecordBatch, ctx: SinkContext) {
 *     await this.stage(batch);
 *     return ctx.executionId;
 *   }
 * }
 * ```
 */
export abstract class LogDrainFunction {
  /** The log `stage()` appends to and finalize drains. */
  protected readonly drainNamespace: string = DEFAULT_DRAIN_NAMESPACE;

  constructor(@Inject(EXECUTION_STORAGE) protected readonly storage: BoundStorage) {}

  /** Appends one batch to the drain log, as one IPC stream. */
  protected async stage(batch: RecordBatch): Promise<bigint> {
    return this.storage.append(this.drainNamespace, '', serializeBatch(batch));
  }

  @Combine()
  combine(_stateIds: Uint8Array[], ctx: SinkContext): (Uint8Array | string)[] | Promise<(Uint8Array | string)[]> {
    // Every state id names this same execution; one stream drains the shared log.
    return [ctx.executionId];
  }

  @InitialFinalizeState()
  startDrain(): LogDrainCursor {
    const cursor = new LogDrainCursor();
    cursor.ns = toBytes(this.drainNamespace);
    return cursor;
  }

  @Finalize()
  async finalize(state: LogDrainCursor, out: Output): Promise<void> {
    const [entry] = await this.storage.logScan(state.ns, '', { afterId: state.afterId, limit: 1 });
    if (!entry) return out.finish();
    out.emit(deserializeBatch(entry.value));
    state.afterId = entry.id;
  }
}
