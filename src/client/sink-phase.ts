/**
 * The sink as DuckDB runs it (vgi-wire §5.1 steps 4–7): the first connection's `init`
 * mints the execution, every other connection joins it with its own `init` when it takes
 * its first morsel, morsels of consecutive batches are pulled by whichever connection is
 * free (process calls interleave across connections, strictly sequential within one),
 * and combine runs once, on the connection that finished last, with each connection's
 * last state id in completion order, duplicates kept.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { type VgiConnection } from './vgi-connection';

/** Everything the sink needs. */
interface SinkPlan {
  readonly functionName: string;
  readonly schemaPath: readonly string[];
  readonly attachOpaqueData: Uint8Array;
  /** The final BindRequest bytes. */
  readonly bindCall: Uint8Array;
  readonly outputSchema: Schema;
  readonly bindOpaqueData: Uint8Array | null;
  readonly inputSchema: Schema;
  /**
   * The input batches: an array, or an iterator pulled one morsel at a time as a
   * connection becomes free (a streamed input is then read no faster than it is sunk).
   */
  readonly batches: readonly RecordBatch[] | AsyncIterator<RecordBatch> | Iterator<RecordBatch>;
  /** The sink connections; the first one is the primary. */
  readonly connections: readonly VgiConnection[];
  readonly batchesPerMorsel: number;
  /** Send each morsel's index as `batch_index` (requires_input_batch_index). */
  readonly batchIndex: boolean;
  /** Checked before each morsel: true stops taking work. */
  readonly stopped: () => boolean;
  /** Called after each process call with the batch's row count. */
  readonly onBatch: (rows: number) => void;
  /** Called once the primary init minted the execution, so a later failure can still destroy it. */
  readonly onMinted: (executionId: Uint8Array) => void;
}

/** What the sink produced. */
interface SinkOutcome {
  readonly executionId: Uint8Array;
  /** Each connection's last state id, in completion order (what combine receives). */
  readonly stateIds: readonly Uint8Array[];
  /** Connections that sank at least one batch, the primary first. */
  readonly used: readonly VgiConnection[];
  /** The connection that finished last: combine runs on it. */
  readonly combiner: VgiConnection;
}

/**
 * Runs the sink over the plan's connections. Stops every connection at the first failure
 * and raises it.
 */
export async function runSink(plan: SinkPlan): Promise<SinkOutcome> {
  const takeMorsel = morselTaker(plan.batches, plan.batchesPerMorsel);
  const ref = { functionName: plan.functionName, schemaPath: plan.schemaPath, attachOpaqueData: plan.attachOpaqueData };
  const init = async (conn: VgiConnection, executionId: Uint8Array | null): Promise<Uint8Array> => {
    const stream = await conn.openInit({
      bindCall: plan.bindCall,
      outputSchema: plan.outputSchema,
      bindOpaqueData: plan.bindOpaqueData,
      phase: 'TABLE_BUFFERING',
      executionId,
    });
    await stream.completeSinkInit(plan.inputSchema);
    return stream.header.executionId;
  };

  const primary = plan.connections[0];
  const executionId = await init(primary, null);
  plan.onMinted(executionId);
  // In join order; the primary joins synchronously with the first morsel, so it is first.
  const used: VgiConnection[] = [];
  const finished: { conn: VgiConnection; last: Uint8Array }[] = [];
  let failure: unknown = null;

  const drive = async (conn: VgiConnection): Promise<void> => {
    let last: Uint8Array | undefined;
    while (failure === null && !plan.stopped()) {
      const morsel = await takeMorsel();
      if (morsel === null || failure !== null) break;
      if (!used.includes(conn)) {
        // The primary's init already ran; every other connection joins on its first morsel.
        if (conn !== primary) await init(conn, executionId);
        used.push(conn);
      }
      for (const batch of morsel.batches) {
        const { result } = await conn.call('table_buffering_process', {
          ...ref,
          executionId,
          inputBatch: batch,
          batchIndex: plan.batchIndex ? BigInt(morsel.index) : null,
        });
        last = result;
        plan.onBatch(batch.numRows);
      }
    }
    if (last !== undefined) finished.push({ conn, last });
  };

  // The primary's loop starts first, so it takes the first morsel before any await.
  await Promise.allSettled(
    plan.connections.map((conn) =>
      drive(conn).catch((error: unknown) => {
        failure ??= error;
        throw error;
      }),
    ),
  );
  if (failure !== null) throw failure;
  const combiner = finished[finished.length - 1]?.conn ?? primary;
  return { executionId, stateIds: finished.map((f) => f.last), used, combiner };
}

/** One morsel: consecutive batches sharing a `batch_index`. */
interface Morsel {
  readonly index: number;
  readonly batches: readonly RecordBatch[];
}

/**
 * Hands out morsels in input order, one caller at a time: takes are chained, so the
 * connection that asked first gets the first morsel even when reading it waits on the
 * input. `null` once the input ends.
 */
function morselTaker(batches: SinkPlan['batches'], perMorsel: number): () => Promise<Morsel | null> {
  const iterator = Array.isArray(batches)
    ? (batches as readonly RecordBatch[])[Symbol.iterator]()
    : (batches as AsyncIterator<RecordBatch> | Iterator<RecordBatch>);
  let ended = false;
  let index = 0;
  let chain: Promise<unknown> = Promise.resolve();
  return () => {
    const taken = chain.then(async (): Promise<Morsel | null> => {
      const out: RecordBatch[] = [];
      while (!ended && out.length < perMorsel) {
        const next = await iterator.next();
        if (next.done) ended = true;
        else out.push(next.value);
      }
      return out.length === 0 ? null : { index: index++, batches: out };
    });
    // A failed read fails the connection that asked; the next ask sees the input ended.
    chain = taken.catch(() => (ended = true));
    return taken;
  };
}

/**
 * Runs combine on the connection that finished the sink last.
 */
export async function combineOn(
  sink: SinkOutcome,
  plan: Pick<SinkPlan, 'functionName' | 'schemaPath' | 'attachOpaqueData'>,
): Promise<Uint8Array[]> {
  const { result } = await sink.combiner.call('table_buffering_combine', {
    functionName: plan.functionName,
    schemaPath: plan.schemaPath,
    attachOpaqueData: plan.attachOpaqueData,
    executionId: sink.executionId,
    stateIds: sink.stateIds,
  });
  return result;
}
