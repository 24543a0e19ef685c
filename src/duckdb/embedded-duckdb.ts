/**
 * A real DuckDB in this process with the `vgi` extension loaded: what `silo sql`, the main
 * job and the tests through DuckDB use to ATTACH Silo workers and run SQL on them.
 *
 * The extension's telemetry tries to install httpfs over the network when it loads and
 * crashes DuckDB where it cannot; `QUERY_FARM_TELEMETRY_OPT_OUT=1` (read with `getenv` at
 * LOAD) turns it off, so it is set before the LOAD. Auto-installing extensions is off for
 * the same reason: a missing extension is then an error, not a crash.
 */
import { runInThisContext } from 'node:vm';
import { Binary, Bool, type DataType, Field, Float64, Int32, Int64, Schema, Table, Uint64, Utf8 } from 'apache-arrow';
import { SiloError } from '../errors';
import { batchFromColumns } from '../arrow/batch-utils';
import {
  type DuckDbConnection,
  type DuckDbInstance,
  extensionBinaryPath,
  loadDuckDb,
  openDuckDb,
} from './extension-package';

/** Options of {@link EmbeddedDuckDb.open}. */
export interface EmbeddedDuckDbOptions {
  /** A database file; default in memory. */
  readonly path?: string;
  /** Also load httpfs, for `LOCATION 'http://…'` workers. */
  readonly httpfs?: boolean;
  /** More DuckDB settings, e.g. `{ threads: '4' }`. */
  readonly config?: Readonly<Record<string, string>>;
  /** Where to resolve the extension packages from (default: the working directory, then Silo's own). */
  readonly resolveFrom?: readonly string[];
}

/** How to ATTACH a worker. */
export interface AttachOptions {
  /** The worker: a command line (`node dist/worker.js`), `unix://PATH`, or an HTTP base URL. */
  readonly location: string;
  /** The catalog name the worker serves; omitted, DuckDB asks the worker (`catalog_catalogs`). */
  readonly catalog?: string;
  /** The database alias in DuckDB; default the catalog name. */
  readonly alias?: string;
  /** `false` gives every call a fresh worker process (ATTACH option `pool false`). */
  readonly pool?: boolean;
}

/** A query's result: DuckDB's column types, the rows as JS values, and an Arrow table. */
export interface SqlResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly Record<string, unknown>[];
  /** The rows as an Arrow table (DuckDB types mapped to the nearest Arrow type; others as text). */
  toTable(): Table;
}

/** Quotes a SQL string literal. */
export const sqlString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** Quotes a SQL identifier. */
export const sqlIdentifier = (value: string): string => `"${value.replace(/"/g, '""')}"`;

/**
 * An in-process DuckDB with the `vgi` extension loaded.
 */
export class EmbeddedDuckDb {
  private constructor(
    private readonly instance: DuckDbInstance,
    /** The connection statements run on; DuckDB's own threads run the query inside it. */
    readonly connection: DuckDbConnection,
  ) {}

  /** Opens DuckDB, loads the extension(s); throws a coded error naming the npm command when one is missing. */
  static async open(options: EmbeddedDuckDbOptions = {}): Promise<EmbeddedDuckDb> {
    const duckdb = loadDuckDb();
    const from = options.resolveFrom;
    const binaries = [
      ...(options.httpfs ? [extensionBinaryPath('httpfs', from)] : []),
      extensionBinaryPath('vgi', from),
    ];
    // DuckDB reads it with getenv: set it where native code sees it, also when this runs in a
    // sandbox with a copy of process.env of its own (a jest test).
    process.env.QUERY_FARM_TELEMETRY_OPT_OUT = '1';
    (runInThisContext('process') as NodeJS.Process).env.QUERY_FARM_TELEMETRY_OPT_OUT = '1';
    const { instance, connection } = await openDuckDb(duckdb, options.path ?? ':memory:', {
      allow_unsigned_extensions: 'true',
      ...options.config,
    });
    for (const binary of binaries) {
      try {
        await connection.run(`LOAD ${sqlString(binary)}`);
      } catch (cause) {
        connection.closeSync();
        instance.closeSync();
        throw new SiloError(
          'SILO354',
          `DuckDB could not load the extension at ${binary}: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
    return new EmbeddedDuckDb(instance, connection);
  }

  /** Runs statements whose results are not needed. */
  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Runs a query and reads its whole result. */
  async query(sql: string): Promise<SqlResult> {
    const reader = await this.connection.runAndReadAll(sql);
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const columns = names.map((name, i) => ({ name, type: types[i].toString() }));
    const values = reader.getColumnsJS() as unknown[][];
    const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
    return { columns, rows, toTable: () => toArrowTable(columns, values) };
  }

  /**
   * ATTACHes a worker and returns the database alias. Without `catalog`, the bare form is
   * used: DuckDB asks the worker for its catalog and names the database after it.
   */
  async attach(options: AttachOptions): Promise<string> {
    const settings = ['TYPE vgi'];
    if (options.catalog !== undefined) settings.push(`LOCATION ${sqlString(options.location)}`);
    if (options.pool === false) settings.push('pool false');
    const target = options.catalog ?? options.location;
    const alias = options.alias ?? options.catalog;
    await this.run(
      `ATTACH ${sqlString(target)}${alias === undefined ? '' : ` AS ${sqlIdentifier(alias)}`} (${settings.join(', ')})`,
    );
    if (alias !== undefined) return alias;
    const { rows } = await this.query(
      `SELECT database_name FROM duckdb_databases() WHERE type = 'vgi' ORDER BY database_oid DESC LIMIT 1`,
    );
    return String(rows[0]?.database_name ?? '');
  }

  /** Closes the connection and the database; pooled workers get their stdin closed and exit. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** DuckDB column type names → Arrow types for {@link SqlResult.toTable}; anything else is text. */
const ARROW_TYPES: Readonly<Record<string, () => DataType>> = {
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

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toArrowTable(columns: readonly { name: string; type: string }[], values: readonly unknown[][]): Table {
  const fields: Field[] = [];
  const data: Record<string, unknown[]> = {};
  columns.forEach((c, i) => {
    const column = values[i] ?? [];
    let type = ARROW_TYPES[c.type]?.();
    let cells = column;
    if (
      type === undefined &&
      (c.type === 'HUGEINT' || c.type === 'UHUGEINT') &&
      column.every((v) => v === null || (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX))
    ) {
      // sum() of BIGINT is a HUGEINT; it nearly always fits int64, which every reader understands.
      type = new Int64();
    } else if (type === undefined && c.type.startsWith('DECIMAL')) {
      type = new Float64();
      cells = column.map((v) => (v === null ? null : Number(v)));
    } else if (type === undefined) {
      type = new Utf8();
      cells = column.map((v) => (v === null || v === undefined ? null : textOf(v)));
    }
    fields.push(new Field(c.name, type, true));
    data[c.name] = cells;
  });
  const schema = new Schema(fields);
  return new Table(schema, [batchFromColumns(schema, data)]);
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
