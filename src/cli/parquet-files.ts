/**
 * Parquet for `silo run`, through DuckDB (`@duckdb/node-api`, an optional peer): input
 * is read with `read_parquet` one DuckDB chunk (2,048 rows) at a time; output batches
 * are appended to a table in a scratch DuckDB database on disk and written with
 * `COPY … (FORMAT parquet)` at the end. No extension is loaded: Parquet is built in.
 *
 * Column types: BOOLEAN, the integers, FLOAT/DOUBLE, VARCHAR and BLOB map to their
 * Arrow types; DECIMAL is read as float64; any other type (dates, timestamps, nested
 * types) is read as its text. Written the other way round; an Arrow type without a
 * DuckDB counterpart here is written as its JSON text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Binary,
  Bool,
  type DataType,
  Field,
  Float64,
  Int32,
  Int64,
  type RecordBatch,
  Schema,
  Type,
  Uint64,
  Utf8,
} from 'apache-arrow';
import { makeRecordBatch } from '../arrow';
import {
  DUCKDB_PACKAGE,
  type DuckDbConnection,
  type DuckDbInstance,
  type DuckDbModule,
  installCommand,
  loadDuckDb,
  openDuckDb,
  sqlIdentifier,
  sqlString,
} from '../duckdb';
import { SiloError } from '../errors';
import { CliError } from './cli.error';
import { type BatchStream } from './csv-stream';
import { jsonValue } from './json-value';

/** DuckDB types read as themselves; anything else is cast in SQL first. */
const ARROW_OF: Readonly<Record<string, () => DataType>> = {
  BOOLEAN: () => new Bool(),
  TINYINT: () => new Int32(),
  SMALLINT: () => new Int32(),
  INTEGER: () => new Int32(),
  UTINYINT: () => new Int32(),
  USMALLINT: () => new Int32(),
  BIGINT: () => new Int64(),
  UINTEGER: () => new Int64(),
  UBIGINT: () => new Uint64(),
  FLOAT: () => new Float64(),
  DOUBLE: () => new Float64(),
  VARCHAR: () => new Utf8(),
  BLOB: () => new Binary(),
};

/**
 * DuckDB for Node.js, or a coded error with the command that installs it.
 */
export function loadDuckDbForParquet(what: string): DuckDbModule {
  return loadDuckDb(
    (cause) =>
      new SiloError(
        'SILO358',
        `${what}: Parquet is read and written through DuckDB for Node.js, which is not installed. Install it with: ${installCommand(DUCKDB_PACKAGE)}`,
        { cause },
      ),
  );
}

/** A Parquet file being read: its schema, row count, and batches of up to 2,048 rows. */
export interface ParquetStream extends BatchStream {
  readonly numRows: number;
  close(): Promise<void>;
}

/**
 * Opens a Parquet file through an in-memory DuckDB and streams its rows.
 */
export async function openParquetStream(path: string, source: string): Promise<ParquetStream> {
  const duckdb = loadDuckDbForParquet(`--input "${path}"`);
  const { instance, connection } = await openDuckDb(duckdb, ':memory:');
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    connection.closeSync();
    instance.closeSync();
  };
  try {
    const from = `read_parquet(${sqlString(path)})`;
    let described;
    try {
      described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`);
    } catch (e) {
      throw new CliError(`${source} is not a Parquet file DuckDB can read: ${(e as Error).message}.`);
    }
    const columns = (described.getRowObjectsJS() as { column_name: string; column_type: string }[]).map((c) => ({
      name: c.column_name,
      type: c.column_type,
    }));
    const count = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${from}`);
    const numRows = Number((count.getRowObjectsJS()[0] as { n: bigint }).n);
    const select = columns.map(({ name, type }) => {
      const id = sqlIdentifier(name);
      if (ARROW_OF[type] !== undefined) return id;
      return type.startsWith('DECIMAL') ? `${id}::DOUBLE AS ${id}` : `${id}::VARCHAR AS ${id}`;
    });
    const schema = new Schema(
      columns.map(
        ({ name, type }) =>
          new Field(
            name,
            (ARROW_OF[type] ?? (type.startsWith('DECIMAL') ? () => new Float64() : () => new Utf8()))(),
            true,
          ),
      ),
    );
    const result = await connection.stream(`SELECT ${select.join(', ')} FROM ${from}`);
    const batches = async function* (): AsyncGenerator<RecordBatch, void, undefined> {
      try {
        for (;;) {
          const chunk = await result.fetchChunk();
          if (chunk === null || chunk.rowCount === 0) return;
          const values = chunk.getColumns();
          const data: Record<string, unknown[]> = {};
          schema.fields.forEach((f, i) => (data[f.name] = values[i].map((v) => fromDuckDb(v, f.type))));
          yield makeRecordBatch(schema, data, { numRows: chunk.rowCount });
        }
      } finally {
        await close();
      }
    };
    return { schema, numRows, batches: batches(), close };
  } catch (error) {
    await close();
    throw error;
  }
}

function fromDuckDb(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (type.typeId === Type.Binary) return (value as { bytes: Uint8Array }).bytes;
  if (type.typeId === Type.Int && (type as unknown as { bitWidth: number }).bitWidth === 64)
    return typeof value === 'bigint' ? value : BigInt(value as number);
  if (type.typeId === Type.Int) return Number(value);
  return value;
}

/** The DuckDB type a column is written as, and how a value is appended. */
interface ParquetColumn {
  readonly sqlType: string;
  append(appender: Appender, value: unknown): void;
}

type Appender = Awaited<ReturnType<DuckDbConnection['createAppender']>>;

function parquetColumn(type: DataType): ParquetColumn {
  switch (type.typeId) {
    case Type.Bool:
      return { sqlType: 'BOOLEAN', append: (a, v) => a.appendBoolean(v as boolean) };
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      if (bitWidth === 64)
        return isSigned
          ? { sqlType: 'BIGINT', append: (a, v) => a.appendBigInt(BigInt(v as bigint)) }
          : { sqlType: 'UBIGINT', append: (a, v) => a.appendUBigInt(BigInt(v as bigint)) };
      if (!isSigned && bitWidth === 32) return { sqlType: 'UINTEGER', append: (a, v) => a.appendUInteger(Number(v)) };
      return { sqlType: 'INTEGER', append: (a, v) => a.appendInteger(Number(v)) };
    }
    case Type.Float:
      return { sqlType: 'DOUBLE', append: (a, v) => a.appendDouble(Number(v)) };
    case Type.Utf8:
    case Type.LargeUtf8:
      return { sqlType: 'VARCHAR', append: (a, v) => a.appendVarchar(String(v)) };
    case Type.Binary:
    case Type.LargeBinary:
      return { sqlType: 'BLOB', append: (a, v) => a.appendBlob(v as Uint8Array) };
    default:
      return { sqlType: 'VARCHAR', append: (a, v) => a.appendVarchar(JSON.stringify(jsonValue(v))) };
  }
}

/**
 * Writes batches to a Parquet file: they go into a table of a scratch DuckDB database on
 * disk as they arrive (DuckDB keeps what it does not need in memory there), and `close()`
 * copies the table to `path` and removes the scratch database.
 */
export class ParquetWriter {
  private constructor(
    private readonly path: string,
    private readonly scratch: string,
    private readonly instance: DuckDbInstance,
    private readonly connection: DuckDbConnection,
    private readonly appender: Appender,
    private readonly columns: readonly ParquetColumn[],
  ) {}

  /** Opens the scratch database and its table for `schema`. */
  static async open(path: string, schema: Schema): Promise<ParquetWriter> {
    const duckdb = loadDuckDbForParquet(`--out "${path}"`);
    const scratch = mkdtempSync(join(tmpdir(), 'silo-parquet-'));
    // A small memory limit makes DuckDB keep the appended rows in the scratch file rather
    // than in its buffer pool (which defaults to most of the machine's memory).
    const { instance, connection } = await openDuckDb(duckdb, join(scratch, 'out.duckdb'), { memory_limit: '64MB' });
    const columns = schema.fields.map((f) => parquetColumn(f.type));
    const names = schema.fields.map((f) => sqlIdentifier(f.name));
    await connection.run(`CREATE TABLE result (${names.map((n, i) => `${n} ${columns[i].sqlType}`).join(', ')})`);
    const appender = await connection.createAppender('result');
    return new ParquetWriter(path, scratch, instance, connection, appender, columns);
  }

  /** Appends a batch's rows. */
  write(batch: RecordBatch): void {
    const vectors = this.columns.map((_, i) => batch.getChildAt(i)!);
    for (let r = 0; r < batch.numRows; r++) {
      for (let c = 0; c < this.columns.length; c++) {
        const value: unknown = vectors[c].get(r);
        if (value === null || value === undefined) this.appender.appendNull();
        else this.columns[c].append(this.appender, value);
      }
      this.appender.endRow();
    }
  }

  /** Writes the Parquet file and removes the scratch database. */
  async close(): Promise<void> {
    try {
      this.appender.closeSync();
      await this.connection.run(`COPY result TO ${sqlString(this.path)} (FORMAT parquet)`);
    } catch (e) {
      throw new CliError(`Cannot write the output file "${this.path}": ${(e as Error).message}.`);
    } finally {
      this.connection.closeSync();
      this.instance.closeSync();
      rmSync(this.scratch, { recursive: true, force: true });
    }
  }
}
