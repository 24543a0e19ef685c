import type { DataType } from 'apache-arrow';
import { SiloError } from '../errors';
import { type Constructor, type ValueTypeName, coerceValue, isValueTypeName, renderValue } from '../metadata';
import { validateDecorated } from '../common/class-validator.lazy';

/** Constraints published to DuckDB alongside an argument (from class-validator rules). */
export interface ArgumentConstraints {
  readonly choices?: readonly unknown[];
  /** Interval notation, e.g. `[0, 100]` or `[1, +inf)`. */
  readonly range?: string;
  readonly pattern?: string;
}

/** A scalar parameter, compiled from its decorator. */
export interface ArgumentSpec {
  readonly propertyKey: string;
  readonly name: string;
  readonly kind: 'positional' | 'named';
  readonly type: ValueTypeName | DataType;
  readonly arrowType: DataType;
  readonly doc?: string;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  /** The caller must pass it (named only). */
  readonly required: boolean;
  readonly constraints: ArgumentConstraints;
}

/** The TABLE input. */
export interface TableInputSpec {
  readonly propertyKey?: string;
  readonly name: string;
  readonly doc?: string;
  readonly position: number;
}

/** Argument values as they arrive from DuckDB, already cast to the declared types. */
export interface RawArguments {
  /** Positional scalar values in order (the TABLE input not counted). */
  readonly positional: readonly unknown[];
  /** Named values the caller supplied; omitted ones are absent. */
  readonly named: Readonly<Record<string, unknown>>;
}

/**
 * The arguments were wrong for the function: wrong count, unknown names, values of the
 * wrong type, or values breaking a class-validator constraint. Lists every problem.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof InvalidArgumentsError) console.error(e.problems.join('\n')); }
 * ```
 */
export class InvalidArgumentsError extends SiloError {
  constructor(
    readonly functionName: string,
    readonly problems: readonly string[],
  ) {
    super('SILO502', `Invalid arguments for ${functionName}(): ${problems.join('; ')}`);
  }
}

function typeLabel(type: ValueTypeName | DataType): string {
  return typeof type === 'string' ? type : String(type);
}

function coerce(value: unknown, type: ValueTypeName | DataType): { ok: boolean; value: unknown } {
  if (!isValueTypeName(type)) return { ok: true, value: value ?? null };
  const v = coerceValue(value, type);
  return v === undefined ? { ok: false, value } : { ok: true, value: v };
}

/** class-validator compares numbers; an int64 argument is validated as a number. */
function forValidation(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/**
 * The compiled arguments of one function: what it publishes to DuckDB and how it turns
 * raw values into a validated instance of the arguments class.
 */
export class ArgumentsSpec {
  constructor(
    readonly argsClass: Constructor | undefined,
    /** Positional scalars in position order. */
    readonly positional: readonly ArgumentSpec[],
    readonly table: TableInputSpec,
    /** Named parameters sorted by name. */
    readonly named: readonly ArgumentSpec[],
  ) {}

  /**
   * Builds the arguments object: checks counts and names, converts values to their
   * declared types, applies defaults, then runs the class's class-validator rules.
   */
  bind(functionName: string, raw: RawArguments): object {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    if (raw.positional.length !== this.positional.length) {
      const expected = this.positional.map((a) => `${a.name} ${typeLabel(a.type)}`).join(', ') || 'none';
      problems.push(
        `expected ${this.positional.length} positional argument(s) (${expected}) besides the TABLE input, got ${raw.positional.length}`,
      );
    }
    this.positional.forEach((a, i) => {
      if (i >= raw.positional.length) return;
      const c = coerce(raw.positional[i], a.type);
      if (!c.ok) problems.push(`${a.name} must be ${typeLabel(a.type)}, got ${renderValue(raw.positional[i])}`);
      values[a.propertyKey] = c.value;
    });
    const byName = new Map(this.named.map((a) => [a.name, a]));
    for (const name of Object.keys(raw.named)) {
      if (!byName.has(name)) {
        const known = this.named.map((a) => a.name).join(', ') || 'none';
        problems.push(`unknown named argument "${name}" (known: ${known})`);
      }
    }
    for (const a of this.named) {
      if (!(a.name in raw.named)) {
        if (a.required) problems.push(`${a.name} is required: pass ${a.name} := <${typeLabel(a.type)}>`);
        values[a.propertyKey] = a.hasDefault ? a.defaultValue : null;
        continue;
      }
      const c = coerce(raw.named[a.name], a.type);
      if (!c.ok) problems.push(`${a.name} must be ${typeLabel(a.type)}, got ${renderValue(raw.named[a.name])}`);
      values[a.propertyKey] = c.value;
    }
    if (problems.length > 0) throw new InvalidArgumentsError(functionName, problems);
    const instance = this.argsClass ? Object.assign(Object.create(this.argsClass.prototype) as object, values) : values;
    if (this.argsClass) {
      const shadow = Object.create(this.argsClass.prototype) as Record<string, unknown>;
      for (const [k, v] of Object.entries(values)) shadow[k] = forValidation(v);
      const nameOf = new Map([...this.positional, ...this.named].map((a) => [a.propertyKey, a.name]));
      for (const error of validateDecorated(shadow, { forbidUnknownValues: false })) {
        const name = nameOf.get(error.property) ?? error.property;
        for (const message of Object.values(error.constraints ?? {})) {
          const constraint = message.startsWith(`${error.property} `)
            ? message.slice(error.property.length + 1)
            : message;
          problems.push(`${name} ${constraint} (got ${renderValue(values[error.property])})`);
        }
      }
    }
    if (problems.length > 0) throw new InvalidArgumentsError(functionName, problems);
    return instance;
  }
}
