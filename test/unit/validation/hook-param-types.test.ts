import { type RecordBatch, Table, tableFromArrays } from 'apache-arrow';
import { BufferingFunction, Finalize, type Output, Process, defineModule } from '../../../src';
import { createTestingWorker } from '../../../src/testing';

/** What tsc records for `process(batch: RecordBatch)` when RecordBatch comes from `import type`: Function. */
@BufferingFunction({ name: 'typed_by_import_type' })
class TypedByImportType {
  @Process() process(_batch: RecordBatch): void {}
  @Finalize() finalize(_state: unknown, out: Output): void {
    out.finish();
  }
}
Reflect.defineMetadata('design:paramtypes', [Function, Object], TypedByImportType.prototype, 'process');

describe('Hook parameter types recorded by tsc', () => {
  it('should accept a batch parameter recorded as Function (a class imported with `import type`)', async () => {
    const worker = await createTestingWorker({ modules: [defineModule({ functions: [TypedByImportType] })] }).compile();
    const { output } = await worker.run('typed_by_import_type', {
      input: new Table(tableFromArrays({ x: [1, 2] }).batches),
    });
    expect(output.numRows).toBe(0);
  });
});
