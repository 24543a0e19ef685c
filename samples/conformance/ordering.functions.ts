import { Field, Int64, type RecordBatch, Schema } from 'apache-arrow';
import {
  BufferingFunction,
  Combine,
  Finalize,
  InitialFinalizeState,
  OnBind,
  Process,
  StateField,
  batchFromColumns,
  serializeBatch,
  type FinalizeContext,
  type Output,
  type SinkContext,
} from 'vgi-silo';
import { BufferInputFunction } from './buffer-input.function';
import { LogDrainCursor, LogDrainFunction } from './log-drain';
import { RuntimeError } from './python-errors';
import { SingleTableArgs } from './single-table.args';

/*
 * Fixtures for DuckDB's three ordering knobs: a single-threaded sink
 * (sinkOrderDependent), the batch index on every process call (requiresInputBatchIndex),
 * and serial finalize streams in combine order (sourceOrderDependent).
 */

/**
 * `ordered_buffer_input(data TABLE)`: buffer_input with `sinkOrderDependent`, so DuckDB
 * feeds every batch through one sink connection in source order, and the log-drain
 * returns the input in exactly that order.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.ordered_buffer_input((SELECT * FROM range(10000) t(x))); -- 0..9999 in order
 * ```
 */
@BufferingFunction({
  name: 'ordered_buffer_input',
  description: 'buffer_input variant with sink_order_dependent=True',
  categories: ['test', 'ordering'],
  examples: [
    {
      sql: 'SELECT * FROM buffer_input((SELECT * FROM input_table))',
      description: 'Buffer all input and emit on finalize',
    },
  ],
  args: SingleTableArgs,
  state: LogDrainCursor,
  sinkOrderDependent: true,
})
export class OrderedBufferInputFunction extends BufferInputFunction {}

/** The execution log of `batch_index ‖ IPC` records, in arrival order. */
const UNSORTED_NAMESPACE = 'unsorted';

/** `int64 little-endian(batchIndex) ‖ ipc`: one appendable record. */
function packIndexed(batchIndex: bigint, ipc: Uint8Array): Uint8Array {
  const packed = new Uint8Array(8 + ipc.byteLength);
  new DataView(packed.buffer).setBigInt64(0, batchIndex, true);
  packed.set(ipc, 8);
  return packed;
}

function unpackIndexed(packed: Uint8Array): { batchIndex: bigint; ipc: Uint8Array } {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  return { batchIndex: view.getBigInt64(0, true), ipc: packed.subarray(8) };
}

/**
 * `batch_index_buffer_input(data TABLE)`: buffers batches under parallel ingest and
 * rebuilds source order from DuckDB's batch index. Process stores each batch with its
 * index; combine sorts them stably by index (batches sharing an index keep their arrival
 * order) and stages them in that order for the log-drain.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.batch_index_buffer_input((SELECT * FROM range(100000) t(x))); -- in order
 * ```
 */
@BufferingFunction({
  name: 'batch_index_buffer_input',
  description: 'buffer_input variant using batch_index to reconstruct order',
  categories: ['test', 'ordering'],
  args: SingleTableArgs,
  state: LogDrainCursor,
  requiresInputBatchIndex: true,
})
export class BatchIndexBufferInputFunction extends LogDrainFunction {
  @Process()
  async process(batch: RecordBatch, ctx: SinkContext): Promise<Uint8Array | string> {
    if (ctx.batchIndex === undefined || ctx.batchIndex === null) {
      throw new RuntimeError(
        'batch_index_buffer_input.process() received batch_index=None — the requiresInputBatchIndex plumbing is broken',
      );
    }
    await this.storage.append(UNSORTED_NAMESPACE, '', packIndexed(ctx.batchIndex, serializeBatch(batch)));
    return ctx.executionId;
  }

  @Combine()
  override async combine(_stateIds: Uint8Array[], ctx: SinkContext): Promise<(Uint8Array | string)[]> {
    const records: { batchIndex: bigint; ipc: Uint8Array }[] = [];
    for await (const entry of this.storage.logEntries(UNSORTED_NAMESPACE, '')) records.push(unpackIndexed(entry.value));
    // Array.prototype.sort is stable: equal indexes keep their append (arrival) order.
    records.sort((a, b) => (a.batchIndex < b.batchIndex ? -1 : a.batchIndex > b.batchIndex ? 1 : 0));
    for (const record of records) await this.storage.append(this.drainNamespace, '', record.ipc);
    return [ctx.executionId];
  }
}

/** How many finalize streams (and rows) `ordered_source` produces. */
export const ORDERED_SOURCE_ROWS = 16;

/** The cursor of one `ordered_source` stream: its value, and whether it was emitted. */
export class OneShotCursor {
  @StateField('int64') value = 0n;
  @StateField('bool') emitted = false;
}

/** Reads `bytes` as an unsigned big-endian integer. */
function bigEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * `ordered_source(data TABLE)`: ignores its input and emits the fixed sequence 0..15,
 * one row per finalize stream. Combine returns sixteen finalize ids (4-byte big-endian
 * 0..15); with `sourceOrderDependent` DuckDB drains them one at a time in that order,
 * so the rows must come out 0, 1, ..., 15.
 *
 * @example
 * ```sql
 * SELECT v FROM example.main.ordered_source((SELECT 1)); -- 0..15 in order
 * ```
 */
@BufferingFunction({
  name: 'ordered_source',
  description: 'Emits a fixed 0..15 sequence via source_order_dependent=True; input is ignored',
  categories: ['test', 'ordering'],
  args: SingleTableArgs,
  state: OneShotCursor,
  sourceOrderDependent: true,
})
export class OrderedSourceFunction {
  @OnBind()
  bind(): Schema {
    return new Schema([new Field('v', new Int64(), true)]);
  }

  @Process()
  process(_batch: RecordBatch, ctx: SinkContext): Uint8Array {
    // The input is irrelevant: the fixture tests source order, not data.
    return ctx.executionId;
  }

  @Combine()
  combine(): Uint8Array[] {
    return Array.from({ length: ORDERED_SOURCE_ROWS }, (_, i) => {
      const id = new Uint8Array(4);
      new DataView(id.buffer).setUint32(0, i, false);
      return id;
    });
  }

  @InitialFinalizeState()
  start(ctx: FinalizeContext): OneShotCursor {
    const cursor = new OneShotCursor();
    cursor.value = bigEndian(ctx.finalizeStateId);
    return cursor;
  }

  @Finalize()
  finalize(state: OneShotCursor, out: Output, ctx: FinalizeContext): void {
    if (state.emitted) return out.finish();
    out.emit(batchFromColumns(ctx.fullOutputSchema, { v: [state.value] }));
    state.emitted = true;
  }
}
