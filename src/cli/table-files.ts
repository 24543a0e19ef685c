/**
 * Input and output files of `silo run`, chosen by extension: `.csv`, `.json` / `.ndjson`
 * / `.jsonl`, and Arrow IPC (`.arrow`, `.arrows`, `.ipc`; stream or file format).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { type Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { CliError } from './cli.error';
import { readCsv } from './csv-reader';
import { readJson } from './json-reader';

const READERS: Record<string, (text: Buffer, source: string) => Table> = {
  '.csv': (bytes, source) => readCsv(bytes.toString('utf8'), source),
  '.json': (bytes, source) => readJson(bytes.toString('utf8'), source),
  '.ndjson': (bytes, source) => readJson(bytes.toString('utf8'), source),
  '.jsonl': (bytes, source) => readJson(bytes.toString('utf8'), source),
  '.arrow': readArrow,
  '.arrows': readArrow,
  '.ipc': readArrow,
};

/**
 * Extensions `silo run --input` and `--out` accept.
 *
 * @example
 * ```ts
 * TABLE_FILE_EXTENSIONS.includes(extname(path)); // true for .csv, .json, .arrow, ...
 * ```
 */
export const TABLE_FILE_EXTENSIONS = Object.keys(READERS);

/**
 * Reads a table file by its extension.
 *
 * @example
 * ```ts
 * const trips = readTableFile('samples/data/trips.arrow');
 * ```
 */
export function readTableFile(path: string): Table {
  const read = READERS[extname(path).toLowerCase()];
  if (read === undefined) throw unsupported(path, '--input');
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CliError(`Cannot read the input file "${path}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}.`);
  }
  return read(bytes, `input file "${path}"`);
}

/**
 * Writes a table to a file by its extension: CSV with a header row, JSON as an array of
 * objects, Arrow IPC in the file format.
 *
 * @example
 * ```ts
 * writeTableFile('out.json', output);
 * ```
 */
export function writeTableFile(path: string, table: Table): void {
  const ext = extname(path).toLowerCase();
  let bytes: Uint8Array | string;
  if (ext === '.csv') bytes = toCsv(table);
  else if (ext === '.json') bytes = `${JSON.stringify(toRows(table), null, 2)}\n`;
  else if (ext === '.ndjson' || ext === '.jsonl') bytes = toRows(table).map((r) => `${JSON.stringify(r)}\n`).join('');
  else if (ext === '.arrow' || ext === '.ipc') bytes = tableToIPC(table, 'file');
  else if (ext === '.arrows') bytes = tableToIPC(table, 'stream');
  else throw unsupported(path, '--out');
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new CliError(`Cannot write the output file "${path}": ${(e as Error).message}.`);
  }
}

/**
 * Rows as plain JSON-safe objects: int64 as a number when it is exact, else a string;
 * bytes as hex.
 *
 * @example
 * ```ts
 * toRows(table); // [{ city: 'Lima', trips: 3 }]
 * ```
 */
export function toRows(table: Table): Record<string, unknown>[] {
  const names = table.schema.fields.map((f) => f.name);
  const columns = names.map((n) => table.getChild(n)!);
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    names.forEach((n, c) => (row[n] = jsonValue(columns[c].get(i))));
    rows.push(row);
  }
  return rows;
}

/**
 * A JSON-safe form of one Arrow value.
 *
 * @example
 * ```ts
 * jsonValue(2n ** 60n); // '1152921504606846976'
 * ```
 */
export function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value !== null && typeof value === 'object' && 'toJSON' in value && typeof (value as { toJSON: unknown }).toJSON === 'function') {
    return JSON.parse(JSON.stringify((value as { toJSON(): unknown }).toJSON(), (_k, v: unknown) => jsonValue(v)));
  }
  return value ?? null;
}

function toCsv(table: Table): string {
  const names = table.schema.fields.map((f) => f.name);
  const lines = [names.map(csvField).join(',')];
  for (const row of toRows(table)) lines.push(names.map((n) => (row[n] === null ? '' : csvField(typeof row[n] === 'object' ? JSON.stringify(row[n]) : String(row[n])))).join(','));
  return `${lines.join('\n')}\n`;
}

function csvField(text: string): string {
  // An empty string is quoted so it reads back as '' rather than NULL.
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function readArrow(bytes: Buffer, source: string): Table {
  try {
    return tableFromIPC(bytes);
  } catch (e) {
    throw new CliError(`${source} is not an Arrow IPC file or stream: ${(e as Error).message}.`);
  }
}

function unsupported(path: string, option: string): CliError {
  const ext = extname(path) || '(none)';
  return new CliError(`${option} "${path}": unsupported file extension ${ext}. Use one of ${TABLE_FILE_EXTENSIONS.join(', ')}.`);
}
