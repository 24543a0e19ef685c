/**
 * The guides in docs/ are code users copy. Every ```ts block of every guide is
 * type-checked against the package (strict, as a user's project would compile it) and
 * run: blocks that are tests (`it(...)`) run as tests here, and every other block must be
 * imported by one of them, so no block can go untested. A block marked `compile-only` on
 * its fence is only type-checked; other fence languages (sql, json, bash) are not code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ROOT,
  SnippetLoader,
  guideSnippets,
  markdownBlocks,
  snippetPath,
  typeCheck,
  type MarkdownSnippet,
} from '../support/typescript-snippets';

const guides = readdirSync(path.join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => `docs/${f}`);
const snippets = guides.flatMap(guideSnippets);
const files = new Map(snippets.map((s) => [snippetPath(s), s.code]));
const where = (s: MarkdownSnippet) => `${s.guide}:${s.line} (${s.file})`;

/** Blocks (by file) that registered at least one test when loaded. */
const testing = new Set<string>();
const counted =
  (register: jest.It) =>
  (file: string): jest.It => {
    const it = ((name: string, fn?: jest.ProvidesCallback, timeout?: number) => {
      testing.add(file);
      return register(`${name} (${path.basename(file)})`, fn, timeout ?? 60_000);
    }) as jest.It;
    return Object.assign(it, {
      only: register.only,
      skip: register.skip,
      todo: register.todo,
      each: register.each,
      concurrent: register.concurrent,
      failing: register.failing,
    });
  };

describe('docs/ guides', () => {
  it('should have guides, each block in a file of its own', () => {
    expect(guides.length).toBeGreaterThan(0);
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const s of snippets) {
      const key = snippetPath(s);
      if (seen.has(key)) duplicates.push(`${where(s)} reuses file=${s.file} of ${seen.get(key)}`);
      seen.set(key, where(s));
    }
    expect(duplicates).toEqual([]);
  });

  it('should fence TypeScript as ```ts only, so that no TypeScript block escapes these tests', () => {
    const other = guides.flatMap((g) =>
      ['typescript', 'tsx', 'mts', 'cts'].flatMap((lang) =>
        markdownBlocks(readFileSync(path.join(ROOT, g), 'utf8'), lang).map(
          (b) => `${g}:${b.line} is fenced as ${lang}`,
        ),
      ),
    );
    expect(other).toEqual([]);
  });

  it('should type-check every ts block against the package', () => {
    const diagnostics = typeCheck(Object.fromEntries(files), { types: ['node', 'jest'] });
    const problems = snippets.flatMap((s) => diagnostics[snippetPath(s)].map((d) => `${where(s)}: ${d}`));
    expect(problems).toEqual([]);
  }, 300_000);

  describe.each(guides)('%s', (guide) => {
    const own = snippets.filter((s) => s.guide === guide && !s.compileOnly);
    // One module cache per guide: a test block and the blocks it imports share their
    // classes, as the files of one project do.
    const loader = new SnippetLoader(files, (file) => ({
      it: counted(it)(file),
      test: counted(it)(file),
      describe,
      expect,
      beforeAll,
      afterAll,
      beforeEach,
      afterEach,
    }));
    for (const s of own) {
      try {
        loader.load(snippetPath(s));
      } catch (error) {
        it(`${where(s)} should load`, () => {
          throw error;
        });
      }
    }

    it('should run every block: as a test, or imported by one', () => {
      const untested = own
        .filter((s) => !testing.has(snippetPath(s)) && !loader.imported.has(snippetPath(s)))
        .map(where);
      expect(untested).toEqual([]);
    });
  });
});
