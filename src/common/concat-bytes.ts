/**
 * Concatenates byte arrays into a new array (never aliasing the inputs). Shared by the
 * arrow layer and the storage layer, which sit side by side and import nothing of each other.
 */
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
