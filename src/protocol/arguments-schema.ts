/**
 * The `arguments` schema of FunctionInfo (vgi-wire §4.7): one nullable field per
 * parameter — positional scalars in signature order, then the TABLE input (`null` type,
 * `vgi_type = "table"`), then named parameters sorted by name (`vgi_arg = "named"`) —
 * with optional documentation and constraint metadata.
 */
import { type DataType, type Field, type Schema } from 'apache-arrow';
import { field, schemaOf, wire } from '../arrow';
import { RecordEncodeError } from './protocol.error';

/** Field metadata keys of the arguments schema. */
const ArgumentMetadataKey = {
  type: 'vgi_type',
  arg: 'vgi_arg',
  doc: 'vgi_doc',
  default: 'vgi_default',
  choices: 'vgi_choices',
  range: 'vgi_range',
  pattern: 'vgi_pattern',
  varargs: 'vgi_varargs',
  constant: 'vgi_const',
} as const;

/** Numeric bounds, as class-validator's `@Min`/`@Max` would give them (`ge`/`le` inclusive, `gt`/`lt` exclusive). */
interface ArgumentRange {
  readonly ge?: number | bigint;
  readonly le?: number | bigint;
  readonly gt?: number | bigint;
  readonly lt?: number | bigint;
}

/** One parameter of a function, as the registry describes it. */
export interface ArgumentDescriptor {
  readonly name: string;
  /** A positional scalar, the TABLE input, or a named (`name := value`) parameter. */
  readonly kind: 'positional' | 'table' | 'named';
  /** The Arrow type DuckDB casts the argument to; ignored for the TABLE input (`null`). */
  readonly type?: DataType;
  /** Shown by the extension's argument listing (`vgi_doc`). */
  readonly doc?: string;
  /** The default, published as a JSON scalar (`vgi_default`; documentation only). */
  readonly default?: unknown;
  /** Allowed values (`vgi_choices`, a JSON array). */
  readonly choices?: readonly unknown[];
  /** Bounds (`vgi_range`, interval notation such as `[0, 100]` or `(0, +inf)`). */
  readonly range?: ArgumentRange | string;
  /** A regex the value must match (`vgi_pattern`). */
  readonly pattern?: string | RegExp;
  /** Accepts any type (`vgi_type = "any"`). */
  readonly anyType?: boolean;
  /** Variadic (`vgi_varargs = "true"`). */
  readonly varargs?: boolean;
  /** Constant, bind-time (`vgi_const = "true"`). */
  readonly constant?: boolean;
}

/**
 * JSON text of a value, with int64 `bigint`s written as plain numbers.
 */
function toJsonText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value instanceof RegExp) return JSON.stringify(value.source);
  const text = JSON.stringify(value);
  return text === undefined ? JSON.stringify(String(value)) : text;
}

/**
 * Interval notation of a range: `[0, 100]`, `(0, +inf)`, `[1, 10)`.
 */
function formatRange(range: ArgumentRange): string {
  const low = range.gt !== undefined ? `(${range.gt}` : range.ge !== undefined ? `[${range.ge}` : '(-inf';
  const high = range.lt !== undefined ? `${range.lt})` : range.le !== undefined ? `${range.le}]` : '+inf)';
  return `${low}, ${high}`;
}

/**
 * The §4.7 arguments schema for a function's parameters, in wire order.
 */
export function buildArgumentsSchema(args: readonly ArgumentDescriptor[], subject = 'function'): Schema {
  const seen = new Set<string>();
  for (const a of args) {
    if (seen.has(a.name))
      throw new RecordEncodeError(
        subject,
        `argument "${a.name}" is declared twice. Give every parameter a unique name.`,
      );
    seen.add(a.name);
    if (a.kind !== 'table' && a.type === undefined) {
      throw new RecordEncodeError(
        subject,
        `argument "${a.name}" has no Arrow type. Declare its type (e.g. int64, utf8).`,
      );
    }
  }
  const tables = args.filter((a) => a.kind === 'table');
  if (tables.length > 1) {
    throw new RecordEncodeError(
      subject,
      `declares ${tables.length} TABLE arguments (${tables.map((t) => t.name).join(', ')}); a function takes at most one.`,
    );
  }
  const positional = args.filter((a) => a.kind === 'positional');
  const named = args.filter((a) => a.kind === 'named').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return schemaOf([...positional, ...tables, ...named].map(argumentField));
}

function argumentField(a: ArgumentDescriptor): Field {
  const meta: Record<string, string> = {};
  if (a.kind === 'table') meta[ArgumentMetadataKey.type] = 'table';
  else if (a.anyType) meta[ArgumentMetadataKey.type] = 'any';
  if (a.kind === 'named') meta[ArgumentMetadataKey.arg] = 'named';
  if (a.doc !== undefined && a.doc !== '') meta[ArgumentMetadataKey.doc] = a.doc;
  if (a.default !== undefined) meta[ArgumentMetadataKey.default] = toJsonText(a.default);
  if (a.choices !== undefined) meta[ArgumentMetadataKey.choices] = toJsonText([...a.choices]);
  if (a.range !== undefined)
    meta[ArgumentMetadataKey.range] = typeof a.range === 'string' ? a.range : formatRange(a.range);
  if (a.pattern !== undefined)
    meta[ArgumentMetadataKey.pattern] = typeof a.pattern === 'string' ? a.pattern : a.pattern.source;
  if (a.varargs) meta[ArgumentMetadataKey.varargs] = 'true';
  if (a.constant) meta[ArgumentMetadataKey.constant] = 'true';
  const type = a.kind === 'table' ? wire.null() : (a.type as DataType);
  return field(a.name, type, true, Object.keys(meta).length > 0 ? meta : undefined);
}

/**
 * Reads an arguments schema back into descriptors (client side, e.g. `silo list`).
 * Constraint metadata is returned as the raw strings the wire carries.
 */
export function readArgumentsSchema(
  schema: Schema,
): (ArgumentDescriptor & { readonly metadata: ReadonlyMap<string, string> })[] {
  return schema.fields.map((f) => {
    const m = f.metadata;
    const kind =
      m.get(ArgumentMetadataKey.type) === 'table'
        ? 'table'
        : m.get(ArgumentMetadataKey.arg) === 'named'
          ? 'named'
          : 'positional';
    return {
      name: f.name,
      kind,
      type: f.type,
      doc: m.get(ArgumentMetadataKey.doc),
      range: m.get(ArgumentMetadataKey.range),
      pattern: m.get(ArgumentMetadataKey.pattern),
      anyType: m.get(ArgumentMetadataKey.type) === 'any',
      varargs: m.get(ArgumentMetadataKey.varargs) === 'true',
      constant: m.get(ArgumentMetadataKey.constant) === 'true',
      metadata: m,
    };
  });
}
