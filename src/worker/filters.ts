import type { RecordBatch } from 'apache-arrow';
import { takeRows } from '../arrow/batch-utils';
import { SiloError, messages } from '../errors';

/** Comparison operators a pushed filter can use. */
export type FilterOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'isNull' | 'isNotNull' | 'in';

/**
 * One predicate DuckDB pushed into the scan: `column op value`. A row passes a list of
 * filters when it passes every one (a conjunction, as DuckDB pushes them).
 *
 * @example
 * ```ts
 * const filters: ColumnFilter[] = [{ column: 'x', op: 'gt', value: 10n }, { column: 'name', op: 'isNotNull' }];
 * ```
 */
export interface ColumnFilter {
  readonly column: string;
  readonly op: FilterOp;
  /** The operand of comparisons. */
  readonly value?: unknown;
  /** The list of `in`. */
  readonly values?: readonly unknown[];
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = typeof a === 'bigint' ? a : BigInt(Math.trunc(Number(a)));
    const y = typeof b === 'bigint' ? b : BigInt(Math.trunc(Number(b)));
    if (typeof a === 'number' && !Number.isInteger(a)) return a < Number(y) ? -1 : a > Number(y) ? 1 : 0;
    if (typeof b === 'number' && !Number.isInteger(b)) return Number(x) < b ? -1 : Number(x) > b ? 1 : 0;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function passes(value: unknown, f: ColumnFilter): boolean {
  if (f.op === 'isNull') return value === null || value === undefined;
  if (f.op === 'isNotNull') return value !== null && value !== undefined;
  // SQL semantics: a comparison with NULL is not true.
  if (value === null || value === undefined) return false;
  switch (f.op) {
    case 'in':
      return (f.values ?? []).some((v) => v !== null && compare(value, v) === 0);
    case 'eq':
      return compare(value, f.value) === 0;
    case 'ne':
      return compare(value, f.value) !== 0;
    case 'lt':
      return compare(value, f.value) < 0;
    case 'le':
      return compare(value, f.value) <= 0;
    case 'gt':
      return compare(value, f.value) > 0;
    case 'ge':
      return compare(value, f.value) >= 0;
  }
}

/** Keeps the rows of `batch` that pass every filter. Unknown columns are an error. */
export function applyFilters(batch: RecordBatch, filters: readonly ColumnFilter[]): RecordBatch {
  if (filters.length === 0 || batch.numRows === 0) return batch;
  const columns = filters.map((f) => {
    const column = batch.getChild(f.column);
    if (!column)
      throw new SiloError(
        'SILO509',
        messages.filterColumnMissing(
          f.column,
          batch.schema.fields.map((x) => x.name),
        ),
      );
    return column;
  });
  const keep: number[] = [];
  for (let row = 0; row < batch.numRows; row++) {
    if (filters.every((f, i) => passes(columns[i].get(row), f))) keep.push(row);
  }
  return takeRows(batch, keep);
}
