/**
 * The source as DuckDB runs it (vgi-wire §5.1 step 8, §5.3): each finalize state id gets
 * a producer `init` stream on a connection that never served the sink — a fresh worker
 * process each (`pool false`), or a pooled one whose previous stream ended — a bounded
 * number at once (one, in combine order, when the function is source-order-dependent);
 * ticks until the end, cancel ticks when the run stops early. Fresh processes are
 * started a little ahead so their start-up overlaps the streams still running.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { type ConnectionLauncher, type VgiConnection } from '../connection/vgi-connection';

/** Everything the source needs. */
interface FinalizePlan {
  readonly bindCall: Uint8Array;
  readonly outputSchema: Schema;
  readonly bindOpaqueData: Uint8Array | null;
  readonly executionId: Uint8Array;
  /** Output column indices (projection pushdown), or null for all. */
  readonly projectionIds: readonly number[] | null;
  readonly finalizeStateIds: readonly Uint8Array[];
  /** Streams at once. */
  readonly parallelism: number;
  /** Reuse a process whose stream ended for a later stream (DuckDB's pool) instead of a fresh one each time. */
  readonly pooled: boolean;
  readonly launcher: ConnectionLauncher;
  /** Checked before each tick: true cancels live streams and starts no more. */
  readonly stopped: () => boolean;
  /** Called with each non-empty output batch. */
  readonly onBatch: (batch: RecordBatch) => void;
  readonly onStreamDone: () => void;
  /** Keep the batches in the outcome (default true); false when `onBatch` consumes them. */
  readonly keepBatches?: boolean;
}

/** What the source produced. */
interface FinalizeOutcome {
  /** Output batches per finalize state id (empty for ids never started). */
  readonly batches: readonly RecordBatch[][];
  /** The process of each stream that started, in finalize-state-id order. */
  readonly pids: readonly number[];
  /** Ticks sent per started stream. */
  readonly ticks: readonly number[];
  /** True when a stream was cancelled or an id never started. */
  readonly stoppedEarly: boolean;
  /** The connection of the last stream to end normally, kept open (pooled) for the destructor. */
  readonly idle: VgiConnection | null;
}

/**
 * Drains every finalize state id. Stops all streams at the first failure and raises it.
 */
export async function runFinalize(plan: FinalizePlan): Promise<FinalizeOutcome> {
  const ids = plan.finalizeStateIds;
  const batches: RecordBatch[][] = ids.map(() => []);
  const pids: number[] = [];
  const ticks: number[] = [];
  // Fresh: enough warm processes that a serial source rarely waits for one to boot.
  // Pooled: never more processes than streams at once.
  const lookahead = plan.pooled ? plan.parallelism : Math.max(3, plan.parallelism);
  let next = 0;
  let running = 0;
  let stoppedEarly = false;
  // Processes whose stream ended normally, most recent last: DuckDB's pool.
  const idle: VgiConnection[] = [];
  let failure: unknown = null;

  const warm = (): void => {
    const reusable = plan.pooled ? idle.length + running : 0;
    const wanted =
      Math.min(ids.length - next + (plan.pooled ? running : 0), lookahead) - plan.launcher.spareCount - reusable;
    if (wanted > 0) plan.launcher.prestart(wanted);
  };

  const drive = async (): Promise<void> => {
    while (failure === null && !plan.stopped() && next < ids.length) {
      const i = next++;
      const conn = (plan.pooled ? idle.pop() : undefined) ?? plan.launcher.fresh();
      running++;
      warm();
      if (conn.pid !== null) pids[i] = conn.pid;
      const stream = await conn.openInit({
        bindCall: plan.bindCall,
        outputSchema: plan.outputSchema,
        bindOpaqueData: plan.bindOpaqueData,
        projectionIds: plan.projectionIds,
        phase: 'TABLE_BUFFERING_FINALIZE',
        executionId: plan.executionId,
        finalizeStateId: ids[i],
      });
      let cancelled = false;
      for (;;) {
        if (failure !== null || plan.stopped()) {
          await stream.cancel();
          cancelled = true;
          break;
        }
        const batch = await stream.next();
        if (batch === null) break;
        if (batch.numRows > 0) {
          if (plan.keepBatches !== false) batches[i].push(batch);
          plan.onBatch(batch);
        }
      }
      ticks[i] = stream.ticks;
      running--;
      stoppedEarly ||= cancelled;
      if (cancelled) {
        // DuckDB drops a cancelled stream's connection.
        plan.launcher.release(conn);
      } else {
        // Back to the pool. Fresh mode keeps only the latest, for the destructor.
        idle.push(conn);
        if (!plan.pooled) for (const old of idle.splice(0, idle.length - 1)) plan.launcher.release(old);
      }
      plan.onStreamDone();
    }
  };

  warm();
  const streams = Math.max(1, Math.min(plan.parallelism, ids.length));
  await Promise.allSettled(
    Array.from({ length: streams }, () =>
      drive().catch((error: unknown) => {
        failure ??= error;
      }),
    ),
  );
  if (failure !== null) throw failure;
  stoppedEarly ||= next < ids.length;
  const keep = idle.pop() ?? null;
  for (const other of idle) plan.launcher.release(other);
  return {
    batches,
    pids: pids.filter((p) => p !== undefined),
    ticks: ticks.filter((t) => t !== undefined),
    stoppedEarly,
    idle: keep,
  };
}
