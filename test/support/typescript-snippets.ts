/**
 * Compiling and running TypeScript snippets as files of this repository: the README's
 * examples and the decorators' compile-time checks are tested as a user's code would be,
 * with `vgi-silo` resolving to this repository's source.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as ts from 'typescript';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { packageSources } = require('./swc-options') as { packageSources: Record<string, string> };

export const ROOT = path.resolve(__dirname, '../..');

const OPTIONS: ts.CompilerOptions = {
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
  // Every import name of the package, as jest maps it.
  paths: Object.fromEntries(Object.entries(packageSources).map(([name, file]) => [name, [file]])),
};

/** The first ```ts block after `heading` in the README. */
export function readmeExample(heading: string): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  const match = at < 0 ? null : /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!match) throw new Error(`README: no ts block under "${heading}"`);
  return match[1];
}

/**
 * Type-checks virtual files (absolute path → source) in one program; returns each
 * file's diagnostics as "TSnnnn: message", chains flattened.
 */
export function typeCheck(files: Readonly<Record<string, string>>): Record<string, string[]> {
  const sources = new Map(Object.entries(files).map(([file, text]) => [path.resolve(file), text]));
  const host = ts.createCompilerHost(OPTIONS);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  const getSource = host.getSourceFile.bind(host);
  host.readFile = (f) => sources.get(path.resolve(f)) ?? read(f);
  host.fileExists = (f) => sources.has(path.resolve(f)) || exists(f);
  host.getSourceFile = (f, v, onError, create) => {
    const text = sources.get(path.resolve(f));
    return text !== undefined ? ts.createSourceFile(f, text, v, true) : getSource(f, v, onError, create);
  };
  const program = ts.createProgram([...sources.keys()], OPTIONS, host);
  const byFile: Record<string, string[]> = Object.fromEntries([...sources.keys()].map((f) => [f, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file ? path.resolve(d.file.fileName) : undefined;
    if (file && file in byFile) byFile[file].push(`TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  return byFile;
}

/** Transpiles a snippet and runs it as a CommonJS module; its `vgi-silo` imports are this repository's source. */
export function loadSnippet<T>(code: string): T {
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: true },
  }).outputText;
  const exported = {} as T;
  const load = createRequire(__filename);
  new Function('require', 'exports', js)((id: string): unknown => load(packageSources[id] ?? id), exported);
  return exported;
}
