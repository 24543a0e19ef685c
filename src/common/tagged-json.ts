/**
 * JSON that keeps the JavaScript values Arrow produces: bigint, bytes, dates, nested
 * objects and arrays. Used to persist argument, setting and secret values, and by the
 * storage collections' JSON codec.
 *
 * Tags are one-key objects (`{"$bigint":"12"}`). A plain object that itself has a key
 * spelled like a tag is wrapped in `{"$object": ...}`, so user data never reads back as a
 * tag; numbers JSON cannot spell (NaN, ±Infinity, -0) are tagged too.
 */
const BIGINT = '$bigint';
const BYTES = '$bytes';
const DATE = '$date';
const TYPED = '$typed';
const MAP = '$map';
const OBJECT = '$object';
const NUMBER = '$number';
const TAGS: ReadonlySet<string> = new Set([BIGINT, BYTES, DATE, TYPED, MAP, OBJECT, NUMBER]);

/** Typed arrays Arrow hands out as values (INTERVAL is an Int32Array of 4 words, for example). */
const TYPED_ARRAYS = {
  Int8Array,
  Int16Array,
  Int32Array,
  Uint16Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

function encode(value: unknown): unknown {
  if (typeof value === 'bigint') return { [BIGINT]: value.toString() };
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0)))
    return { [NUMBER]: Object.is(value, -0) ? '-0' : String(value) };
  if (value instanceof Uint8Array) return { [BYTES]: Buffer.from(value).toString('base64') };
  if (value instanceof Date) return { [DATE]: value.toISOString() };
  if (ArrayBuffer.isView(value) && value.constructor.name in TYPED_ARRAYS) {
    return {
      [TYPED]: value.constructor.name,
      data: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
    };
  }
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') {
    // Arrow struct rows and maps arrive as proxies; copy their own enumerable fields.
    const source =
      typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
    if (source instanceof Map) return { [MAP]: [...source.entries()].map(([k, v]) => [encode(k), encode(v)]) };
    const fields = Object.fromEntries(Object.entries(source as object).map(([k, v]) => [k, encode(v)]));
    return Object.keys(fields).some((k) => TAGS.has(k)) ? { [OBJECT]: fields } : fields;
  }
  return value;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o[BIGINT] === 'string') return BigInt(o[BIGINT]);
    if (typeof o[NUMBER] === 'string') return Number(o[NUMBER]);
    if (typeof o[BYTES] === 'string') return new Uint8Array(Buffer.from(o[BYTES], 'base64'));
    if (typeof o[DATE] === 'string') return new Date(o[DATE]);
    if (typeof o[TYPED] === 'string' && typeof o.data === 'string' && o[TYPED] in TYPED_ARRAYS) {
      const bytes = Buffer.from(o.data, 'base64');
      // Copy into a fresh, aligned buffer: a Buffer's offset need not suit 4- or 8-byte elements.
      const aligned = new Uint8Array(bytes).buffer;
      return new TYPED_ARRAYS[o[TYPED] as TypedArrayName](aligned);
    }
    if (Array.isArray(o[MAP])) return new Map((o[MAP] as [unknown, unknown][]).map(([k, v]) => [decode(k), decode(v)]));
    const fields =
      o[OBJECT] !== null && typeof o[OBJECT] === 'object' && !Array.isArray(o[OBJECT])
        ? (o[OBJECT] as Record<string, unknown>)
        : o;
    return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, decode(v)]));
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

/** Decodes the tags in a value `JSON.parse` already returned. */
export function fromTaggedValue(parsed: unknown): unknown {
  return decode(parsed);
}
