/**
 * The subset of DuckDB's pushed filters (`InitRequest.pushdown_filters`, encoding
 * `vgi.filters.v2`, semantics `vgi.duckdb.standard.v1`) that the framework can apply
 * exactly: conjunctions of `column op literal`, `IS [NOT] NULL` and `IN (literals)` on
 * integer, boolean and (under binary collation) string columns.
 *
 * vgi-wire.md leaves this encoding unverified (§5.6, §10); its shape is taken from the
 * reference SDK's reader. Anything outside the subset is skipped, never guessed: Silo
 * advertises `filters_exactly_applied = false`, so DuckDB re-applies every predicate and a
 * skipped one only costs rows that DuckDB drops itself. A predicate applied *wrongly*
 * would lose rows for good, hence the narrow subset (no floats: NaN orders differently in
 * DuckDB; no string ranges: UTF-16 and UTF-8 orders differ).
 */
import { type DataType, type Field, type RecordBatch, type Schema, Type } from 'apache-arrow';
import { readIpcStream, readValue } from '../arrow';
import type { ColumnFilter, FilterOp } from '../worker/filters';

/** What could be decoded, and why the rest could not. */
export interface DecodedFilters {
  readonly filters: ColumnFilter[];
  /** Predicates (or conjuncts) left to DuckDB, with the reason, for diagnostics. */
  readonly skipped: readonly string[];
}

const ENCODING = 'vgi.filters.v2';
const SEMANTICS = 'vgi.duckdb.standard.v1';
const NO_CONTEXT = 'vgi.none.v1';

const COMPARISONS: Readonly<Record<string, FilterOp>> = { eq: 'eq', ne: 'ne', lt: 'lt', le: 'le', gt: 'gt', ge: 'ge' };
/** `a op b` read as `b flipped(op) a`, for literals written on the left. */
const FLIPPED: Readonly<Record<FilterOp, FilterOp>> = {
  eq: 'eq',
  ne: 'ne',
  lt: 'gt',
  le: 'ge',
  gt: 'lt',
  ge: 'le',
  isNull: 'isNull',
  isNotNull: 'isNotNull',
  in: 'in',
};

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

class Reader {
  readonly skipped: string[] = [];

  constructor(
    private readonly payload: RecordBatch,
    private readonly outputSchema: Schema,
    /** Binary string collation: string equality means byte equality. */
    private readonly binaryStrings: boolean,
  ) {}

  /** Conjuncts of one predicate root; an AND contributes each conjunct it can express. */
  predicate(expression: unknown, where: string): ColumnFilter[] {
    if (isObject(expression) && expression.node === 'and' && Array.isArray(expression.children)) {
      return expression.children.flatMap((child, i) => this.predicate(child, `${where}.and[${i}]`));
    }
    const filter = this.single(expression);
    if (typeof filter === 'string') {
      this.skipped.push(`${where}: ${filter}`);
      return [];
    }
    return [filter];
  }

  /** One filter, or why it is left to DuckDB. */
  private single(e: unknown): ColumnFilter | string {
    if (!isObject(e)) return 'not an expression object';
    if (e.node === 'is_null') {
      const column = this.column(e.expression);
      if (typeof column === 'string') return column;
      return { column: column.name, op: e.negated === true ? 'isNotNull' : 'isNull' };
    }
    if (e.node === 'comparison') {
      const op = COMPARISONS[String(e.op)];
      if (op === undefined) return `comparison operator ${String(e.op)} is not applied by Silo`;
      const leftColumn = isObject(e.left) && e.left.node === 'column_ref';
      const column = this.column(leftColumn ? e.left : e.right);
      if (typeof column === 'string') return column;
      const literal = this.literal(leftColumn ? e.right : e.left);
      if (typeof literal === 'string') return literal;
      const effective = leftColumn ? op : FLIPPED[op];
      const problem = this.comparable(column, literal.field, effective);
      if (problem !== null) return problem;
      if (literal.value === null) return 'a comparison with NULL is left to DuckDB';
      return { column: column.name, op: effective, value: literal.value };
    }
    if (e.node === 'in') {
      if (e.negated !== false) return 'NOT IN is left to DuckDB';
      const column = this.column(e.expression);
      if (typeof column === 'string') return column;
      const set = isObject(e.set) ? e.set : {};
      if (set.kind !== 'literal') return `IN set of kind ${String(set.kind)} is left to DuckDB`;
      const literal = this.literal({ node: 'literal', value_ref: set.value_ref });
      if (typeof literal === 'string') return literal;
      const item = literal.field.type.typeId === Type.List ? literal.field.type.children[0] : undefined;
      if (item === undefined || !Array.isArray(literal.value)) return 'IN payload is not a list';
      const problem = this.comparable(column, item, 'in');
      if (problem !== null) return problem;
      return { column: column.name, op: 'in', values: literal.value as unknown[] };
    }
    return `expression node ${String(e.node)} is left to DuckDB`;
  }

  private column(e: unknown): Field | string {
    if (!isObject(e) || e.node !== 'column_ref') return 'the operand is not a plain column reference';
    const field = this.outputSchema.fields[Number(e.column_index)];
    if (field === undefined || field.name !== e.column_name)
      return `column_ref ${String(e.column_name)}#${String(e.column_index)} does not match the output schema`;
    return field;
  }

  private literal(e: unknown): { field: Field; value: unknown } | string {
    if (!isObject(e) || e.node !== 'literal') return 'the operand is not a literal';
    const name = `value_${String(e.value_ref)}`;
    const index = this.payload.schema.fields.findIndex((f) => f.name === name);
    if (index < 0) return `payload column ${name} is missing`;
    return { field: this.payload.schema.fields[index], value: readValue(this.payload.getChildAt(index)!, 0) };
  }

  /** Null if `column op literal` compares the same way in JavaScript as in DuckDB. */
  private comparable(column: Field, literal: Field, op: FilterOp): string | null {
    const kind = valueKind(column.type);
    if (kind === null)
      return `column ${column.name} (${String(column.type)}) is left to DuckDB: Silo applies filters on integer, boolean and string columns only`;
    if (kind !== valueKind(literal.type))
      return `comparing ${String(column.type)} with ${String(literal.type)} is left to DuckDB`;
    if (kind === 'string' && (!this.binaryStrings || (op !== 'eq' && op !== 'ne' && op !== 'in'))) {
      return `string ${op} under this collation is left to DuckDB`;
    }
    if (kind === 'bool' && op !== 'eq' && op !== 'ne' && op !== 'in') return `boolean ${op} is left to DuckDB`;
    return null;
  }
}

function valueKind(type: DataType): 'integer' | 'string' | 'bool' | null {
  switch (type.typeId) {
    case Type.Int:
      return 'integer';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Bool:
      return 'bool';
    default:
      return null;
  }
}

/**
 * Decodes the filters the framework can apply from `InitRequest.pushdown_filters`.
 * Never throws: an unreadable filter set yields no filters and a reason.
 *
 * @example
 * ```ts
 * const { filters } = decodePushdownFilters(init.pushdownFilters, init.outputSchema);
 * await dispatcher.openFinalize({ ...call, filters });
 * ```
 */
export function decodePushdownFilters(bytes: Uint8Array | null, outputSchema: Schema): DecodedFilters {
  if (bytes === null || bytes.length === 0) return { filters: [], skipped: [] };
  let payload: RecordBatch | undefined;
  try {
    payload = readIpcStream(bytes, 'InitRequest.pushdown_filters').batches[0];
  } catch (e) {
    return { filters: [], skipped: [`the filter set is not a readable Arrow stream: ${(e as Error).message}`] };
  }
  if (payload === undefined || payload.numRows !== 1 || payload.schema.fields[0]?.name !== 'filter_spec') {
    return { filters: [], skipped: ['the filter set is not one row starting with filter_spec'] };
  }
  const meta = payload.schema.metadata;
  if (meta.get('vgi_filter_encoding') !== ENCODING)
    return { filters: [], skipped: [`filter encoding ${String(meta.get('vgi_filter_encoding'))} is not ${ENCODING}`] };
  const profile = meta.get('vgi_evaluation_context');
  const collation = meta.get('vgi_default_collation') ?? '';
  const binaryStrings = profile === NO_CONTEXT || collation === '' || collation.toLowerCase() === 'binary';
  let document: unknown;
  try {
    document = JSON.parse(String(readValue(payload.getChildAt(0)!, 0)));
  } catch (e) {
    return { filters: [], skipped: [`filter_spec is not JSON: ${(e as Error).message}`] };
  }
  if (
    !isObject(document) ||
    document.semantics !== SEMANTICS ||
    document.kind !== 'snapshot' ||
    !Array.isArray(document.predicates)
  ) {
    return { filters: [], skipped: [`the filter document is not a ${SEMANTICS} snapshot`] };
  }
  const reader = new Reader(payload, outputSchema, binaryStrings);
  const filters = document.predicates.flatMap((p, i) =>
    reader.predicate(isObject(p) ? p.expression : undefined, `predicates[${i}]`),
  );
  return { filters, skipped: reader.skipped };
}
