/** Recipe options that may depend on the query's arguments. */
import type { ExecutionContext } from '../../definition/contexts';

/**
 * A value, or a function of the query's arguments giving it (`(args) => args.by`).
 *
 * @example
 * ```ts
 * const keys: FromArgs<SortKeys, SortArgs> = (args) => [{ column: args.by, order: 'desc' }];
 * ```
 */
export type FromArgs<T, A = never> = T | ArgsFunction<T, A>;

/**
 * A function of the arguments, declared as a method so its parameter is checked
 * bivariantly: `(a: SortArgs) => a.by` fits a recipe whose arguments type is not named.
 */
export type ArgsFunction<T, A> = { bivariant(args: A): T }['bivariant'];

/** The value of an option for the call `ctx` belongs to. */
export function resolveOption<T, A>(option: FromArgs<T, A>, ctx: Pick<ExecutionContext<A>, 'args'>): T {
  return typeof option === 'function' ? (option as (args: A) => T)(ctx.args) : option;
}
