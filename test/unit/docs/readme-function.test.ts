/**
 * The README's "A function" example is code users copy: it must type-check against the
 * package's types and run as written.
 */
import * as path from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import type { SiloModule } from '../../../src';
import { createTestingWorker } from '../../../src/testing';
import { ROOT, loadSnippet, readmeExample, typeCheck } from '../../support/typescript-snippets';

const code = readmeExample('## A function');

describe('README: A function', () => {
  it('should type-check against the package', () => {
    const file = path.join(ROOT, 'test/unit/docs/__readme_function__.ts');
    expect(typeCheck({ [file]: code })[file]).toEqual([]);
  }, 120_000);

  it('should run as written: the first rows of each batch, under chaos with 3 sink connections', async () => {
    const exported = loadSnippet<{ BufferModule?: SiloModule }>(code);
    const worker = await createTestingWorker({ modules: [exported.BufferModule!] }).compile();
    const input = tableFromArrays({ x: Int32Array.from({ length: 5000 }, (_, i) => i) });
    const { output, leaks } = await worker.run('buffer_all', {
      input,
      args: { head: 2n },
      sinkConnections: 3,
      batchSize: 1000,
    });
    expect([...output.getChild('x')!.toArray()].sort((a, b) => a - b)).toEqual([
      0, 1, 1000, 1001, 2000, 2001, 3000, 3001, 4000, 4001,
    ]);
    expect(leaks).toEqual([]);
  });
});
