/**
 * Renders the error code table as the Markdown page docs/errors.md. The page is
 * generated (`npm run docs:errors`); a test fails when it is stale.
 */
import { ERROR_CODES, ERROR_CODE_RANGES, type ErrorCodeEntry } from './error-codes';

/** A table cell: pipes escaped, so a message can quote code. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The whole page, ending with a newline. */
export function renderErrorDocs(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from src/errors/error-codes.ts by `npm run docs:errors`; edit the table there, not this page. -->',
    '',
    'Every error Silo raises is a `SiloError` with a stable `code`: match on the code, not on the',
    "wording (`isSiloError(e) && e.code === 'SILO510'`). The message itself says what was wrong",
    'and how to fix it; this page lists every code with what to do. `ERROR_CODES` (exported by',
    '`vgi-silo`) holds the same table.',
    '',
    '| Range | Covers | Raised |',
    '|---|---|---|',
    ...ERROR_CODE_RANGES.map((r) => `| \`${r.prefix}xx\` | ${cell(r.title)} | ${cell(r.when)} |`),
  ];
  const entries = Object.entries(ERROR_CODES) as [string, ErrorCodeEntry][];
  for (const range of ERROR_CODE_RANGES) {
    lines.push('', `## ${range.prefix}xx: ${range.title}`, '', '| Code | Error | What to do |', '|---|---|---|');
    for (const [code, entry] of entries.filter(([c]) => c.startsWith(range.prefix))) {
      lines.push(`| \`${code}\` | ${cell(entry.title)} | ${cell(entry.action)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
