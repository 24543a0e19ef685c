/**
 * JSON that keeps the JavaScript values Arrow produces: bigint, bytes, dates, nested
 * objects and arrays. Used to persist argument, setting and secret values.
 */
const BIGINT = '$bigint';
const BYTES = '$bytes';
const DATE = '$date';

function encode(value: unknown): unknown {
  if (typeof value === 'bigint') return { [BIGINT]: value.toString() };
  if (value instanceof Uint8Array) return { [BYTES]: Buffer.from(value).toString('base64') };
  if (value instanceof Date) return { [DATE]: value.toISOString() };
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') {
    // Arrow struct rows and maps arrive as proxies; copy their own enumerable fields.
    const source = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
    if (source instanceof Map) return { $map: [...source.entries()].map(([k, v]) => [encode(k), encode(v)]) };
    return Object.fromEntries(Object.entries(source as object).map(([k, v]) => [k, encode(v)]));
  }
  return value;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o[BIGINT] === 'string') return BigInt(o[BIGINT]);
    if (typeof o[BYTES] === 'string') return new Uint8Array(Buffer.from(o[BYTES], 'base64'));
    if (typeof o[DATE] === 'string') return new Date(o[DATE]);
    if (Array.isArray(o.$map)) return new Map((o.$map as [unknown, unknown][]).map(([k, v]) => [decode(k), decode(v)]));
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decode(v)]));
  }
  return value;
}

/** Encodes to UTF-8 JSON bytes. */
export function toTaggedJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(encode(value)));
}

/** Decodes what {@link toTaggedJson} wrote. */
export function fromTaggedJson(bytes: Uint8Array): unknown {
  return decode(JSON.parse(new TextDecoder().decode(bytes)));
}
