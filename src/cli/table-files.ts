/**
 * Input and output files of `silo run`, chosen by extension: `.csv`, `.json` / `.ndjson`
 * / `.jsonl`, and Arrow IPC (`.arrow`, `.arrows`, `.ipc`; stream or file format). The
 * output may also go to stdout (`--out -`) in the format `--format` names.
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
 * Formats `silo run --format` accepts. `arrow` is the IPC file format in a file and the
 * IPC stream format on stdout, which a reader can consume as it arrives.
 *
 * @example
 * ```ts
 * TABLE_FORMATS.includes('ndjson'); // true
 * ```
 */
export const TABLE_FORMATS = ['csv', 'json', 'ndjson', 'arrow'] as const;

/**
 * One of {@link TABLE_FORMATS}.
 *
 * @example
 * ```ts
 * const format: TableFormat = 'csv';
 * ```
 */
export type TableFormat = (typeof TABLE_FORMATS)[number];

/** `--out -`: the result goes to stdout. */
export const STDOUT_PATH = '-';

/** An output encoding: the format plus, for Arrow, which of the two IPC layouts. */
type Encoding = TableFormat | 'arrow-stream';

const ENCODING_BY_EXTENSION: Record<string, Encoding> = {
  '.csv': 'csv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.arrow': 'arrow',
  '.ipc': 'arrow',
  '.arrows': 'arrow-stream',
};

/**
 * Where and how `silo run` writes its result, checked before the run starts.
 *
 * @example
 * ```ts
 * const output = resolveTableOutput('-', 'ndjson');
 * output?.write(result.output, process.stdout);
 * ```
 */
export interface TableOutput {
  /** The file, or `stdout`. */
  readonly destination: string;
  readonly format: TableFormat;
  /** Writes the table to the file, or to `stdout` when the destination is `-`. */
  write(table: Table, stdout: NodeJS.WritableStream & { isTTY?: boolean }): void;
}

/**
 * Checks `--out` and `--format` together: a file's format comes from `--format`, else
 * from its extension; `--out -` writes to stdout in `--format` (default csv). Returns
 * `undefined` when there is no `--out` (the result is printed as a table).
 *
 * @example
 * ```ts
 * resolveTableOutput('sums.json', undefined)?.format; // 'json'
 * resolveTableOutput('-', 'arrow')?.destination;       // 'stdout'
 * ```
 */
export function resolveTableOutput(out: string | undefined, format: string | undefined): TableOutput | undefined {
  const named = format === undefined ? undefined : parseFormat(format);
  if (out === undefined) {
    if (named !== undefined) throw new CliError(`--format ${named} needs --out: pass --out FILE, or --out - to write the result to stdout.`);
    return undefined;
  }
  if (out === STDOUT_PATH) {
    const chosen = named ?? 'csv';
    return {
      destination: 'stdout',
      format: chosen,
      write(table, stdout) {
        if (chosen === 'arrow' && stdout.isTTY) {
          throw new CliError('--out - --format arrow writes binary Arrow IPC, and stdout is a terminal. Redirect it (> result.arrows) or pipe it into a reader.');
        }
        stdout.write(encodeTable(table, chosen === 'arrow' ? 'arrow-stream' : chosen));
      },
    };
  }
  const byExtension = ENCODING_BY_EXTENSION[extname(out).toLowerCase()];
  const encoding: Encoding | undefined = named === undefined ? byExtension : named === 'arrow' && byExtension === 'arrow-stream' ? 'arrow-stream' : named;
  if (encoding === undefined) {
    const ext = extname(out) || '(none)';
    throw new CliError(`--out "${out}": unsupported file extension ${ext}. Use one of ${TABLE_FILE_EXTENSIONS.join(', ')}, or name the format with --format ${TABLE_FORMATS.join('|')}.`);
  }
  return {
    destination: out,
    format: encoding === 'arrow-stream' ? 'arrow' : encoding,
    write(table) {
      try {
        writeFileSync(out, encodeTable(table, encoding));
      } catch (e) {
        throw new CliError(`Cannot write the output file "${out}": ${(e as Error).message}.`);
      }
    },
  };
}

/**
 * Writes a table to a file by its extension: CSV with a header row, JSON as an array of
 * objects, Arrow IPC in the file format (`.arrows`: the stream format).
 *
 * @example
 * ```ts
 * writeTableFile('out.json', output);
 * ```
 */
export function writeTableFile(path: string, table: Table): void {
  resolveTableOutput(path, undefined)!.write(table, process.stdout);
}

function parseFormat(format: string): TableFormat {
  const normalized = format.trim().toLowerCase();
  if ((TABLE_FORMATS as readonly string[]).includes(normalized)) return normalized as TableFormat;
  throw new CliError(`--format "${format}" is not an output format. Use one of ${TABLE_FORMATS.join(', ')}.`);
}

function encodeTable(table: Table, encoding: Encoding): Uint8Array | string {
  switch (encoding) {
    case 'csv':
      return toCsv(table);
    case 'json':
      return `${JSON.stringify(toRows(table), null, 2)}\n`;
    case 'ndjson':
      return toRows(table).map((r) => `${JSON.stringify(r)}\n`).join('');
    case 'arrow':
      return tableToIPC(table, 'file');
    case 'arrow-stream':
      return tableToIPC(table, 'stream');
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
