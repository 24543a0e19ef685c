/**
 * Error classes named after the Python exceptions the reference fixtures raise. The
 * worker reports a hook's error as `<name>: <message>`, so DuckDB shows
 * `ValueError: Intentional exception on batch 2` exactly as it does for the reference.
 */

/**
 * A bad value: an argument, an input schema, or a fixture's intentional failure.
 *
 * @example
 * ```ts
 * throw new ValueError('collection name must be a non-empty string');
 * ```
 */
export class ValueError extends Error {
  override name = 'ValueError';
}

/**
 * A failure the caller could not have prevented by passing other values.
 *
 * @example
 * ```ts
 * throw new RuntimeError('Intentional exception during combine()');
 * ```
 */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}
