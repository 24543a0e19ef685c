import { type RecordBatch, tableFromArrays } from 'apache-arrow';
import {
  type BoundStorage,
  BufferingFunction,
  Combine,
  EXECUTION_STORAGE,
  Finalize,
  Inject,
  type Output,
  Process,
  SiloError,
  type SinkContext,
  StateField,
  defineModule,
  deserializeBatch,
  serializeBatch,
} from '../../../src';
import { createTestingWorker } from '../../../src/testing';

/** Keeps its rows in an instance field: works while one process serves every phase. */
@BufferingFunction({ name: 'field_buffer' })
class FieldBuffer {
  private rows: RecordBatch[] = [];
  @Process() process(batch: RecordBatch) {
    this.rows.push(batch);
    return 'x';
  }
  @Combine() combine() {
    return ['all'];
  }
  @Finalize() finalize(_s: unknown, out: Output) {
    const next = this.rows.shift();
    if (next) out.emit(next);
    else out.finish();
  }
}

/** Keeps rows in a module variable: survives fresh containers, so only a rerun exposes it. */
const moduleRows: RecordBatch[] = [];
@BufferingFunction({ name: 'module_buffer' })
class ModuleBuffer {
  @Process() process(batch: RecordBatch) {
    moduleRows.push(batch);
    return 'x';
  }
  @Combine() combine() {
    return ['all'];
  }
  @Finalize() finalize(_s: unknown, out: Output) {
    // One row per batch ever seen by this module: correct only on the first run.
    out.emit(moduleRows[0].slice(0, moduleRows.length));
    out.finish();
  }
}

/** Keeps its tick cursor in an instance field instead of the state class. */
@BufferingFunction({ name: 'field_cursor' })
class FieldCursor {
  private emitted = 0;
  constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}
  @Process() async process(batch: RecordBatch, ctx: SinkContext) {
    await this.storage.append('buf', '', serializeBatch(batch));
    return ctx.executionId;
  }
  @Combine() combine(_ids: Uint8Array[], ctx: SinkContext) {
    return [ctx.executionId];
  }
  @Finalize() async finalize(_s: unknown, out: Output) {
    const entries = await this.storage.logScan('buf', '');
    if (this.emitted >= entries.length) return out.finish();
    out.emit(deserializeBatch(entries[this.emitted++].value));
  }
}

class Cursor {
  @StateField('int64') afterId = -1n;
}

/** The correct version: everything in storage, the cursor in the state class. */
@BufferingFunction({ name: 'stored_buffer', state: Cursor })
class StoredBuffer {
  constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}
  @Process() async process(batch: RecordBatch, ctx: SinkContext) {
    await this.storage.append('buf', '', serializeBatch(batch));
    return ctx.executionId;
  }
  @Combine() combine(_ids: Uint8Array[], ctx: SinkContext) {
    return [ctx.executionId];
  }
  @Finalize() async finalize(state: Cursor, out: Output) {
    const [entry] = await this.storage.logScan('buf', '', { afterId: state.afterId, limit: 1 });
    if (!entry) return out.finish();
    out.emit(deserializeBatch(entry.value));
    state.afterId = entry.id;
  }
}

const input = tableFromArrays({ x: Int32Array.from({ length: 5000 }, (_, i) => i) });
const modules = [defineModule({ functions: [FieldBuffer, ModuleBuffer, FieldCursor, StoredBuffer] })];

describe('TestBed chaos mode', () => {
  it('should fail a function that keeps state in an instance field by default (chaos on), and pass it with chaos: false', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    const chaotic = await worker.run('field_buffer', { input });
    expect(chaotic.output.numRows).toBe(0);
    const plain = await worker.run('field_buffer', { input, chaos: false });
    expect(plain.output.numRows).toBe(5000);
  });

  it('should catch a finalize cursor kept in an instance field (state must round-trip between ticks)', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    expect((await worker.run('field_cursor', { input, chaos: false })).output.numRows).toBe(5000);
    // Every tick runs on a fresh instance: the cursor restarts, so the stream never ends
    // on its own; three ticks show the first batch repeating.
    const { output } = await worker.run('field_cursor', { input, chaos: { rerun: false }, cancelAfterTicks: 3 });
    expect(output.numRows).toBe(3 * 2048);
    expect(output.getChild('x')!.get(2048)).toBe(0);
  });

  it('should catch state kept in a module variable by rerunning the query (SILO203)', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    await expect(worker.run('module_buffer', { input })).rejects.toThrow(
      new SiloError(
        'SILO203',
        "Running module_buffer twice on the same input gave different results under chaos: the function keeps state outside execution storage (a module-level variable, a static field, a provider's field). Keep everything later phases need in EXECUTION_STORAGE.",
      ),
    );
  });

  it('should pass a function that keeps everything in storage and state, with 4 sink connections', async () => {
    const worker = await createTestingWorker({ modules }).compile();
    const { output, leaks, ticks } = await worker.run('stored_buffer', { input, sinkConnections: 4, batchSize: 1000 });
    expect(output.numRows).toBe(5000);
    expect([...output.getChild('x')!.toArray()].sort((a, b) => a - b)).toEqual([...input.getChild('x')!.toArray()]);
    expect(ticks).toEqual([6]);
    expect(leaks).toEqual([]);
  });
});
