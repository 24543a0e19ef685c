/**
 * Seals bytes with authenticated encryption, so secrets can cross processes through
 * shared storage without being readable there. `aad` binds a sealed value to its
 * context (an execution id): a value copied to another context does not open.
 *
 * @example
 * ```ts
 * const sealed = sealer.seal(plaintext, executionId);
 * const back = sealer.open(sealed, executionId);
 * ```
 */
export interface Sealer {
  seal(plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  open(sealed: Uint8Array, aad?: Uint8Array): Uint8Array;
}
