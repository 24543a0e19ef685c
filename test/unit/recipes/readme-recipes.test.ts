/**
 * The README's "Recipes" example is code users copy: it must type-check against the
 * package's types and sort as written.
 */
import * as path from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import type { SiloModule } from '../../../src';
import { createTestingWorker } from '../../../src/testing';
import { ROOT, loadSnippet, readmeExample, typeCheck } from '../../support/typescript-snippets';

const code = readmeExample('## Recipes');

describe('README: Recipes', () => {
  it('should type-check against the package', () => {
    const file = path.join(ROOT, 'test/unit/recipes/__readme_recipes__.ts');
    expect(typeCheck({ [file]: code })[file]).toEqual([]);
  }, 120_000);

  it('should sort as written, under chaos with 3 sink connections', async () => {
    const exported = loadSnippet<{ SortModule?: SiloModule }>(code);
    const worker = await createTestingWorker({ modules: [exported.SortModule!] }).compile();
    const input = tableFromArrays({ x: Int32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000) });
    const { output, leaks } = await worker.run('sort_rows', {
      input,
      args: { by: 'x DESC' },
      sinkConnections: 3,
      batchSize: 700,
    });
    expect([...output.getChild('x')!.toArray()]).toEqual(Array.from({ length: 5000 }, (_, i) => 4999 - i));
    expect(leaks).toEqual([]);
  });
});
