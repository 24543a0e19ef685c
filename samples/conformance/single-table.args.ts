import { TableInput } from 'vgi-silo';

/**
 * The arguments of every fixture that takes nothing but its input: one TABLE named
 * `data`, e.g. `buffer_input((SELECT * FROM t))`.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'buffer_input', args: SingleTableArgs, state: LogDrainCursor })
 * ```
 */
export class SingleTableArgs {
  @TableInput({ doc: 'Input table' }) data!: unknown;
}
