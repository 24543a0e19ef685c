/**
 * A JSON-safe form of one Arrow value.
 */
export function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (
    value !== null &&
    typeof value === 'object' &&
    'toJSON' in value &&
    typeof (value as { toJSON: unknown }).toJSON === 'function'
  ) {
    return JSON.parse(JSON.stringify((value as { toJSON(): unknown }).toJSON(), (_k, v: unknown) => jsonValue(v)));
  }
  return value ?? null;
}
