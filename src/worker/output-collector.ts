import { type Data, DataType, Precision, type RecordBatch, Schema, makeVector, vectorFromArray } from 'apache-arrow';
import { assertBatchConsistent } from '../arrow/batch-guard';
import { describeTypeDifference, schemasEqual } from '../arrow/schema-compare';
import { messages, SiloError } from '../errors';
import { batchFromData } from '../arrow/batch-utils';
import type { Output } from '../definition/contexts';
import { type ColumnFilter, applyFilters } from './filters';

/**
 * The emitted batch does not fit the output schema.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof InvalidOutputError) console.error(e.message); }
 * ```
 */
export class InvalidOutputError extends SiloError {
  constructor(hook: string, detail: string) {
    super('SILO504', `${hook}: ${detail}`);
  }
}

/** What one finalize tick produced. */
export interface TickOutcome {
  /** The batch DuckDB reads (projected, filtered), when one was emitted. */
  readonly batch?: RecordBatch;
  /** True when the stream ended in this tick. */
  readonly finished: boolean;
}

/**
 * Collects one tick's output and shapes it for DuckDB: columns picked by name from the
 * emitted batch, filters applied first (when the function asked the framework to),
 * then narrowed and reordered to the projected schema, rebuilt on that exact schema so
 * nullability matches field for field. Column data is reused, never copied row by row.
 */
export class OutputCollector implements Output {
  private emitted?: RecordBatch;
  private done = false;

  constructor(
    private readonly hook: string,
    /** The full bound output schema. */
    readonly schema: Schema,
    /** What DuckDB reads: the projection of `schema`. */
    private readonly projected: Schema,
    private readonly filters: readonly ColumnFilter[],
  ) {}

  emit(batch: RecordBatch): void {
    if (this.done) throw new InvalidOutputError(this.hook, messages.emitAfterFinish());
    if (this.emitted) throw new InvalidOutputError(this.hook, messages.emitTwice());
    assertBatchConsistent(batch, `${this.hook} emitted`);
    this.emitted = batch;
  }

  finish(): void {
    this.done = true;
  }

  /** Ends the tick: returns what DuckDB receives, or throws if the tick produced nothing. */
  collect(): TickOutcome {
    if (!this.emitted && !this.done) {
      throw new InvalidOutputError(this.hook, messages.tickWithoutOutput());
    }
    return { batch: this.emitted ? this.shape(this.emitted) : undefined, finished: this.done };
  }

  private shape(batch: RecordBatch): RecordBatch {
    const filtered = this.filters.length > 0 ? applyFilters(batch, this.filters) : batch;
    const same = filtered.schema === this.projected || schemasEqual(this.projected, filtered.schema);
    if (same) return filtered;
    const children: Data[] = this.projected.fields.map((field) => {
      const index = filtered.schema.fields.findIndex((f) => f.name === field.name);
      if (index < 0) {
        const have = filtered.schema.fields.map((f) => f.name).join(', ');
        throw new InvalidOutputError(this.hook, messages.emittedColumnMissing(field.name, have));
      }
      const got = filtered.schema.fields[index];
      const data = filtered.getChildAt(index)!.data;
      if (data.length !== 1)
        throw new InvalidOutputError(this.hook, messages.emittedColumnChunked(field.name, data.length));
      if (!field.nullable && data[0].nullCount > 0) {
        throw new InvalidOutputError(this.hook, messages.emittedNullsInNotNull(field.name, data[0].nullCount));
      }
      if (describeTypeDifference(field.type, got.type) === null) return data[0];
      const cast = widen(data[0], got.type, field.type);
      if (!cast) {
        throw new InvalidOutputError(
          this.hook,
          messages.emittedTypeMismatch(field.name, String(got.type), String(field.type)),
        );
      }
      return cast;
    });
    // Custom metadata (e.g. `vgi.cache.*`) belongs to the batch, not its shape: keep it.
    return batchFromData(this.projected, children, filtered.numRows, filtered.metadata);
  }
}

/**
 * Casts a column to the declared type when no value can change: integers to int64
 * (unsigned 64-bit ones only when every value fits), integers of up to 32 bits and
 * float32 to float64. Anything else is the function's mistake and is reported, not guessed.
 */
function widen(data: Data, from: DataType, to: DataType): Data | undefined {
  const column = makeVector(data);
  const values = Array.from({ length: data.length }, (_, i) => column.get(i) as number | bigint | null);
  if (DataType.isInt(to) && to.bitWidth === 64 && to.isSigned && DataType.isInt(from)) {
    if (values.some((v) => v !== null && BigInt(v) > 2n ** 63n - 1n)) return undefined;
    return vectorFromArray(
      values.map((v) => (v === null ? null : BigInt(v))),
      to,
    ).data[0];
  }
  const exactInDouble =
    (DataType.isInt(from) && from.bitWidth <= 32) || (DataType.isFloat(from) && from.precision !== Precision.DOUBLE);
  if (DataType.isFloat(to) && to.precision === Precision.DOUBLE && exactInDouble) {
    return vectorFromArray(
      values.map((v) => (v === null ? null : Number(v))),
      to,
    ).data[0];
  }
  return undefined;
}

/** The schema DuckDB reads: `schema` narrowed and reordered to `projectionIds`. */
export function projectSchema(schema: Schema, projectionIds: readonly number[] | undefined): Schema {
  if (!projectionIds) return schema;
  const bad = projectionIds.filter((i) => i < 0 || i >= schema.fields.length);
  if (bad.length > 0) {
    throw new SiloError('SILO506', messages.projectionIdsOutOfRange(bad, schema.fields.length));
  }
  return new Schema(
    projectionIds.map((i) => schema.fields[i]),
    schema.metadata,
  );
}
