/**
 * `silo run --input FILE` read as a stream: CSV, JSON / NDJSON, Arrow IPC (file or
 * stream format) and Parquet (through DuckDB) are opened here, their schema read up
 * front, and their batches built only as the sink takes them — so the command's memory
 * is a few batches, whatever the file's size. Bytes and rows read are counted for the
 * progress bar.
 */
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { type RecordBatch, RecordBatchReader, type Schema } from 'apache-arrow';
import { type RunInputSource } from '../client';
import { CliError } from './cli.error';
import { type BatchStream, openCsvStream } from './csv-stream';
import { openJsonStream } from './json-stream';
import { openParquetStream } from './parquet-files';

/**
 * Bytes read from the file per chunk. Smaller chunks keep fewer parsed records alive at
 * once: on a 1M-row CSV, 256 KiB peaks about 40 MB lower than 1 MiB at the same CPU
 * (bench/RESULTS.md, "CLI streaming"); 64 KiB saves no more and costs CPU.
 */
const CHUNK_BYTES = 1 << 18;

/** The kinds of input `silo run` reads, by file extension. */
const KINDS: Record<string, 'csv' | 'json' | 'arrow' | 'parquet'> = {
  '.csv': 'csv',
  '.json': 'json',
  '.ndjson': 'json',
  '.jsonl': 'json',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
  '.ipc': 'arrow',
  '.parquet': 'parquet',
};

/**
 * Extensions `silo run --input` accepts.
 */
const INPUT_EXTENSIONS = Object.keys(KINDS);

/** An input file being read: a run input plus what has been read of it. */
interface TableSource extends RunInputSource {
  /** The file's size in bytes. */
  readonly totalBytes: number;
  /** Bytes of the file read so far. */
  bytesRead(): number;
  /** Rows handed to the run so far. */
  rowsRead(): number;
  /** Closes the file (and DuckDB, for Parquet); safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link openTableSource}. */
interface TableSourceOptions {
  /** Rows per batch built from CSV and JSON (default 2048). */
  readonly batchRows?: number;
  /** Called after every chunk read from the file (for a progress bar), from the first one on. */
  readonly onRead?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Opens an input file by its extension and reads its schema (for CSV and JSON: infers it
 * from the first rows). The batches are read when the run pulls them, once.
 */
export async function openTableSource(path: string, options: TableSourceOptions = {}): Promise<TableSource> {
  const kind = KINDS[extname(path).toLowerCase()];
  if (kind === undefined) {
    const ext = extname(path) || '(none)';
    throw new CliError(
      `--input "${path}": unsupported file extension ${ext}. Use one of ${INPUT_EXTENSIONS.join(', ')}.`,
    );
  }
  const source = `input file "${path}"`;
  let totalBytes: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new Error('it is a directory');
    totalBytes = info.size;
  } catch (e) {
    throw new CliError(
      `Cannot read the input file "${path}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}.`,
    );
  }
  let rows = 0;
  if (kind === 'parquet') {
    const parquet = await openParquetStream(path, source);
    return {
      schema: parquet.schema,
      numRows: parquet.numRows,
      totalBytes,
      // DuckDB reads the file itself: progress counts the share of rows read.
      bytesRead: () => (parquet.numRows === 0 ? totalBytes : Math.round((totalBytes * rows) / parquet.numRows)),
      rowsRead: () => rows,
      batches: () =>
        counted(
          parquet.batches,
          (n) => (
            (rows += n),
            options.onRead?.(Math.round((totalBytes * rows) / Math.max(1, parquet.numRows)), totalBytes)
          ),
        ),
      close: () => parquet.close(),
    };
  }
  const handle = await open(path, 'r');
  let bytes = 0;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  try {
    let stream: BatchStream;
    if (kind === 'arrow') {
      stream = await openArrowStream(
        handle,
        source,
        (n) => ((bytes = Math.min(totalBytes, n)), options.onRead?.(bytes, totalBytes)),
      );
    } else {
      const text = textChunks(handle, (n) => ((bytes += n), options.onRead?.(bytes, totalBytes)));
      stream =
        kind === 'csv'
          ? await openCsvStream(text, source, { batchRows: options.batchRows })
          : await openJsonStream(text, source, { batchRows: options.batchRows });
    }
    return {
      schema: stream.schema,
      ...(stream.numRows !== undefined ? { numRows: stream.numRows } : {}),
      totalBytes,
      bytesRead: () => bytes,
      rowsRead: () => rows,
      batches: () => counted(stream.batches, (n) => (rows += n)),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The file's text in chunks of 256 KiB, decoded as UTF-8 across chunk boundaries. */
async function* textChunks(
  handle: Awaited<ReturnType<typeof open>>,
  onBytes: (n: number) => void,
): AsyncGenerator<string, void, undefined> {
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(CHUNK_BYTES);
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
    if (bytesRead === 0) break;
    onBytes(bytesRead);
    yield decoder.write(buffer.subarray(0, bytesRead));
  }
  const rest = decoder.end();
  if (rest !== '') yield rest;
}

/**
 * An Arrow IPC file or stream through apache-arrow's async reader on the file handle: the
 * file format by random access (footer first), the stream format message by message.
 */
async function openArrowStream(
  handle: Awaited<ReturnType<typeof open>>,
  source: string,
  onPosition: (bytes: number) => void,
): Promise<BatchStream> {
  let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>;
  try {
    reader = await RecordBatchReader.from(handle);
    await reader.open();
  } catch (e) {
    throw new CliError(`${source} is not an Arrow IPC file or stream: ${(e as Error).message}.`);
  }
  const iterator = reader[Symbol.asyncIterator]();
  // The schema comes with the first message; an IPC stream without batches still has one.
  const first = await iterator.next().catch((e: unknown) => {
    throw new CliError(`${source} is not an Arrow IPC file or stream: ${(e as Error).message}.`);
  });
  const schema: Schema | undefined = reader.schema;
  if (schema === undefined) throw new CliError(`${source} is not an Arrow IPC file or stream: it holds no schema.`);
  async function* batches(): AsyncGenerator<RecordBatch, void, undefined> {
    let next = first;
    let read = 0;
    while (next.done !== true) {
      // apache-arrow reads message by message; the share of batches read stands in for bytes.
      read += next.value.data.byteLength;
      onPosition(read);
      yield next.value;
      next = await iterator.next();
    }
  }
  return { schema, batches: batches() };
}

async function* counted(
  batches: AsyncIterator<RecordBatch>,
  onRows: (n: number) => void,
): AsyncGenerator<RecordBatch, void, undefined> {
  for (;;) {
    const next = await batches.next();
    if (next.done === true) return;
    onRows(next.value.numRows);
    yield next.value;
  }
}
