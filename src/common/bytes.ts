/**
 * Byte helpers of every layer: text and hex conversion, bytewise order, concatenation.
 * The arrow, protocol, storage and server layers share them from here, below all of them.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A key or namespace as users write it: text (UTF-8 encoded) or raw bytes. */
export type KeyLike = string | Uint8Array;

/** Encodes a {@link KeyLike} as bytes. */
export function toBytes(value: KeyLike): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}

/** Decodes UTF-8 bytes. */
export function bytesToText(value: Uint8Array): string {
  return decoder.decode(value);
}

/** Bytewise comparison (memcmp order): negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Lower-case hex of bytes. */
export function toHex(value: Uint8Array): string {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
}

/** Bytes of a lower-case or upper-case hex string. */
export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Concatenates byte arrays into a new array (never aliasing the inputs). */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * The parts as one byte array for a single write: the only non-empty part itself (no
 * copy), or a new array holding them all. Unlike {@link concatBytes}, the result may
 * alias an input.
 */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((p) => p.byteLength > 0);
  if (nonEmpty.length === 1) return nonEmpty[0];
  return concatBytes(...nonEmpty);
}
