/**
 * The README's "Recipes" example is code users copy: it must type-check against the
 * package's types and sort as written.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import * as ts from 'typescript';
import type { SiloModule } from '../../../src';
import { createTestingWorker } from '../../../src/testing';

const ROOT = path.resolve(__dirname, '../../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const code = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('\n## Recipes\n')))![1];

describe('README: Recipes', () => {
  it('should type-check against the package', () => {
    const file = path.join(ROOT, 'test/unit/recipes/__readme_recipes__.ts');
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
      baseUrl: ROOT,
      paths: { 'vgi-silo': ['src/index.ts'] },
    };
    const host = ts.createCompilerHost(options);
    const getSource = host.getSourceFile.bind(host);
    const exists = host.fileExists.bind(host);
    host.fileExists = (f) => path.resolve(f) === file || exists(f);
    host.getSourceFile = (f, v, onError, create) => (path.resolve(f) === file ? ts.createSourceFile(f, code, v, true) : getSource(f, v, onError, create));
    const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([file], options, host)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  }, 120_000);

  it('should sort as written, under chaos with 3 sink connections', async () => {
    const js = ts.transpileModule(code, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: true },
    }).outputText;
    const exported: { SortModule?: SiloModule } = {};
    const load = createRequire(__filename);
    new Function('require', 'exports', js)((id: string): unknown => (id === 'vgi-silo' ? load('../../../src') : load(id)), exported);
    const worker = await createTestingWorker({ modules: [exported.SortModule!] }).compile();
    const input = tableFromArrays({ x: Int32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000) });
    const { output, leaks } = await worker.run('sort_rows', { input, args: { by: 'x DESC' }, sinkConnections: 3, batchSize: 700 });
    expect([...output.getChild('x')!.toArray()]).toEqual(Array.from({ length: 5000 }, (_, i) => 4999 - i));
    expect(leaks).toEqual([]);
  });
});
