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
 * file's diagnostics as "TSnnnn: message", chains flattened. `types` replaces the global
 * type packages (default `node`; add `jest` for files that call `it` and `expect`).
 */
export function typeCheck(
  files: Readonly<Record<string, string>>,
  extra: { readonly types?: readonly string[] } = {},
): Record<string, string[]> {
  const options: ts.CompilerOptions = { ...OPTIONS, types: [...(extra.types ?? OPTIONS.types ?? [])] };
  const sources = new Map(Object.entries(files).map(([file, text]) => [path.resolve(file), text]));
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  const getSource = host.getSourceFile.bind(host);
  host.readFile = (f) => sources.get(path.resolve(f)) ?? read(f);
  host.fileExists = (f) => sources.has(path.resolve(f)) || exists(f);
  // Virtual files may sit in directories that do not exist on disk.
  const dirExists = host.directoryExists?.bind(host);
  host.directoryExists = (d) =>
    [...sources.keys()].some((f) => f.startsWith(path.resolve(d) + path.sep)) || (dirExists ? dirExists(d) : true);
  host.getSourceFile = (f, v, onError, create) => {
    const text = sources.get(path.resolve(f));
    return text !== undefined ? ts.createSourceFile(f, text, v, true) : getSource(f, v, onError, create);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  const byFile: Record<string, string[]> = Object.fromEntries([...sources.keys()].map((f) => [f, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file ? path.resolve(d.file.fileName) : undefined;
    if (file && file in byFile)
      byFile[file].push(`TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  return byFile;
}

/** Transpiles a snippet and runs it as a CommonJS module; its `vgi-silo` imports are this repository's source. */
export function loadSnippet<T>(code: string): T {
  const js = ts.transpileModule(code, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  }).outputText;
  const exported = {} as T;
  const load = createRequire(__filename);
  new Function('require', 'exports', js)((id: string): unknown => load(packageSources[id] ?? id), exported);
  return exported;
}

/** One fenced ```ts block of a Markdown guide. */
export interface MarkdownSnippet {
  /** The guide it comes from, relative to the repository (`docs/state.md`). */
  readonly guide: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The file the block stands for: `file=src/x.ts` on the fence, else `block-<line>.ts`. */
  readonly file: string;
  /** `compile-only` on the fence: type-checked, never run. */
  readonly compileOnly: boolean;
  /** Words on the fence after `ts` (`file=…`, `compile-only`, …). */
  readonly attributes: readonly string[];
  readonly code: string;
}

/** Every fenced block of `language` in a Markdown file (fences at the start of a line). */
export function markdownBlocks(
  markdown: string,
  language: string,
): { line: number; attributes: string[]; code: string }[] {
  const blocks: { line: number; attributes: string[]; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(\S*)[ \t]*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(open[1]) && l.trim() === open[1]);
    if (end < 0) throw new Error(`line ${i + 1}: a ${open[1]} fence that is never closed`);
    if (open[2] === language)
      blocks.push({
        line: i + 1,
        attributes: open[3].split(/\s+/).filter(Boolean),
        code: lines.slice(i + 1, end).join('\n') + '\n',
      });
    i = end;
  }
  return blocks;
}

/** The ```ts blocks of a guide, each with the file it stands for. */
export function guideSnippets(guide: string): MarkdownSnippet[] {
  const markdown = readFileSync(path.join(ROOT, guide), 'utf8');
  return markdownBlocks(markdown, 'ts').map(({ line, attributes, code }) => {
    const named = attributes.find((a) => a.startsWith('file='));
    return {
      guide,
      line,
      file: named ? named.slice('file='.length) : `block-${line}.ts`,
      compileOnly: attributes.includes('compile-only'),
      attributes,
      code,
    };
  });
}

/** Where a guide's snippet lives as a virtual file: blocks of one guide share a directory, so `./x` imports resolve between them. */
export function snippetPath(snippet: Pick<MarkdownSnippet, 'guide' | 'file'>): string {
  return path.join(ROOT, 'docs', '.snippets', path.basename(snippet.guide, '.md'), snippet.file);
}

/**
 * Loads virtual TypeScript files as CommonJS modules: `./relative` imports between them
 * resolve to each other (cached, as Node does), package names to this repository's
 * source, and `globals(file)` are in scope of each file (jest's `it`, `expect`, …).
 */
export class SnippetLoader {
  private readonly cache = new Map<string, Record<string, unknown>>();
  /** Files some other file imported. */
  readonly imported = new Set<string>();

  constructor(
    private readonly files: ReadonlyMap<string, string>,
    private readonly globals: (file: string) => Readonly<Record<string, unknown>>,
  ) {}

  load(file: string): Record<string, unknown> {
    const cached = this.cache.get(file);
    if (cached) return cached;
    const code = this.files.get(file);
    if (code === undefined) throw new Error(`no snippet file ${file}`);
    const module = { exports: {} as Record<string, unknown> };
    this.cache.set(file, module.exports);
    const js = ts.transpileModule(code, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
      },
    }).outputText;
    const load = createRequire(file);
    const requireFrom = (id: string): unknown => {
      if (id.startsWith('.')) {
        const target = [path.resolve(path.dirname(file), id), path.resolve(path.dirname(file), `${id}.ts`)].find((f) =>
          this.files.has(f),
        );
        if (target) {
          this.imported.add(target);
          return this.load(target);
        }
      }
      return load(packageSources[id] ?? id);
    };
    const globals = this.globals(file);
    const names = Object.keys(globals);
    new Function('require', 'exports', 'module', ...names, js)(
      requireFrom,
      module.exports,
      module,
      ...names.map((n) => globals[n]),
    );
    this.cache.set(file, module.exports);
    return module.exports;
  }
}
