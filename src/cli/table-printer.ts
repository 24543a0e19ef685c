/**
 * Renders a table's first rows as an aligned text grid for the terminal, DuckDB-style:
 * column names, their types, the rows, and how many rows were left out.
 */
import { type Table } from 'apache-arrow';
import { typeName } from '../client';
import { jsonValue } from './json-value';

const MAX_CELL = 40;

/**
 * The first `maxRows` rows of `table` as text; `totalRows` is how many rows the result
 * has when `table` holds only the first ones.
 */
export function formatTable(table: Table, maxRows = 20, totalRows = table.numRows): string {
  const names = table.schema.fields.map((f) => f.name);
  if (names.length === 0) return `(${totalRows} row${totalRows === 1 ? '' : 's'}, no columns)`;
  const types = table.schema.fields.map((f) => typeName(f.type));
  const shown = Math.min(maxRows, table.numRows);
  const columns = names.map((n) => table.getChild(n)!);
  const cells: string[][] = [];
  for (let i = 0; i < shown; i++) cells.push(columns.map((c) => cellText(c.get(i))));
  const numeric = table.schema.fields.map((f) => /^(u?int|float|decimal)/.test(typeName(f.type)));
  const widths = names.map((n, c) => Math.max(n.length, types[c].length, ...cells.map((r) => r[c].length)));
  const line = (l: string, m: string, r: string): string => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;
  const row = (values: readonly string[], alignRight: readonly boolean[]): string =>
    `│${values.map((v, c) => ` ${alignRight[c] ? v.padStart(widths[c]) : v.padEnd(widths[c])} `).join('│')}│`;
  const left = names.map(() => false);
  const out = [line('┌', '┬', '┐'), row(names, left), row(types, left), line('├', '┼', '┤')];
  for (const r of cells) out.push(row(r, numeric));
  out.push(line('└', '┴', '┘'));
  const more = totalRows - shown;
  out.push(`${totalRows} row${totalRows === 1 ? '' : 's'}${more > 0 ? ` (${shown} shown)` : ''}`);
  return out.join('\n');
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const plain = jsonValue(value);
  const text = typeof plain === 'object' ? JSON.stringify(plain) : String(plain);
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > MAX_CELL ? `${oneLine.slice(0, MAX_CELL - 1)}…` : oneLine;
}
