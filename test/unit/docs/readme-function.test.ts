/**
 * The README's "A function" example is code users copy: it must type-check against the
 * package's types and run as written.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import * as ts from 'typescript';
import type { SiloModule } from '../../../src';
import { createTestingWorker } from '../../../src/testing';

const ROOT = path.resolve(__dirname, '../../..');

function exampleUnder(heading: string): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error(`README: no ts block under "${heading}"`);
  return match[1];
}

const code = exampleUnder('## A function');

describe('README: A function', () => {
  it('should type-check against the package', () => {
    const file = path.join(ROOT, 'test/unit/docs/__readme_function__.ts');
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
    const program = ts.createProgram([file], options, host);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  }, 120_000);

  it('should run as written: the first rows of each batch, under chaos with 3 sink connections', async () => {
    const js = ts.transpileModule(code, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: true },
    }).outputText;
    const exported: { BufferModule?: SiloModule } = {};
    // The example's imports, resolved from this repository ('vgi-silo' is its source).
    const load = createRequire(__filename);
    const resolve = (id: string): unknown => (id === 'vgi-silo' ? load('../../../src') : load(id));
    new Function('require', 'exports', js)(resolve, exported);
    const worker = await createTestingWorker({ modules: [exported.BufferModule!] }).compile();
    const input = tableFromArrays({ x: Int32Array.from({ length: 5000 }, (_, i) => i) });
    const { output, leaks } = await worker.run('buffer_all', { input, args: { head: 2n }, sinkConnections: 3, batchSize: 1000 });
    expect([...output.getChild('x')!.toArray()].sort((a, b) => a - b)).toEqual([0, 1, 1000, 1001, 2000, 2001, 3000, 3001, 4000, 4001]);
    expect(leaks).toEqual([]);
  });
});
