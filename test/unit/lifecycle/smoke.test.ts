import { type RecordBatch, tableFromArrays } from 'apache-arrow';
import {
  BufferingFunction, Combine, EXECUTION_STORAGE, Finalize, Inject, Process, StateField, defineModule,
  deserializeBatch, serializeBatch, type BoundStorage, type FinalizeContext, type Output, type SinkContext,
} from '../../../src';
import { createTestingWorker } from '../../../src/testing';

class Cursor {
  @StateField('int64') afterId = -1n;
}

@BufferingFunction({ name: 'passthrough', state: Cursor })
class Passthrough {
  constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}
  @Process() async process(batch: RecordBatch, ctx: SinkContext) {
    await this.storage.append('buf', '', serializeBatch(batch));
    return ctx.executionId;
  }
  @Combine() combine(_ids: Uint8Array[], ctx: SinkContext) {
    return [ctx.executionId];
  }
  @Finalize() async finalize(_ctx: FinalizeContext, _fid: Uint8Array, state: Cursor, out: Output) {
    const [entry] = await this.storage.logScan('buf', '', { afterId: state.afterId, limit: 1 });
    if (!entry) return out.finish();
    out.emit(deserializeBatch(entry.value));
    state.afterId = entry.id;
  }
}

describe('smoke', () => {
  it('should pass rows through', async () => {
    const worker = await createTestingWorker({ modules: [defineModule({ functions: [Passthrough] })] }).compile();
    const input = tableFromArrays({ x: Float64Array.from({ length: 5000 }, (_, i) => i) });
    const r = await worker.run('passthrough', { input, sinkConnections: 2, chaos: true });
    expect(r.output.numRows).toBe(5000);
    expect(r.leaks).toEqual([]);
  });
});
