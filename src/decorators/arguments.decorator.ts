import { type DeclaredType, metadataWriter } from '../metadata';
import { assertLegacyDecoratorCall } from './decorator-environment';

/** Options shared by argument decorators. */
export interface ArgumentOptions {
  /** SQL name. Default: the property name. */
  readonly name?: string;
  /** Shown by DuckDB's argument listing. */
  readonly doc?: string;
}

/** Options of a named argument. */
export interface NamedArgumentOptions extends ArgumentOptions {
  /** Applied when the caller omits the argument. Must fit the declared type. */
  readonly default?: unknown;
}

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
export function Positional(position: number, type: DeclaredType, options: ArgumentOptions = {}): PropertyDecorator {
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
 * its default, or `null` without one.
 *
 * @example
 * ```ts
 * class SumArgs {
 *   @Named('bool', { doc: 'log each batch', default: false }) logging!: boolean;
 *   @Named('utf8', { default: 'all' }) @IsIn(['all', 'new', 'none']) result!: string;
 * }
 * // SELECT * FROM sum_all((SELECT * FROM t), logging := true)
 * ```
 */
export function Named(type: DeclaredType, options: NamedArgumentOptions = {}): PropertyDecorator {
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
      decorator: '@Named()',
    });
  };
}
