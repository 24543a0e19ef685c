/** A valid SQL identifier for DuckDB names: function, schema, argument and setting names. */
export const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * True for a valid SQL identifier (function, schema and argument names).
 */
export function isSqlIdentifier(name: unknown): name is string {
  return typeof name === 'string' && SQL_IDENTIFIER.test(name);
}
