/**
 * One table holds every code Silo raises. These tests keep the table, the code base and
 * the generated page docs/errors.md in step.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ERROR_CODES } from '../../../src';
import { ERROR_CODE_RANGES } from '../../../src/errors';
import { renderErrorDocs } from '../../../src/errors/error-docs';

const ROOT = path.resolve(__dirname, '../../..');
const SRC = path.join(ROOT, 'src');
const TABLE = path.join(SRC, 'errors', 'error-codes.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(file);
    return e.name.endsWith('.ts') ? [file] : [];
  });
}

/** Every SILOnnn written anywhere in src except the table itself. */
function codesInSource(): Set<string> {
  const codes = new Set<string>();
  for (const file of sourceFiles(SRC)) {
    if (file === TABLE) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(/SILO[0-9]{3}/g)) codes.add(match[0]);
  }
  return codes;
}

describe('the error code table', () => {
  const table = Object.keys(ERROR_CODES);
  const used = codesInSource();

  it('should hold every code used in src', () => {
    expect([...used].filter((code) => !(code in ERROR_CODES)).sort()).toEqual([]);
  });

  it('should hold only codes that src uses', () => {
    expect(table.filter((code) => !used.has(code))).toEqual([]);
  });

  it('should put every code in a documented range, in order', () => {
    expect(table.filter((code) => !ERROR_CODE_RANGES.some((r) => code.startsWith(r.prefix)))).toEqual([]);
    expect([...table].sort()).toEqual(table);
  });

  it('should give every code a title and what to do', () => {
    const incomplete = Object.entries(ERROR_CODES).filter(([, e]) => e.title.trim() === '' || !/[.)]$/.test(e.action));
    expect(incomplete).toEqual([]);
  });

  it('should document the client and CLI range', () => {
    expect(ERROR_CODE_RANGES.map((r) => r.prefix)).toEqual(['SILO1', 'SILO2', 'SILO3', 'SILO4', 'SILO5', 'SILO6']);
    expect(table.filter((code) => code.startsWith('SILO6')).length).toBeGreaterThan(10);
  });

  it('should match docs/errors.md (regenerate it with npm run docs:errors)', () => {
    expect(readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8')).toBe(renderErrorDocs());
  });
});
