/**
 * Input and output files of `silo run`, chosen by extension: `.csv`, `.json` / `.ndjson`
 * / `.jsonl`, Arrow IPC (`.arrow`, `.arrows`, `.ipc`; stream or file format) and, for the
 * output, `.parquet` (through DuckDB). The output may also go to stdout (`--out -`) in the
 * format `--format` names. Output is written batch by batch as it arrives
 * ({@link TableOutput.open}); `silo run` streams its input with `openTableSource`.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { extname } from 'node:path';
import {
  AsyncByteQueue,
  type RecordBatch,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  type Schema,
  Table,
  tableFromIPC,
} from 'apache-arrow';
import { CliError } from './cli.error';
import { readCsv } from './csv.reader';
import { readJson } from './json.reader';
import { ParquetWriter } from './parquet-files';
import { jsonValue } from './json-value';

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
 */
const TABLE_FILE_EXTENSIONS = Object.keys(READERS);

/**
 * Reads a table file by its extension.
 */
export function readTableFile(path: string): Table {
  const read = READERS[extname(path).toLowerCase()];
  if (read === undefined) throw unsupported(path, '--input');
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CliError(
      `Cannot read the input file "${path}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}.`,
    );
  }
  return read(bytes, `input file "${path}"`);
}

/**
 * Formats `silo run --format` accepts. `arrow` is the IPC file format in a file and the
 * IPC stream format on stdout, which a reader can consume as it arrives.
 */
const TABLE_FORMATS = ['csv', 'json', 'ndjson', 'arrow', 'parquet'] as const;

/**
 * One of {@link TABLE_FORMATS}.
 */
type TableFormat = (typeof TABLE_FORMATS)[number];

/** `--out -`: the result goes to stdout. */
const STDOUT_PATH = '-';

/**
 * Extensions `silo run --out` accepts.
 */
const OUTPUT_EXTENSIONS = ['.csv', '.json', '.ndjson', '.jsonl', '.arrow', '.arrows', '.ipc', '.parquet'];

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
  '.parquet': 'parquet',
};

/**
 * Where and how `silo run` writes its result, checked before the run starts.
 */
export interface TableOutput {
  /** The file, or `stdout`. */
  readonly destination: string;
  readonly format: TableFormat;
  /** Writes the table to the file, or to `stdout` when the destination is `-`. */
  write(table: Table, stdout: NodeJS.WritableStream & { isTTY?: boolean }): Promise<void>;
  /** Opens the destination for batches of `schema`, written as they come. */
  open(schema: Schema, stdout: NodeJS.WritableStream & { isTTY?: boolean }): Promise<BatchWriter>;
}

/**
 * Batches written as they arrive; `close()` ends the file (the JSON array's bracket, the
 * Arrow footer, the Parquet copy).
 */
export interface BatchWriter {
  write(batch: RecordBatch): void;
  close(): Promise<void>;
  /** Rows written so far. */
  readonly rows: number;
}

/**
 * Checks `--out` and `--format` together: a file's format comes from `--format`, else
 * from its extension; `--out -` writes to stdout in `--format` (default csv). Returns
 * `undefined` when there is no `--out` (the result is printed as a table).
 */
export function resolveTableOutput(out: string | undefined, format: string | undefined): TableOutput | undefined {
  const named = format === undefined ? undefined : parseFormat(format);
  if (out === undefined) {
    if (named !== undefined)
      throw new CliError(`--format ${named} needs --out: pass --out FILE, or --out - to write the result to stdout.`);
    return undefined;
  }
  if (out === STDOUT_PATH) {
    const chosen = named ?? 'csv';
    if (chosen === 'parquet')
      throw new CliError(
        '--out - --format parquet: a Parquet file is written at its end, not streamed. Give a file: --out result.parquet.',
      );
    const encoding: Encoding = chosen === 'arrow' ? 'arrow-stream' : chosen;
    const open = async (schema: Schema, stdout: NodeJS.WritableStream & { isTTY?: boolean }): Promise<BatchWriter> => {
      if (chosen === 'arrow' && stdout.isTTY) {
        throw new CliError(
          '--out - --format arrow writes binary Arrow IPC, and stdout is a terminal. Redirect it (> result.arrows) or pipe it into a reader.',
        );
      }
      return encoder(
        schema,
        encoding,
        (bytes) => stdout.write(bytes),
        async () => undefined,
      );
    };
    return { destination: 'stdout', format: chosen, open, write: (table, stdout) => writeWhole(open, table, stdout) };
  }
  const byExtension = ENCODING_BY_EXTENSION[extname(out).toLowerCase()];
  const encoding: Encoding | undefined =
    named === undefined ? byExtension : named === 'arrow' && byExtension === 'arrow-stream' ? 'arrow-stream' : named;
  if (encoding === undefined) {
    const ext = extname(out) || '(none)';
    throw new CliError(
      `--out "${out}": unsupported file extension ${ext}. Use one of ${OUTPUT_EXTENSIONS.join(', ')}, or name the format with --format ${TABLE_FORMATS.join('|')}.`,
    );
  }
  const open = async (schema: Schema): Promise<BatchWriter> => {
    if (encoding !== 'parquet') return fileEncoder(out, schema, encoding);
    const parquet = await ParquetWriter.open(out, schema);
    let rows = 0;
    return {
      write: (batch) => ((rows += batch.numRows), parquet.write(batch)),
      close: () => parquet.close(),
      get rows() {
        return rows;
      },
    };
  };
  return {
    destination: out,
    format: encoding === 'arrow-stream' ? 'arrow' : encoding,
    open,
    write: (table) => writeWhole(open, table, process.stdout),
  };
}

/** A file written batch by batch in a streamable encoding. */
function fileEncoder(out: string, schema: Schema, encoding: Exclude<Encoding, 'parquet'>): BatchWriter {
  let fd: number;
  try {
    fd = openSync(out, 'w');
  } catch (e) {
    throw new CliError(`Cannot write the output file "${out}": ${(e as Error).message}.`);
  }
  // Synchronous writes: the file takes each batch before the next is decoded, so nothing piles up.
  return encoder(
    schema,
    encoding,
    (bytes) => writeAll(fd, bytes, out),
    async () => closeSync(fd),
  );
}

async function writeWhole(
  open: TableOutput['open'],
  table: Table,
  stdout: NodeJS.WritableStream & { isTTY?: boolean },
): Promise<void> {
  const writer = await open(table.schema, stdout);
  for (const batch of table.batches) writer.write(batch);
  await writer.close();
}

function writeAll(fd: number, bytes: Uint8Array | string, path: string): void {
  try {
    const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    for (let at = 0; at < buffer.length;) at += writeSync(fd, buffer, at, buffer.length - at);
  } catch (e) {
    throw new CliError(`Cannot write the output file "${path}": ${(e as Error).message}.`);
  }
}

/** The byte queue an Arrow writer writes into, handing every chunk straight to a sink. */
class ForwardingQueue extends AsyncByteQueue {
  constructor(private readonly sink: (bytes: Uint8Array) => void) {
    super();
  }

  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.sink(value);
  }
}

/** A {@link BatchWriter} encoding batches as `encoding` into `sink`. */
function encoder(
  schema: Schema,
  encoding: Exclude<Encoding, 'parquet'>,
  sink: (bytes: Uint8Array | string) => void,
  end: () => Promise<void>,
): BatchWriter {
  let rows = 0;
  const names = schema.fields.map((f) => f.name);
  let writeBatch: (batch: RecordBatch) => void;
  let finish: () => void;
  switch (encoding) {
    case 'csv': {
      sink(`${names.map(csvField).join(',')}\n`);
      writeBatch = (batch) =>
        sink(
          toRows(new Table([batch]))
            .map((row) => `${csvLine(names, row)}\n`)
            .join(''),
        );
      finish = () => undefined;
      break;
    }
    case 'ndjson':
      writeBatch = (batch) =>
        sink(
          toRows(new Table([batch]))
            .map((r) => `${JSON.stringify(r)}\n`)
            .join(''),
        );
      finish = () => undefined;
      break;
    case 'json':
      // The same text as JSON.stringify(rows, null, 2), an element at a time.
      writeBatch = (batch) => {
        const text = toRows(new Table([batch]))
          .map((r) => `  ${JSON.stringify(r, null, 2).replace(/\n/g, '\n  ')}`)
          .join(',\n');
        if (text !== '') sink(`${rows === 0 ? '[\n' : ',\n'}${text}`);
      };
      finish = () => sink(rows === 0 ? '[]\n' : '\n]\n');
      break;
    case 'arrow':
    case 'arrow-stream': {
      const writer = encoding === 'arrow' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
      // Bytes go to the sink as the writer produces them, instead of queueing for a reader.
      writer.reset(new ForwardingQueue(sink), schema);
      writeBatch = (batch) => writer.write(batch);
      finish = () => void writer.finish();
      break;
    }
  }
  return {
    write(batch) {
      if (batch.numRows === 0) return;
      writeBatch(batch);
      rows += batch.numRows;
    },
    async close() {
      finish();
      await end();
    },
    get rows() {
      return rows;
    },
  };
}

/**
 * Writes a table to a file by its extension: CSV with a header row, JSON as an array of
 * objects, Arrow IPC in the file format (`.arrows`: the stream format).
 */
export function writeTableFile(path: string, table: Table): void {
  resolveTableOutput(path, undefined);
  const encoding = ENCODING_BY_EXTENSION[extname(path).toLowerCase()];
  if (encoding === 'parquet')
    throw new CliError(
      `--out "${path}": to write Parquet from SQL, let DuckDB do it: COPY (SELECT ...) TO 'out.parquet' (FORMAT parquet).`,
    );
  const writer = fileEncoder(path, table.schema, encoding);
  for (const batch of table.batches) writer.write(batch);
  // The file encoder's close only finishes the encoding and closes the file, synchronously.
  void writer.close();
}

function parseFormat(format: string): TableFormat {
  const normalized = format.trim().toLowerCase();
  if ((TABLE_FORMATS as readonly string[]).includes(normalized)) return normalized as TableFormat;
  throw new CliError(`--format "${format}" is not an output format. Use one of ${TABLE_FORMATS.join(', ')}.`);
}

/**
 * Rows as plain JSON-safe objects: int64 as a number when it is exact, else a string;
 * bytes as hex.
 */
function toRows(table: Table): Record<string, unknown>[] {
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

function csvLine(names: readonly string[], row: Record<string, unknown>): string {
  return names
    .map((n) => (row[n] === null ? '' : csvField(typeof row[n] === 'object' ? JSON.stringify(row[n]) : String(row[n]))))
    .join(',');
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
  return new CliError(
    `${option} "${path}": unsupported file extension ${ext}. Use one of ${TABLE_FILE_EXTENSIONS.join(', ')}.`,
  );
}
