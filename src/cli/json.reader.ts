/**
 * Reads JSON rows — an array of objects, or NDJSON (one object per line) — into an Arrow
 * table. Columns are the union of the objects' keys in order of first appearance; a
 * missing key or `null` is NULL. Types: int64 when every value is an integer, float64
 * when every value is a number, bool, utf8.
 */
import { type Field, Table } from 'apache-arrow';
import { field, makeRecordBatch, schemaOf, wire } from '../arrow';
import { CliError } from './cli.error';

/**
 * Parses JSON or NDJSON text into row objects.
 */
function parseJsonRows(text: string, source = 'JSON input'): Record<string, unknown>[] {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new CliError(`${source} is empty. Give an array of objects, or one object per line (NDJSON).`);
  let rows: unknown[];
  if (trimmed.startsWith('[')) {
    try {
      rows = JSON.parse(trimmed) as unknown[];
    } catch (e) {
      throw new CliError(`${source} is not valid JSON: ${(e as Error).message}.`);
    }
  } else {
    rows = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        rows.push(JSON.parse(line));
      } catch (e) {
        throw new CliError(
          `${source}: line ${i + 1} is not valid JSON (${(e as Error).message}). NDJSON needs one complete object per line.`,
        );
      }
    });
  }
  rows.forEach((row, i) => checkJsonRow(row, i + 1, source));
  return rows as Record<string, unknown>[];
}

/**
 * Reads JSON or NDJSON rows into an Arrow table with inferred column types.
 */
export function readJson(text: string, source = 'JSON input'): Table {
  const rows = parseJsonRows(text, source);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        names.push(key);
      }
    }
  }
  if (names.length === 0) throw new CliError(`${source} has no columns: every row is an empty object.`);
  const fields: Field[] = [];
  const columns: Record<string, unknown[]> = {};
  for (const name of names) {
    const values = rows.map((r) => (r[name] === undefined ? null : r[name]));
    const inferred = inferColumn(name, values, source);
    fields.push(field(name, inferred.type, true));
    columns[name] = inferred.values;
  }
  return new Table([makeRecordBatch(schemaOf(fields), columns, { numRows: rows.length })]);
}

/** A JSON column's inferred type. */
export type JsonKind = 'int64' | 'float64' | 'bool' | 'utf8';

/**
 * One JSON value as a value of `kind`, or `undefined` when it is not of that kind.
 */
export function jsonCell(kind: JsonKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'utf8') return typeof value === 'string' ? value : undefined;
  if (kind === 'int64') return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (kind === 'float64') return typeof value === 'number' ? value : undefined;
  return typeof value === 'boolean' ? value : undefined;
}

/**
 * Infers a column's kind from its values (throws on objects, arrays, or mixed kinds).
 */
export function inferJsonKind(name: string, values: readonly unknown[], source: string): JsonKind {
  const type = inferColumn(name, values, source).type;
  return String(type) === 'Int64'
    ? 'int64'
    : String(type) === 'Float64'
      ? 'float64'
      : String(type) === 'Bool'
        ? 'bool'
        : 'utf8';
}

/**
 * Checks that a parsed JSON row is an object (row `n`, 1-based, for the message).
 */
export function checkJsonRow(row: unknown, n: number, source: string): asserts row is Record<string, unknown> {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    throw new CliError(
      `${source}: row ${n} is ${Array.isArray(row) ? 'an array' : row === null ? 'null' : `a ${typeof row}`}, not an object. Give one object per row, e.g. {"city": "Lima", "fare": 12.5}.`,
    );
  }
}

function inferColumn(
  name: string,
  values: readonly unknown[],
  source: string,
): { type: ReturnType<typeof wire.utf8>; values: unknown[] } {
  const kinds = new Set<string>();
  values.forEach((v, i) => {
    if (v === null) return;
    if (typeof v === 'object') {
      throw new CliError(
        `${source}: column "${name}" holds ${Array.isArray(v) ? 'an array' : 'an object'} in row ${i + 1}; only strings, numbers and booleans are supported. Flatten it into scalar columns.`,
      );
    }
    kinds.add(typeof v === 'number' ? (Number.isSafeInteger(v) ? 'integer' : 'number') : typeof v);
  });
  if (kinds.size === 0 || (kinds.size === 1 && kinds.has('string'))) return { type: wire.utf8(), values: [...values] };
  if (kinds.size === 1 && kinds.has('integer'))
    return { type: wire.int64(), values: values.map((v) => (v === null ? null : BigInt(v as number))) };
  if ([...kinds].every((k) => k === 'integer' || k === 'number')) return { type: wire.float64(), values: [...values] };
  if (kinds.size === 1 && kinds.has('boolean')) return { type: wire.bool(), values: [...values] };
  const firstOf = (kind: string): number => values.findIndex((v) => v !== null && typeof v === kind) + 1;
  const [a, b] = [...new Set([...kinds].map((k) => (k === 'integer' ? 'number' : k)))];
  throw new CliError(
    `${source}: column "${name}" mixes ${a} values (first in row ${firstOf(a)}) and ${b} values (first in row ${firstOf(b)}). Give each column one type.`,
  );
}
