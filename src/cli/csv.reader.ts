/**
 * A small, strict CSV reader (RFC 4180): a header row, comma-separated fields, fields in
 * double quotes may hold commas, quotes (doubled) and line breaks; LF or CRLF line ends.
 * Each column's type is inferred from all of its values: int64, float64, bool or utf8.
 */
import { type Field, type RecordBatch, Table } from 'apache-arrow';
import { field, makeRecordBatch, schemaOf, wire } from '../arrow';
import { CliError } from './cli.error';

/** One parsed field: its text and whether it was quoted (a quoted "" is an empty string, a bare empty field is NULL). */
export interface CsvCell {
  readonly text: string;
  readonly quoted: boolean;
}

/**
 * Splits CSV text into records of cells. Throws on an unterminated quote or a quote in
 * the middle of an unquoted field, naming the line.
 */
export function parseCsvRecords(text: string, source = 'CSV input', firstLine = 1): CsvCell[][] {
  const records: CsvCell[][] = [];
  let record: CsvCell[] = [];
  let line = firstLine;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  if (i >= n) return records;
  for (;;) {
    // One field starts at i.
    let value = '';
    let quoted = false;
    if (text[i] === '"') {
      quoted = true;
      const startLine = line;
      i++;
      for (;;) {
        if (i >= n)
          throw new CliError(
            `${source}: the quoted field starting on line ${startLine} is never closed. Close it with a double quote (write "" for a quote inside a field).`,
          );
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        value += c;
        i++;
      }
      if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
        throw new CliError(
          `${source}: line ${line} has text after a closing quote. Quote the whole field, and double any quote inside it.`,
        );
      }
    } else {
      const start = i;
      while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
        if (text[i] === '"')
          throw new CliError(
            `${source}: line ${line} has a quote inside an unquoted field. Quote the field and double the quote ("a ""b"" c").`,
          );
        i++;
      }
      value = text.slice(start, i);
    }
    record.push({ text: value, quoted });
    if (i >= n) {
      records.push(record);
      return records;
    }
    if (text[i] === ',') {
      i++;
      continue;
    }
    // End of record: \n, \r\n or a lone \r.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    records.push(record);
    record = [];
    if (i >= n) return records;
  }
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;
const BOOL = /^(true|false)$/i;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Reads CSV text (with a header row) into an Arrow table. Column types: int64 when every
 * value is an integer that fits, float64 when every value is a number, bool for
 * true/false, utf8 otherwise. An empty unquoted field is NULL; `""` is an empty string.
 */
export function readCsv(text: string, source = 'CSV input'): Table {
  const records = parseCsvRecords(text, source).filter((r, i) => !(i > 0 && isBlankRecord(r)));
  if (records.length === 0)
    throw new CliError(`${source} is empty. Give a header row with the column names, then one line per row.`);
  const header = csvHeader(records[0], source);
  const rows = records.slice(1);
  rows.forEach((r, i) => checkCsvRow(r, i + 1, header, source));
  const fields: Field[] = [];
  const columns: Record<string, unknown[]> = {};
  header.forEach((name, c) => {
    const cells = rows.map((r) => r[c]);
    const { type, values } = inferColumn(cells);
    fields.push(field(name, type, true));
    columns[name] = values;
  });
  const schema = schemaOf(fields);
  const batch: RecordBatch = makeRecordBatch(schema, columns, { numRows: rows.length });
  return new Table([batch]);
}

/**
 * The column names of a header record; throws on an empty or repeated name.
 */
export function csvHeader(record: readonly CsvCell[], source: string): string[] {
  const header = record.map((c) => c.text);
  header.forEach((name, i) => {
    if (name === '') throw new CliError(`${source}: column ${i + 1} of the header row has no name. Name every column.`);
    if (header.indexOf(name) !== i)
      throw new CliError(`${source}: the header names column "${name}" twice. Give every column a unique name.`);
  });
  return header;
}

/** Throws when data row `n` (1-based) does not have one field per header column. */
export function checkCsvRow(record: readonly CsvCell[], n: number, header: readonly string[], source: string): void {
  if (record.length !== header.length) {
    throw new CliError(
      `${source}: data row ${n} has ${record.length} field(s), but the header has ${header.length} (${header.join(', ')}). Quote fields that contain commas.`,
    );
  }
}

/** Whether a record is a blank line (one bare empty field), which readers skip. */
export function isBlankRecord(record: readonly CsvCell[]): boolean {
  return record.length === 1 && record[0].text === '' && !record[0].quoted;
}

/** A CSV column's inferred type. */
export type CsvKind = 'int64' | 'float64' | 'bool' | 'utf8';

/** The Arrow type of a {@link CsvKind}. */
export function csvArrowType(kind: CsvKind): ReturnType<typeof wire.utf8> {
  return kind === 'int64'
    ? wire.int64()
    : kind === 'float64'
      ? wire.float64()
      : kind === 'bool'
        ? wire.bool()
        : wire.utf8();
}

/**
 * The narrowest kind that holds every non-NULL cell: int64, float64, bool, else utf8.
 */
export function inferCsvKind(cells: readonly CsvCell[]): CsvKind {
  const present = cells.filter((c) => !isNull(c)).map((c) => c.text.trim());
  if (present.length > 0 && present.every((t) => INT.test(t) && fitsInt64(t))) return 'int64';
  if (present.length > 0 && present.every((t) => FLOAT.test(t))) return 'float64';
  if (present.length > 0 && present.every((t) => BOOL.test(t))) return 'bool';
  return 'utf8';
}

/**
 * One cell as a value of `kind`, or `undefined` when the text is not of that kind.
 */
export function csvValue(kind: CsvKind, cell: CsvCell): unknown {
  if (isNull(cell)) return null;
  if (kind === 'utf8') return cell.text;
  const t = cell.text.trim();
  if (kind === 'int64') return INT.test(t) && fitsInt64(t) ? BigInt(t) : undefined;
  if (kind === 'float64') return FLOAT.test(t) ? Number(t.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity')) : undefined;
  return BOOL.test(t) ? t.toLowerCase() === 'true' : undefined;
}

function inferColumn(cells: readonly CsvCell[]): { type: ReturnType<typeof wire.utf8>; values: unknown[] } {
  const kind = inferCsvKind(cells);
  return { type: csvArrowType(kind), values: cells.map((c) => csvValue(kind, c)) };
}

function isNull(cell: CsvCell): boolean {
  return !cell.quoted && cell.text === '';
}

function fitsInt64(text: string): boolean {
  const v = BigInt(text);
  return v >= INT64_MIN && v <= INT64_MAX;
}
