/**
 * The pieces the guide tests rest on: fences are found as Markdown defines them, and
 * snippet files import each other and see the globals they are given.
 */
import * as path from 'node:path';
import { ROOT, SnippetLoader, markdownBlocks } from '../support/typescript-snippets';

describe('markdownBlocks', () => {
  it('should find blocks by language with their fence words and line, skipping other languages', () => {
    const md = [
      '# T',
      '```ts file=a.ts compile-only',
      'const a = 1;',
      '```',
      '',
      '````sql',
      '```ts',
      'not a block',
      '````',
      '```ts',
      'b',
      '```',
    ].join('\n');
    expect(markdownBlocks(md, 'ts')).toEqual([
      { line: 2, attributes: ['file=a.ts', 'compile-only'], code: 'const a = 1;\n' },
      { line: 10, attributes: [], code: 'b\n' },
    ]);
  });

  it('should refuse a fence that is never closed', () => {
    expect(() => markdownBlocks('```ts\nconst a = 1;\n', 'ts')).toThrow('line 1: a ``` fence that is never closed');
  });
});

describe('SnippetLoader', () => {
  it('should resolve ./relative imports between files, once each, and record which were imported', () => {
    const dir = path.join(ROOT, 'docs', '.snippets', 'probe');
    const files = new Map([
      [
        path.join(dir, 'value.ts'),
        'export const value: number = 20; export const loaded = { times: 0 }; loaded.times++;',
      ],
      [
        path.join(dir, 'use.ts'),
        "import { value, loaded } from './value'; import { loaded as again } from './value.ts'; export const doubled = value * 2 + offset; export const times = loaded.times + (again === loaded ? 0 : 100);",
      ],
    ]);
    const loader = new SnippetLoader(files, () => ({ offset: 2 }));
    expect(loader.load(path.join(dir, 'use.ts'))).toMatchObject({ doubled: 42, times: 1 });
    expect([...loader.imported]).toEqual([path.join(dir, 'value.ts')]);
  });
});
