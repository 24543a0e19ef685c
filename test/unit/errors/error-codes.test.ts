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

/**
 * The plain errors left in src, by file, and why none of them reaches a user as it is:
 * invariants of Silo's own code, or errors that are wrapped into a coded one before they
 * leave Silo. A new plain throw fails the test below: give it a code instead.
 */
const PLAIN_THROWS: Readonly<Record<string, number>> = {
  'src/protocol/unary-result.codec.ts': 2, // Silo's own encoder and decoder called for a stream method
  'src/protocol/generation-a.schema.ts': 1, // a schema table that does not match itself, at load time
  'src/protocol/method-table.ts': 2, // lookups of Silo's own method table
  'src/arrow/ipc-stream.writer.ts': 1, // a writer used after end() by Silo's own code
  'src/observability/health-check.ts': 1, // a storage timeout, reported in the /healthz body, never thrown
  'src/arrow/message-framer.ts': 3, // concurrent reads and non-byte chunks from Silo's own channels
  'src/arrow/value.reader.ts': 1, // a column Silo's own codecs read from their own schemas
  'src/cli/table-source.ts': 1, // wrapped into the CLI's SILO610 naming the file
  'src/cli/init-template.ts': 1, // the user's own code that silo init writes
  'src/client/http/http-request.ts': 1, // a cut-off answer, turned into SILO606 (or a retry)
  'src/client/http/http-connection.ts': 1, // a thrown non-Error normalised into an Error
  'src/client/connection/worker-connection.ts': 1, // a thrown non-Error normalised into an Error
  'src/client/connection/worker-channel.ts': 2, // a write to a worker that is gone, reported as SILO601
  'src/collections/codec.ts': 5, // codecs refusing a value, reported by the collection as SILO520/SILO521
};

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

  it('should leave no plain Error, TypeError or RangeError a user can reach', () => {
    const found: Record<string, number> = {};
    for (const file of sourceFiles(SRC)) {
      const code = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/)/.test(line))
        .join('\n');
      const count = (code.match(/new (Error|TypeError|RangeError)\(/g) ?? []).length;
      if (count > 0) found[path.relative(ROOT, file)] = count;
    }
    expect(found).toEqual(PLAIN_THROWS);
  });

  it('should match docs/errors.md (regenerate it with npm run docs:errors)', () => {
    expect(readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8')).toBe(renderErrorDocs());
  });
});
