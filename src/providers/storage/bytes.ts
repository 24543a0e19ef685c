/** Byte helpers shared by every storage backend and by the bound view. */

export { concatBytes } from '../../common/concat-bytes';

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

/** A stable string for a scope, used as a map key and in diagnostics. */
export function scopeKey(scope: { kind: string; id: Uint8Array }): string {
  return `${scope.kind}:${toHex(scope.id)}`;
}
