/**
 * CSV read as a stream of record batches: the text arrives in chunks, is cut after the
 * last line break outside quotes, and each complete piece is parsed on its own, so only
 * one chunk and one batch are in memory at a time. Column types are inferred from the
 * first rows (`sampleRows`); a later value that does not fit its column's type is a
 * coded error naming the row, the column and the fix.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { field, makeRecordBatch, schemaOf } from '../arrow';
import { CliError } from './cli.error';
import {
  checkCsvRow,
  csvArrowType,
  csvHeader,
  type CsvCell,
  type CsvKind,
  csvValue,
  inferCsvKind,
  isBlankRecord,
  parseCsvRecords,
} from './csv.reader';

/** Rows read before the column types are fixed. */
export const DEFAULT_SAMPLE_ROWS = 10_000;

/** A table read as it is consumed. */
export interface BatchStream {
  readonly schema: Schema;
  /** The batches in order; each is built only when asked for. */
  readonly batches: AsyncGenerator<RecordBatch, void, undefined>;
  /** The row count, when the whole input was read to infer the types (a small file). */
  readonly numRows?: number;
}

/**
 * Splits text chunks into complete CSV records, as they arrive. A record is complete at
 * a line feed outside quotes (an even number of quotes before it).
 */
async function* csvRecordChunks(
  chunks: AsyncIterable<string>,
  source: string,
): AsyncGenerator<CsvCell[][], void, undefined> {
  let carry = '';
  let line = 1;
  // Quote parity and lines of `carry`, so a long quoted field is not rescanned per chunk.
  let scanned = 0;
  let inQuote = false;
  let carryLines = 0;
  for await (const chunk of chunks) {
    const text = carry + chunk;
    let cut = -1;
    let linesAtCut = 0;
    let lines = carryLines;
    for (let i = scanned; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) inQuote = !inQuote;
      else if (c === 0x0a) {
        lines++;
        if (!inQuote) {
          cut = i;
          linesAtCut = lines;
        }
      }
    }
    if (cut < 0) {
      carry = text;
      scanned = text.length;
      carryLines = lines;
      continue;
    }
    const records = parseCsvRecords(text.slice(0, cut + 1), source, line);
    line += linesAtCut;
    carry = text.slice(cut + 1);
    // After the cut the quote state restarts outside quotes: the cut was outside them.
    inQuote = false;
    scanned = 0;
    carryLines = 0;
    yield records;
  }
  if (carry !== '') yield parseCsvRecords(carry, source, line);
}

/**
 * Opens CSV text chunks as a {@link BatchStream}: reads the header and the first
 * `sampleRows` rows to fix the column types, then builds batches of `batchRows` rows.
 */
export async function openCsvStream(
  chunks: AsyncIterable<string>,
  source: string,
  options: { batchRows?: number; sampleRows?: number } = {},
): Promise<BatchStream> {
  const batchRows = options.batchRows ?? 2048;
  const sampleRows = options.sampleRows ?? DEFAULT_SAMPLE_ROWS;
  const pieces = csvRecordChunks(chunks, source);
  let header: string[] | null = null;
  let rowNumber = 0;
  const pending: CsvCell[][] = [];
  let ended = false;
  // Pulls records until `count` rows wait (or the input ends); checks each row's width.
  const fill = async (count: number): Promise<void> => {
    while (!ended && pending.length < count) {
      const next = await pieces.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      for (const record of next.value) {
        if (header === null) {
          header = csvHeader(record, source);
          continue;
        }
        if (isBlankRecord(record)) continue;
        checkCsvRow(record, ++rowNumber, header, source);
        pending.push(record);
      }
    }
  };
  await fill(sampleRows);
  if (header === null)
    throw new CliError(`${source} is empty. Give a header row with the column names, then one line per row.`);
  const names: string[] = header;
  const kinds: CsvKind[] = names.map((_, c) => inferCsvKind(pending.map((r) => r[c])));
  const schema = schemaOf(names.map((name, c) => field(name, csvArrowType(kinds[c]), true)));
  let firstRowOfBatch = 1;

  const build = (records: readonly CsvCell[][]): RecordBatch => {
    const columns: Record<string, unknown[]> = {};
    names.forEach((name, c) => {
      const kind = kinds[c];
      const values = new Array<unknown>(records.length);
      for (let r = 0; r < records.length; r++) {
        const value = csvValue(kind, records[r][c]);
        if (value === undefined) {
          throw new CliError(
            `${source}: data row ${firstRowOfBatch + r} has ${JSON.stringify(records[r][c].text)} in column "${name}", which its first ${Math.min(sampleRows, rowNumber)} rows made ${kind}. ` +
              'Give the input as .parquet or .arrow, which carry their column types, or put a row with a value of the wider type among the first rows.',
          );
        }
        values[r] = value;
      }
      columns[name] = values;
    });
    const batch = makeRecordBatch(schema, columns, { numRows: records.length });
    firstRowOfBatch += records.length;
    return batch;
  };

  async function* batches(): AsyncGenerator<RecordBatch, void, undefined> {
    for (;;) {
      await fill(batchRows);
      if (pending.length === 0) return;
      yield build(pending.splice(0, Math.min(batchRows, pending.length)));
    }
  }
  return { schema, batches: batches(), ...(ended ? { numRows: pending.length } : {}) };
}
