/**
 * How DuckDB drives a table-buffering function, as rules with no I/O: the vector size,
 * how input is cut into vectors and morsels, how many sink connections run, how many
 * finalize streams run at once, and how a projection reaches the function. The TestBed
 * (in-process) and the client (over the wire) both drive functions through these rules,
 * so a function behaves the same under both.
 */
import { type Field, type RecordBatch, type Schema } from 'apache-arrow';
import { field, schemaOf } from '../arrow';
import { messages } from '../errors';
import { RunConfigurationError } from './run-configuration.error';

/** DuckDB's vector size: no input batch the extension sends has more rows. */
export const VECTOR_SIZE = 2048;

/** Consecutive vectors one sink connection takes at once, sharing one `batch_index`, unless told otherwise. */
export const DEFAULT_BATCHES_PER_MORSEL = 2;

/** The function flags the rules read (the same names in a definition's options and in discovery). */
export interface DriveFlags {
  readonly sinkOrderDependent?: boolean | null;
  readonly sourceOrderDependent?: boolean | null;
  readonly requiresInputBatchIndex?: boolean | null;
  readonly projectionPushdown?: boolean | null;
}

/** The options both drivers take, under the same names. */
export interface DriveOptions {
  /** Rows per input batch, 1 to {@link VECTOR_SIZE}. Default {@link VECTOR_SIZE}. */
  readonly batchSize?: number;
  /** Sink connections (DuckDB threads). Default 1; always 1 when the function is sink-order-dependent. */
  readonly sinkConnections?: number;
  /** Consecutive batches a sink connection takes at once, sharing one `batch_index` (DuckDB's morsel). Default 2. */
  readonly batchesPerMorsel?: number;
  /** Output columns to read, in order: pushed down when the function declares it, else selected from its output. */
  readonly projection?: readonly string[];
  /** Stop after this many output rows (SQL `LIMIT`): live finalize streams are cancelled, queued ones never start. */
  readonly limit?: number;
}

/** The options resolved and checked: what a driver runs with. */
export interface DrivePlan {
  readonly batchSize: number;
  readonly sinkConnections: number;
  readonly batchesPerMorsel: number;
  /** Send each morsel's index as `batch_index`. */
  readonly batchIndex: boolean;
  readonly limit: number;
}

/**
 * Checks the options and resolves them against the function's flags. Throws a
 * {@link RunConfigurationError} (SILO603) naming the option when one is out of range.
 */
export function planDrive(flags: DriveFlags, options: DriveOptions): DrivePlan {
  const batchSize = integerOption('batchSize', options.batchSize, VECTOR_SIZE, 1, VECTOR_SIZE);
  const sinks = integerOption('sinkConnections', options.sinkConnections, 1, 1);
  const batchesPerMorsel = integerOption('batchesPerMorsel', options.batchesPerMorsel, DEFAULT_BATCHES_PER_MORSEL, 1);
  const limit = options.limit ?? Infinity;
  if (limit !== Infinity && !(Number.isInteger(limit) && limit >= 0))
    throw new RunConfigurationError(messages.driveOptionOutOfRange('limit', limit, 0));
  return {
    batchSize,
    // A sink-order-dependent function is fed by one connection, in input order.
    sinkConnections: flags.sinkOrderDependent === true ? 1 : sinks,
    batchesPerMorsel,
    batchIndex: flags.requiresInputBatchIndex === true,
    limit,
  };
}

function integerOption(name: string, value: number | undefined, fallback: number, min: number, max?: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || (max !== undefined && n > max))
    throw new RunConfigurationError(messages.driveOptionOutOfRange(name, n, min, max));
  return n;
}

/** Finalize streams at once: one when the function is source-order-dependent, else `requested`, else one per sink connection. */
export function finalizeParallelism(flags: DriveFlags, requested: number | undefined, sinkConnections: number): number {
  return flags.sourceOrderDependent === true ? 1 : Math.max(1, requested ?? sinkConnections);
}

/**
 * The input schema as DuckDB describes a TABLE argument: the same fields, every one nullable.
 *
 * @example
 * ```ts
 * nullableSchema(table.schema).fields.every((f) => f.nullable); // true
 * ```
 */
export function nullableSchema(schema: Schema): Schema {
  return schemaOf(
    schema.fields.map((f: Field) =>
      field(f.name, f.type, true, f.metadata.size > 0 ? Object.fromEntries(f.metadata) : undefined),
    ),
  );
}

/**
 * Cuts one input batch into DuckDB's vectors: slices of at most `size` rows. An empty
 * batch yields nothing, so an input of empty batches sinks nothing (DuckDB never sinks an
 * empty input: no init, no combine, no finalize, no destructor).
 */
export function* vectorsOf(batch: RecordBatch, size: number): Generator<RecordBatch, void, undefined> {
  if (batch.numRows <= size) {
    if (batch.numRows > 0) yield batch;
    return;
  }
  for (let at = 0; at < batch.numRows; at += size) yield batch.slice(at, Math.min(batch.numRows, at + size));
}

/** Vectors in an input of `batchRows` rows per batch (for progress counts). */
export function vectorCount(batchRows: Iterable<number>, size: number): number {
  let n = 0;
  for (const rows of batchRows) n += Math.ceil(rows / size);
  return n;
}

/** Where a projection is applied. */
export interface ProjectionPlan {
  /** `projection_ids` sent with each finalize stream's init, or null (all columns). */
  readonly pushed: readonly number[] | null;
  /** Columns the driver selects from the function's output itself (no pushdown), or null. */
  readonly local: readonly string[] | null;
  /** The requested columns, or null for all. */
  readonly columns: readonly string[] | null;
}

/**
 * Projection as DuckDB applies it: the column ids go to the function when it declares
 * `projectionPushdown`; otherwise the function produces every column and DuckDB selects.
 * Throws SILO205 for a column the output does not have.
 */
export function planProjection(
  flags: DriveFlags,
  outputColumns: readonly string[],
  projection: readonly string[] | undefined,
): ProjectionPlan {
  if (projection === undefined) return { pushed: null, local: null, columns: null };
  const ids = projection.map((name) => {
    const i = outputColumns.indexOf(name);
    if (i < 0) throw new RunConfigurationError(messages.unknownProjectionColumn(name, outputColumns), 'SILO205');
    return i;
  });
  const columns = [...projection];
  return flags.projectionPushdown === true
    ? { pushed: ids, local: null, columns }
    : { pushed: null, local: columns, columns };
}

/**
 * What of `batch` DuckDB keeps under a `LIMIT` when `before` rows came already: the whole
 * batch, its first rows, or null once the limit is reached.
 */
export function withinLimit(batch: RecordBatch, before: number, limit: number): RecordBatch | null {
  const room = limit - before;
  if (room <= 0) return null;
  return batch.numRows > room ? batch.slice(0, room) : batch;
}
