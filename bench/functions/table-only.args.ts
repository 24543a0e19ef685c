import { TableInput } from 'vgi-silo';

/**
 * The arguments of every bench function: the TABLE input and nothing else, e.g.
 * `key_sum((SELECT k, v, s FROM t))`.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'key_sum', args: TableOnlyArgs, state: KeySumCursor })
 * ```
 */
export class TableOnlyArgs {
  @TableInput({ doc: 'Input table with columns k BIGINT, v DOUBLE, s VARCHAR' }) data!: unknown;
}
