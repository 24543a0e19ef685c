import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Sealer } from './sealer';

const VERSION = 1;
const NONCE = 12;
const TAG = 16;

/**
 * AES-256-GCM sealing under a fixed 32-byte key. Envelope: version byte, 12-byte
 * random nonce, ciphertext, 16-byte tag.
 *
 * @example
 * ```ts
 * const sealer = new AeadSealer(key32);
 * const back = sealer.open(sealer.seal(bytes, aad), aad);
 * ```
 */
export class AeadSealer implements Sealer {
  constructor(private readonly key: Uint8Array) {
    if (key.length !== 32) throw new RangeError(`AeadSealer needs a 32-byte key, got ${key.length} bytes.`);
  }

  seal(plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    if (aad) cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return new Uint8Array(Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]));
  }

  open(sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    if (sealed.length < 1 + NONCE + TAG || sealed[0] !== VERSION) {
      throw new Error('Sealed value is malformed or of an unknown version; it was not written by this framework.');
    }
    const nonce = sealed.subarray(1, 1 + NONCE);
    const tag = sealed.subarray(sealed.length - TAG);
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    try {
      return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(1 + NONCE, sealed.length - TAG)), decipher.final()]));
    } catch {
      throw new Error('Sealed value failed authentication: it was tampered with, or sealed under another key or for another execution. Every worker of a host must share one key (SILO_SECRET_KEY or the key file).');
    }
  }
}
