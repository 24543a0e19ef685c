/**
 * Sort and grouping keys: which columns, in which direction, and where nulls go.
 */
import type { Schema } from 'apache-arrow';
import { isKeyType } from './column-view';
import { badKeys, unknownKeyColumn, unsupportedKeyType } from './recipe.error';

/** One ordering key. A bare column name means ascending, nulls last (DuckDB's default). */
export interface SortKey {
  readonly column: string;
  /** Default `'asc'`. */
  readonly order?: 'asc' | 'desc';
  /** Default `'last'`, in either direction (DuckDB's default `NULLS LAST`). */
  readonly nulls?: 'first' | 'last';
}

/** A key given as a column name, or as a {@link SortKey}. */
export type SortKeySpec = string | SortKey;

/** Keys given as one spec or several. */
export type SortKeys = SortKeySpec | readonly SortKeySpec[];

/** A key resolved against a schema: the column's index and the flags as numbers. */
export interface ResolvedKey {
  readonly column: string;
  readonly index: number;
  /** -1 for descending, 1 for ascending. */
  readonly direction: 1 | -1;
  /** True when nulls sort before every value. */
  readonly nullsFirst: boolean;
}

/**
 * Resolves key specs against `schema`, refusing unknown columns (SILO560) and an empty
 * key list (SILO564).
 *
 * @example
 * ```ts
 * resolveKeys(batch.schema, ['city', { column: 'fare', order: 'desc' }], 'sort');
 * ```
 */
export function resolveKeys(schema: Schema, keys: SortKeys, subject: string): ResolvedKey[] {
  const specs: readonly SortKeySpec[] =
    typeof keys === 'string' || !Array.isArray(keys) ? [keys as SortKeySpec] : (keys as readonly SortKeySpec[]);
  if (specs.length === 0) throw badKeys(subject, 'no key column given. Name at least one column.');
  const names = schema.fields.map((f) => f.name);
  return specs.map((spec) => {
    const key: SortKey = typeof spec === 'string' ? { column: spec } : spec;
    if (typeof key?.column !== 'string')
      throw badKeys(subject, `a key must be a column name or { column, order?, nulls? }, got ${JSON.stringify(spec)}.`);
    if (key.order !== undefined && key.order !== 'asc' && key.order !== 'desc')
      throw badKeys(subject, `order of "${key.column}" must be 'asc' or 'desc', got ${JSON.stringify(key.order)}.`);
    if (key.nulls !== undefined && key.nulls !== 'first' && key.nulls !== 'last')
      throw badKeys(subject, `nulls of "${key.column}" must be 'first' or 'last', got ${JSON.stringify(key.nulls)}.`);
    const index = names.indexOf(key.column);
    if (index < 0) throw unknownKeyColumn(subject, key.column, names);
    return { column: key.column, index, direction: key.order === 'desc' ? -1 : 1, nullsFirst: key.nulls === 'first' };
  });
}

/**
 * The names of the key columns, for messages and hashing.
 *
 * @example
 * ```ts
 * keyColumnNames(['a', { column: 'b', order: 'desc' }]); // ['a', 'b']
 * ```
 */
export function keyColumnNames(keys: SortKeys): string[] {
  const specs: readonly SortKeySpec[] =
    typeof keys === 'string' || !Array.isArray(keys) ? [keys as SortKeySpec] : (keys as readonly SortKeySpec[]);
  return specs.map((s) => (typeof s === 'string' ? s : s.column));
}

/**
 * Parses keys written as SQL's ORDER BY list: `'city, fare DESC NULLS FIRST'`. Column
 * names are taken as written (no quoting); refuses anything else (SILO564).
 *
 * @example
 * ```ts
 * parseSortKeys('fare desc, id'); // [{ column: 'fare', order: 'desc', nulls: 'last' }, { column: 'id', order: 'asc', nulls: 'last' }]
 * ```
 */
export function parseSortKeys(text: string, subject = 'sort'): SortKey[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => p === ''))
    throw badKeys(
      subject,
      `the key list ${JSON.stringify(text)} has an empty entry. Write columns separated by commas, e.g. 'city, fare DESC'.`,
    );
  return parts.map((part) => {
    const m = /^(\S+)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?$/i.exec(part);
    if (m === null)
      throw badKeys(
        subject,
        `cannot read the key ${JSON.stringify(part)}: write a column name, then optionally ASC or DESC, then optionally NULLS FIRST or NULLS LAST.`,
      );
    return {
      column: m[1],
      order: (m[2]?.toLowerCase() ?? 'asc') as 'asc' | 'desc',
      nulls: (m[3]?.toLowerCase() ?? 'last') as 'first' | 'last',
    };
  });
}

/**
 * Checks that every key column is in `schema` with a type rows can be ordered and hashed
 * by; throws the recipes' coded errors (SILO560, SILO561, SILO564) otherwise. Call it at
 * bind, so a bad key fails the query before any row moves.
 *
 * @example
 * ```ts
 * @OnBind() bind(ctx: BindContext<Args>) { checkKeyColumns(ctx.inputSchema, ctx.args.by, 'external_sort'); return ctx.inputSchema; }
 * ```
 */
export function checkKeyColumns(schema: Schema, keys: SortKeys, subject: string): ResolvedKey[] {
  const resolved = resolveKeys(schema, keys, subject);
  for (const k of resolved) {
    const type = schema.fields[k.index].type;
    if (!isKeyType(type)) throw unsupportedKeyType(subject, k.column, String(type), 'order');
  }
  return resolved;
}
