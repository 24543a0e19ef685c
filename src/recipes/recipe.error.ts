/**
 * Errors of the recipes: a key column the input lacks or cannot be ordered by, a batch of
 * another schema, an argument out of range. Codes `SILO56x`.
 */
import { SiloError } from '../errors';

/**
 * A recipe was used with input it cannot handle. The message names what was wrong and
 * how to fix it.
 *
 * @example
 * ```ts
 * try { sortBatch(batch, ['price']); } catch (e) { if (e instanceof RecipeError && e.code === 'SILO560') ... }
 * ```
 */
export class RecipeError extends SiloError {}

/** SILO560: a key column is not in the schema. */
export function unknownKeyColumn(subject: string, column: string, columns: readonly string[]): RecipeError {
  return new RecipeError(
    'SILO560',
    `${subject}: no column "${column}" in the input (columns: ${columns.join(', ')}). Name one of the input's columns as the key.`,
  );
}

/** SILO561: a key column's type cannot be hashed or ordered. */
export function unsupportedKeyType(subject: string, column: string, type: string, use: 'order' | 'hash'): RecipeError {
  return new RecipeError(
    'SILO561',
    `${subject}: column "${column}" is ${type}, which cannot be used to ${use} rows. ` +
      'Key columns may be integers, floats, decimals, dates, times, timestamps, bool, utf8 or binary; cast the column in SQL (e.g. col::VARCHAR) first.',
  );
}

/** SILO562: a batch does not have the schema the recipe was set up with. */
export function schemaMismatch(subject: string, difference: string): RecipeError {
  return new RecipeError(
    'SILO562',
    `${subject}: the batch does not have the expected schema: ${difference}. Pass batches of one schema (the input's, or the output's).`,
  );
}

/** SILO563: a numeric option out of range. */
export function badOption(subject: string, option: string, rule: string, got: unknown): RecipeError {
  return new RecipeError('SILO563', `${subject}: ${option} must be ${rule} (got ${String(got)}).`);
}

/** SILO564: a key list that names no column, or a sort key of an unknown form. */
export function badKeys(subject: string, detail: string): RecipeError {
  return new RecipeError('SILO564', `${subject}: ${detail}`);
}
