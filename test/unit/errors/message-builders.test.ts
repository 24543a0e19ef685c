/**
 * The wording of the errors a function author meets lives in message builders
 * (src/errors/messages.ts). In the folders below, a throw that spells its message inline
 * fails this test: add a builder and call it instead.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';

const ROOT = path.resolve(__dirname, '../../..');
const FOLDERS = [
  'src/container',
  'src/decorators',
  'src/definition',
  'src/lifecycle',
  'src/providers/secrets',
  'src/providers/settings',
  'src/registration',
  'src/testing',
  'src/validation',
  'src/worker',
];

/** Inline messages allowed, by file (none now: a new one needs a reason here). */
const ALLOWED: Readonly<Record<string, number>> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(file);
    return e.name.endsWith('.ts') ? [file] : [];
  });
}

/** The argument text of every `new XxxError(...)` in `source`. */
function errorArguments(source: string): string[] {
  const out: string[] = [];
  for (const match of source.matchAll(/new [A-Z][A-Za-z]*Error\(/g)) {
    let depth = 1;
    let at = match.index + match[0].length;
    const start = at;
    while (depth > 0 && at < source.length) {
      const c = source[at++];
      if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) depth--;
    }
    out.push(source.slice(start, at - 1));
  }
  return out;
}

/** True when an argument list passes a string or template literal as an argument. */
const spellsMessage = (args: string): boolean => /(^|,)\s*['"`]/.test(args) && !args.includes('messages.');

describe('error wording', () => {
  it('should come from a message builder in the author-facing layers', () => {
    const inline: Record<string, number> = {};
    for (const folder of FOLDERS) {
      for (const file of sourceFiles(path.join(ROOT, folder))) {
        const count = errorArguments(readFileSync(file, 'utf8')).filter(spellsMessage).length;
        if (count > 0) inline[path.relative(ROOT, file)] = count;
      }
    }
    expect(inline).toEqual(ALLOWED);
  });

  it('should notice a message spelled at the throw', () => {
    expect(errorArguments("throw new SiloError('SILO101', `bad ${x}`);").filter(spellsMessage)).toHaveLength(1);
    expect(errorArguments("throw new SiloError('SILO101', messages.bad(x));").filter(spellsMessage)).toHaveLength(0);
    expect(errorArguments("throw new InvalidOutputError(this.hook, 'no');").filter(spellsMessage)).toHaveLength(1);
  });
});
