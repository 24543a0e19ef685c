/**
 * The sink as DuckDB runs it (vgi-wire §5.1 steps 4–7), over any kind of connection: the
 * first connection's `init` mints the execution, every other connection joins it with its
 * own `init` when it takes its first morsel, morsels of consecutive batches are pulled by
 * whichever connection is free (process calls interleave across connections, strictly
 * sequential within one), and combine runs once, on the connection that finished last,
 * with each connection's last state id in completion order, duplicates kept.
 *
 * The client drives worker processes and HTTP workers through it; the TestBed drives
 * in-process dispatchers through it.
 */
import { type RecordBatch } from 'apache-arrow';

/** What the sink does on one connection; `C` is whatever the driver calls through. */
export interface SinkCalls<C> {
  /** The connection's sink `init`: mints the execution (`executionId` null) or joins it. Returns the execution id. */
  init(connection: C, executionId: Uint8Array | null): Promise<Uint8Array>;
  /** One `table_buffering_process` call. Returns the state id. */
  process(connection: C, batch: RecordBatch, batchIndex: bigint | null, executionId: Uint8Array): Promise<Uint8Array>;
}

/** Everything the sink needs. */
export interface SinkPlan<C> {
  /**
   * The input batches (vectors, at most the vector size each): an array, or an iterator
   * pulled one morsel at a time as a connection becomes free (a streamed input is then
   * read no faster than it is sunk).
   */
  readonly batches: readonly RecordBatch[] | AsyncIterator<RecordBatch> | Iterator<RecordBatch>;
  /** The sink connections; the first one is the primary. */
  readonly connections: readonly C[];
  readonly batchesPerMorsel: number;
  /** Send each morsel's index as `batch_index` (requires_input_batch_index). */
  readonly batchIndex: boolean;
  readonly calls: SinkCalls<C>;
  /** Checked before each morsel: true stops taking work. */
  readonly stopped?: () => boolean;
  /** Called after each process call with the batch's row count. */
  readonly onBatch?: (rows: number) => void;
  /** Called once the primary init minted the execution, so a later failure can still destroy it. */
  readonly onMinted?: (executionId: Uint8Array) => void;
}

/** What the sink produced. */
export interface SinkOutcome<C> {
  readonly executionId: Uint8Array;
  /** Each connection's last state id, in completion order: what combine receives. */
  readonly stateIds: readonly Uint8Array[];
  /** Connections that sank at least one batch, in join order (the primary first). */
  readonly used: readonly C[];
  /** The connection that finished last: combine runs on it. */
  readonly combiner: C;
}

/**
 * Runs the sink over the plan's connections. Stops every connection at the first failure
 * and raises it. An input without a batch still mints the execution: check for empty
 * input before (DuckDB never sinks one).
 */
export async function driveSink<C>(plan: SinkPlan<C>): Promise<SinkOutcome<C>> {
  const takeMorsel = morselTaker(plan.batches, plan.batchesPerMorsel);
  const stopped = plan.stopped ?? (() => false);
  const primary = plan.connections[0];
  const executionId = await plan.calls.init(primary, null);
  plan.onMinted?.(executionId);
  const used: C[] = [];
  const finished: { connection: C; last: Uint8Array }[] = [];
  let failure: unknown = null;

  const drive = async (connection: C): Promise<void> => {
    let last: Uint8Array | undefined;
    while (failure === null && !stopped()) {
      const morsel = await takeMorsel();
      if (morsel === null || failure !== null) break;
      if (!used.includes(connection)) {
        // The primary's init already ran; every other connection joins on its first morsel.
        if (connection !== primary) await plan.calls.init(connection, executionId);
        used.push(connection);
      }
      for (const batch of morsel.batches) {
        last = await plan.calls.process(connection, batch, plan.batchIndex ? BigInt(morsel.index) : null, executionId);
        plan.onBatch?.(batch.numRows);
      }
    }
    if (last !== undefined) finished.push({ connection, last });
  };

  // The primary's loop starts first, so it takes the first morsel before any await.
  await Promise.allSettled(
    plan.connections.map((connection) =>
      drive(connection).catch((error: unknown) => {
        failure ??= error;
        throw error;
      }),
    ),
  );
  if (failure !== null) throw failure;
  return {
    executionId,
    stateIds: finished.map((f) => f.last),
    used,
    combiner: finished[finished.length - 1]?.connection ?? primary,
  };
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
function morselTaker(batches: SinkPlan<unknown>['batches'], perMorsel: number): () => Promise<Morsel | null> {
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
