import { RecordBatch, Table, tableFromArrays } from 'apache-arrow';
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

  it("should accept the batch class under the name a bundler gave it (silo snapshot's esbuild renames it _RecordBatch)", async () => {
    @BufferingFunction({ name: 'typed_by_bundled_class' })
    class TypedByBundledClass {
      @Process() process(_batch: RecordBatch): void {}
      @Finalize() finalize(_state: unknown, out: Output): void {
        out.finish();
      }
    }
    const named = Object.getOwnPropertyDescriptor(RecordBatch, 'name')!;
    Object.defineProperty(RecordBatch, 'name', { ...named, value: '_RecordBatch' });
    try {
      expect(Reflect.getMetadata('design:paramtypes', TypedByBundledClass.prototype, 'process')).toEqual([RecordBatch]);
      await expect(
        createTestingWorker({ modules: [defineModule({ functions: [TypedByBundledClass] })] }).compile(),
      ).resolves.toBeDefined();
    } finally {
      Object.defineProperty(RecordBatch, 'name', named);
    }
  });
});
