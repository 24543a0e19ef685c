/**
 * Batches and types built with a second installed copy of apache-arrow (the user's own,
 * beside the one vgi-silo resolves) are reported as such, naming `npm ls apache-arrow`,
 * instead of failing deep in apache-arrow with "Unrecognized type 'NONE'".
 */
import 'reflect-metadata';
import { describe, expect, it, jest } from '@jest/globals';
import type * as Arrow from 'apache-arrow';
import { RecordBatch, tableFromArrays } from 'apache-arrow';
import {
  BufferingFunction,
  Combine,
  Finalize,
  Named,
  type Output,
  Process,
  defineModule,
  deserializeBatch,
  serializeBatch,
} from '../../../src';
import { createTestingWorker } from '../../../src/testing';

/** A fresh module registry: the same files loaded again, with classes of their own, as a second install would. */
function secondArrowCopy(): typeof Arrow {
  let copy: typeof Arrow | undefined;
  jest.isolateModules(() => {
    copy = jest.requireActual<typeof Arrow>('apache-arrow');
  });
  return copy!;
}

const other = secondArrowCopy();
const REMEDY = [
  'comes from another copy of apache-arrow than the one vgi-silo uses, so vgi-silo cannot read it.',
  '  Potential solutions:',
  "  - In an ES module, import apache-arrow's classes from 'vgi-silo/arrow' instead of 'apache-arrow': there, 'apache-arrow' loads its ESM build, a second copy beside the CommonJS build vgi-silo uses.",
  "  - Run `npm ls apache-arrow`: it must list a single copy. Install an apache-arrow version within vgi-silo's peer range next to vgi-silo (npm install apache-arrow@^21.2.0), then run `npm dedupe`.",
].join('\n');

describe('apache-arrow objects from another copy of the library', () => {
  it('should load a second copy with classes of its own', () => {
    expect(other.Int32).not.toBe(jest.requireActual<typeof Arrow>('apache-arrow').Int32);
  });

  it('should name npm ls apache-arrow when a batch of the other copy is serialized', () => {
    const foreign = other.tableFromArrays({ n: Int32Array.of(1, 2, 3) }).batches[0] as unknown as RecordBatch;
    expect(() => serializeBatch(foreign)).toThrow(`[SILO305] IPC stream: the type of field "n" (Int32) ${REMEDY}`);
  });

  it('should keep serializing batches of its own copy', () => {
    const own = tableFromArrays({ n: Int32Array.of(1, 2, 3) }).batches[0];
    expect([...deserializeBatch(serializeBatch(own)).getChild('n')!.toArray()]).toEqual([1, 2, 3]);
  });

  it('should name npm ls apache-arrow when an argument type comes from the other copy', async () => {
    class Args {
      @Named(new other.Int32() as unknown as Arrow.DataType) n!: number | null;
    }
    @BufferingFunction({ name: 'foreign_argument_type', args: Args })
    class ForeignArgumentType {
      @Process() process(): Uint8Array {
        return new Uint8Array([1]);
      }

      @Combine() combine(): Uint8Array[] {
        return [];
      }

      @Finalize() finalize(_state: unknown, out: Output): void {
        out.finish();
      }
    }
    await expect(
      createTestingWorker({ modules: [defineModule({ functions: [ForeignArgumentType] })] }).compile(),
    ).rejects.toThrow(`[SILO305] Args.n: the DataType ${REMEDY}`);
  });
});
