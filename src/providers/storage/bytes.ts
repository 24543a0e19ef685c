/** Byte helpers shared by every storage backend and by the bound view. */

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

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A stable string for a scope, used as a map key and in diagnostics. */
export function scopeKey(scope: { kind: string; id: Uint8Array }): string {
  return `${scope.kind}:${toHex(scope.id)}`;
}
