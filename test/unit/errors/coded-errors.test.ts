/**
 * What a function author can run into outside registration is a coded SiloError too:
 * the code to match on, and a message that says what to do.
 */
import { Field, Int64, Schema, tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from '@jest/globals';
import {
  BoundStorage,
  MemoryStorage,
  Secrets,
  Settings,
  batchFromColumns,
  deserializeBatch,
  isSiloError,
  type SiloModule,
} from '../../../src';
import { serializeBatches } from '../../../src/arrow/ipc.codec';
import { GarbageCollector } from '../../../src/server-api';
import { createTestingWorker } from '../../../src/testing';
import { IdentityModule } from '../../fixtures/identity/identity.function';

/** The code and message of what `run` throws (or rejects with). */
async function failure(run: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await run();
  } catch (e) {
    if (!isSiloError(e)) throw new Error(`expected a SiloError, got ${String(e)}`, { cause: e });
    return { code: e.code, message: e.message };
  }
  throw new Error('expected a SiloError, nothing was thrown');
}

const schema = new Schema([new Field('n', new Int64(), true), new Field('m', new Int64(), true)]);

describe('coded errors outside registration', () => {
  it('should name the setting a function did not declare (SILO507)', async () => {
    expect(await failure(() => new Settings({ threads: 4n }).require('memory_limit'))).toEqual({
      code: 'SILO507',
      message:
        '[SILO507] Setting "memory_limit" was not provided. Add it to requiredSettings of the function so DuckDB sends it.',
    });
  });

  it('should name the secrets received when one is missing (SILO508)', async () => {
    const secrets = new Secrets([{ name: 's3', type: 's3', values: {} }]);
    expect(await failure(() => secrets.require('gcs'))).toEqual({
      code: 'SILO508',
      message:
        '[SILO508] Secret "gcs" was not provided (received: s3). Declare it in requiredSecrets or request it from @OnBind().',
    });
  });

  it('should refuse a module list entry that is not a module (SILO125)', async () => {
    const notAModule = { functions: [] } as unknown as SiloModule;
    expect(await failure(() => createTestingWorker({ modules: [notAModule] }).compile())).toEqual({
      code: 'SILO125',
      message:
        '[SILO125] Expected a module made by defineModule(), got object. Wrap the definition in defineModule({ ... }).',
    });
  });

  it('should refuse columns that do not fit the schema (SILO532)', async () => {
    expect((await failure(() => batchFromColumns(schema, { n: [1n, 2n], m: [1n] }))).code).toBe('SILO532');
    expect(await failure(() => batchFromColumns(schema, { n: [1n] }))).toEqual({
      code: 'SILO532',
      message: '[SILO532] batchFromColumns: every column needs the same length, got 1, 0. Pass arrays of one length.',
    });
  });

  it('should refuse bytes that are not one batch (SILO533)', async () => {
    const two = [batchFromColumns(schema, { n: [1n], m: [2n] }), batchFromColumns(schema, { n: [3n], m: [4n] })];
    expect(await failure(() => deserializeBatch(serializeBatches(schema, two)))).toEqual({
      code: 'SILO533',
      message:
        '[SILO533] deserializeBatch: expected one batch in the stream, found 2. Use deserializeBatches() for several.',
    });
  });

  it('should refuse a namespace reserved for the framework (SILO515)', async () => {
    const storage = BoundStorage.forUser(new MemoryStorage(), { kind: 'execution', id: new Uint8Array([1]) });
    expect((await failure(() => storage.put('\0mine', 'k', new Uint8Array([1])))).code).toBe('SILO515');
  });

  it('should refuse a garbage collector interval that is not positive (SILO339)', async () => {
    expect((await failure(() => new GarbageCollector(new MemoryStorage(), { intervalMs: 0 }))).code).toBe('SILO339');
  });

  it('should refuse a TestBed projection of a column the output lacks (SILO205)', async () => {
    const worker = await createTestingWorker({ modules: [IdentityModule] }).compile();
    expect(
      await failure(() =>
        worker.run('call_identity', { input: tableFromArrays({ n: Int32Array.from([1]) }), projection: ['nope'] }),
      ),
    ).toEqual({
      code: 'SILO205',
      message:
        '[SILO205] projection names column "nope", which the output schema does not have (phase, transaction_id, attach_id, worker_path, calls_in_transaction). Project only columns of the function\'s output.',
    });
  });
});
