import { type RecordBatch, tableFromArrays } from 'apache-arrow';
import { BatchLog, BatchLogCursor, Counter, InjectCollection, KeyValue } from '../../../src/collections';
import { BufferingFunction, Combine, Finalize, Process } from '../../../src/decorators';
import { bytesToText } from '../../../src/providers/storage';
import { defineModule } from '../../../src/registration';
import { createTestingWorker } from '../../../src/testing';
import { takeRows } from '../../../src/arrow/batch-utils';
import type { FinalizeContext, Output, SinkContext } from '../../../src/definition/contexts';

/** Buffers every batch in a BatchLog and replays it, one batch per tick. */
@BufferingFunction({ name: 'replay_rows', state: BatchLogCursor })
class ReplayRows {
  constructor(
    @InjectCollection(BatchLog, 'rows') private readonly rows: BatchLog,
    @InjectCollection(Counter, 'process-calls') private readonly calls: Counter,
  ) {}

  @Process() async process(batch: RecordBatch, _ctx: SinkContext): Promise<void> {
    await this.rows.append(batch);
    await this.calls.add();
  }

  @Finalize() async finalize(cursor: BatchLogCursor, out: Output): Promise<void> {
    // The counts are exact once every sink call returned: check them on the first tick.
    if (cursor.afterId === -1n && (await this.rows.entryCount()) !== (await this.calls.get()))
      throw new Error('entry count differs from the process calls');
    await this.rows.replay(cursor, out);
  }
}

/** Fans rows out to one BatchLog partition per parity of `n`, drained by parallel finalize streams. */
@BufferingFunction({ name: 'split_parity', state: BatchLogCursor })
class SplitParity {
  constructor(
    @InjectCollection(BatchLog, 'parts') private readonly parts: BatchLog,
    @InjectCollection(KeyValue, 'rows-per-part') private readonly sizes: KeyValue<bigint>,
  ) {}

  @Process() async process(batch: RecordBatch, _ctx: SinkContext): Promise<void> {
    const n = batch.getChild('n')!;
    for (const parity of [0, 1]) {
      const rows = Array.from({ length: batch.numRows }, (_, i) => i).filter((i) => Number(n.get(i)) % 2 === parity);
      if (rows.length > 0) await this.parts.partition(parity).append(takeRows(batch, rows));
    }
  }

  @Combine() async combine(_stateIds: Uint8Array[], _ctx: SinkContext): Promise<string[]> {
    await this.sizes.putMany([
      ['0', await this.parts.partition(0).rowCount()],
      ['1', await this.parts.partition(1).rowCount()],
    ]);
    return ['0', '1'];
  }

  @Finalize() async finalize(cursor: BatchLogCursor, out: Output, ctx: FinalizeContext): Promise<void> {
    const part = bytesToText(ctx.finalizeStateId);
    await this.parts.partition(part).replay(cursor, out, {
      map: async (batch) => {
        if (Number(batch.getChild('n')!.get(0)) % 2 !== Number(part))
          throw new Error(`partition ${part} holds a row of the other parity`);
        if ((await this.sizes.get(part)) === undefined) throw new Error('combine wrote no size');
        return batch;
      },
    });
  }
}

const CollectionsModule = defineModule({ name: 'collections', functions: [ReplayRows, SplitParity] });

describe('Collections in functions, through the testing worker', () => {
  const n = Int32Array.from({ length: 5000 }, (_, i) => i);
  const input = tableFromArrays({ n, label: Array.from(n, (i) => `row ${i}`) });
  const sorted = (values: ArrayLike<number>) => [...Array.from(values)].sort((a, b) => a - b);

  it('should buffer into a BatchLog and replay it one batch per tick, under chaos, leaving nothing behind', async () => {
    const worker = await createTestingWorker({ modules: [CollectionsModule] }).compile();
    const { output, ticks, leaks } = await worker.run('replay_rows', {
      input,
      sinkConnections: 3,
      batchSize: 512,
      chaos: true,
    });
    expect(sorted(output.getChild('n')!.toArray() as Int32Array)).toEqual([...n]);
    expect(output.getChild('label')!.get(0)).toBe(`row ${output.getChild('n')!.get(0)}`);
    // 10 batches of 512 rows or fewer: one tick each, and one to finish.
    expect(ticks).toEqual([11]);
    expect(leaks).toEqual([]);
  });

  it('should fan partitions out to parallel finalize streams, each seeing only its own log', async () => {
    const worker = await createTestingWorker({ modules: [CollectionsModule] }).compile();
    const { output, finalizeStateIds, leaks } = await worker.run('split_parity', {
      input,
      sinkConnections: 2,
      batchSize: 1000,
      chaos: true,
    });
    expect(finalizeStateIds.map(bytesToText)).toEqual(['0', '1']);
    expect(sorted(output.getChild('n')!.toArray() as Int32Array)).toEqual([...n]);
    expect(leaks).toEqual([]);
  });
});
