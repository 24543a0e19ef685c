import { type DeclaredType, type JsTypeOf, metadataWriter } from '../metadata';
import { assertLegacyDecoratorCall } from './decorator-environment';

/** Options shared by argument decorators. */
export interface ArgumentOptions {
  /** SQL name. Default: the property name. */
  readonly name?: string;
  /** Shown by DuckDB's argument listing. */
  readonly doc?: string;
}

/**
 * Options of a named argument, `V` being the JavaScript type of its declared type: a
 * default, or `required: true`, or neither (then it is `null` when omitted).
 */
export type NamedArgumentOptions<V = unknown> = ArgumentOptions &
  (
    | {
        /**
         * Applied when the caller omits the argument, in the argument's JavaScript type
         * (`4n` for `int64`, `4` for `int32` and `float64`). The one way to give an argument a
         * default: a property initializer on an arguments class is never applied, and is
         * reported at registration.
         */
        readonly default?: V;
        readonly required?: false;
      }
    | {
        /** The caller must pass it: omitting it is a bind error naming it. */
        readonly required: true;
        readonly default?: never;
      }
  );

/**
 * A property decorator that only compiles on a property whose type holds `V` (or
 * `V | null`): `@Positional(0, 'int64') k!: number` is a compile error.
 */
export type TypedPropertyDecorator<V> = <K extends string>(target: { [P in K]?: V | null }, propertyKey: K) => void;

type NullWhenOmitted<K extends string> =
  `${K}: a @Named() argument without a default or { required: true } is null when the caller omits it; type it T | null, or give it a default or required: true`;
type WrongType<K extends string> = `${K}: the property type does not hold the values of the declared type`;

/**
 * The decorator `@Named(type, options)` returns: with a default or `required: true` the
 * property holds a value of the type; without either it may be null, so its type must
 * include `null`.
 */
export type NamedPropertyDecorator<V, O> = [O] extends [{ readonly required: true } | { readonly default: unknown }]
  ? TypedPropertyDecorator<V>
  : <T, K extends keyof T & string>(
      target: T,
      propertyKey: null extends T[K] ? (T[K] extends V | null | undefined ? K : WrongType<K>) : NullWhenOmitted<K>,
    ) => void;

/** Options of the TABLE input. */
export interface TableInputOptions extends ArgumentOptions {
  /** Position among positional parameters. Default: after every positional scalar. */
  readonly position?: number;
}

function property(decorator: string, args: unknown[]): { target: object; propertyKey: string } {
  assertLegacyDecoratorCall(decorator, args);
  const [prototype, propertyKey] = args as [object, string | symbol];
  return { target: prototype.constructor, propertyKey: String(propertyKey) };
}

/**
 * Declares the TABLE input of a buffering function: the subquery DuckDB feeds to the
 * sink. At most one per arguments class; when the class declares none, the function
 * takes one TABLE input named `data` after its positional parameters.
 *
 * @example
 * ```ts
 * class TopKArgs {
 *   @Positional(0, 'int64', { doc: 'rows to keep' }) @Min(1) k!: bigint;
 *   @TableInput({ doc: 'rows to rank' }) data!: unknown;
 * }
 * // SELECT * FROM top_k(10, (SELECT * FROM trips))
 * ```
 */
export function TableInput(options: TableInputOptions = {}): PropertyDecorator {
  return (...args: unknown[]) => {
    const { target, propertyKey } = property('@TableInput()', args);
    metadataWriter.argument(target, {
      propertyKey,
      kind: 'table',
      position: options.position,
      name: options.name ?? propertyKey,
      doc: options.doc,
      hasDefault: false,
      decorator: '@TableInput()',
    });
  };
}

/**
 * Declares a positional scalar parameter. Positions count from 0 over every positional
 * parameter, the TABLE input included, and must be contiguous.
 *
 * @example
 * ```ts
 * class EmitArgs {
 *   @Positional(0, 'int64', { doc: 'rows to emit' }) @Min(0) rows!: bigint;
 * }
 * // SELECT * FROM emit_rows(10000, (SELECT 1))
 * ```
 */
export function Positional<T extends DeclaredType>(
  position: number,
  type: T,
  options: ArgumentOptions = {},
): TypedPropertyDecorator<JsTypeOf<T>> {
  return (...args: unknown[]) => {
    const { target, propertyKey } = property('@Positional()', args);
    metadataWriter.argument(target, {
      propertyKey,
      kind: 'positional',
      position,
      name: options.name ?? propertyKey,
      type,
      doc: options.doc,
      hasDefault: false,
      decorator: '@Positional()',
    });
  };
}

/**
 * Declares a named parameter (`name := value` in SQL). Omitted by the caller, it takes
 * its default; with `required: true` omitting it is a bind error; with neither it is
 * `null` (and the property's type must say so).
 *
 * @example
 * ```ts
 * class SumArgs {
 *   @Named('bool', { doc: 'log each batch', default: false }) logging!: boolean;
 *   @Named('utf8', { default: 'all' }) @IsIn(['all', 'new', 'none']) result!: string;
 *   @Named('utf8', { required: true }) column!: string;
 *   @Named('int64') limit!: bigint | null;
 * }
 * // SELECT * FROM sum_all((SELECT * FROM t), column := 'fare', logging := true)
 * ```
 */
export function Named<T extends DeclaredType, const O extends NamedArgumentOptions<JsTypeOf<T>> = object>(
  type: T,
  options?: O,
): NamedPropertyDecorator<JsTypeOf<T>, O>;
export function Named(
  type: DeclaredType,
  options: {
    readonly name?: string;
    readonly doc?: string;
    readonly default?: unknown;
    readonly required?: boolean;
  } = {},
): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const { target, propertyKey } = property('@Named()', args);
    metadataWriter.argument(target, {
      propertyKey,
      kind: 'named',
      name: options.name ?? propertyKey,
      type,
      doc: options.doc,
      hasDefault: 'default' in options,
      defaultValue: options.default,
      required: options.required === true,
      decorator: '@Named()',
    });
  };
}
