/**
 * Writes the wire benchmark's generated blocks into bench/RESULTS.md. The `## Wire`
 * section also holds hand-written analysis, so only the text between a block's markers
 * is replaced; everything else in the file (other sections included) is kept.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export type Block = 'table' | 'profile';

const SECTION = '## Wire';
const start = (block: Block) => `<!-- wire-bench:${block}:start -->`;
const end = (block: Block) => `<!-- wire-bench:${block}:end -->`;

/**
 * Replaces one generated block of the `## Wire` section (creating the section, at the
 * end of the file, when it does not exist yet).
 */
export function writeBlock(path: string, block: Block, content: string): void {
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  if (!text.includes(`\n${SECTION}\n`)) {
    text = `${text.trimEnd()}\n\n${SECTION}\n\n${start('table')}\n${end('table')}\n\n${start('profile')}\n${end('profile')}\n`;
  }
  const from = text.indexOf(start(block));
  const to = text.indexOf(end(block));
  if (from < 0 || to < from)
    throw new Error(
      `${path}: the "${SECTION}" section has no ${start(block)} … ${end(block)} markers; add them where the block belongs.`,
    );
  text = `${text.slice(0, from + start(block).length)}\n${content.trim()}\n${text.slice(to)}`;
  writeFileSync(path, text);
}
