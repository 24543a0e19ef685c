/**
 * Sealed HTTP continuation tokens (vgi-wire §6): AES-256-GCM from `node:crypto` under a
 * key every worker of the fleet shares, so a continuation can land on any process; the
 * creation time and expiry travel inside the ciphertext, and the associated data binds
 * each token to its kind, the protocol and the caller, so none can be replayed elsewhere.
 *
 * Envelope, then standard base64 with padding:
 * `[version 0x01][key id: 4 bytes][nonce: 12 random bytes][ciphertext][tag: 16 bytes]`.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { WireProtocolError } from '../../protocol';
import { SiloError, messages } from '../../errors';
import { fromTaggedJson, toTaggedJson } from '../../common/tagged-json';

const VERSION = 0x01;
const KEY_ID_BYTES = 4;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
const MIN_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The two tokens of an HTTP stream (`vgi_rpc.stream_state#b64`, `vgi_rpc.call_state#b64`). */
export type TokenKind = 'state' | 'call';

/** What a token is bound to: it opens only for the same protocol and caller. */
export interface TokenBinding {
  /** The protocol segment of the path, e.g. `vgi.v2`. */
  readonly protocol: string;
  /** The authenticated caller (`''` when the worker does not authenticate). */
  readonly principal: string;
}

/**
 * A continuation or call token that cannot be used: malformed, tampered with, sealed with
 * another key, minted for another caller, or expired. Answered with HTTP 400.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof InvalidStreamTokenError) reply(400, e); }
 * ```
 */
export class InvalidStreamTokenError extends WireProtocolError {
  constructor(kind: TokenKind, problem: string) {
    super('SILO430', 'ProtocolError', `Invalid ${kind} token: ${problem}`);
  }
}

/** Options of {@link StreamTokenSealer}. */
export interface StreamTokenSealerOptions {
  /** Where the key came from, named when a token was sealed with another key. */
  readonly source: string;
  /** How long a state token stays valid after it was minted. */
  readonly ttlMs: number;
  /** The clock (epoch ms); tests move it. */
  readonly now?: () => number;
}

interface Sealed {
  /** Minted at (epoch ms). */
  readonly iat: number;
  readonly body: unknown;
}

/**
 * Seals and opens continuation tokens.
 *
 * @example
 * ```ts
 * const sealer = new StreamTokenSealer(key, { source: 'SILO_SIGNING_KEY', ttlMs: 3_600_000 });
 * const token = sealer.seal('state', { cursor: 3 }, { protocol: 'vgi.v2', principal: '' });
 * sealer.open('state', token, { protocol: 'vgi.v2', principal: '' }); // { cursor: 3 }
 * ```
 */
export class StreamTokenSealer {
  /** Hex id of the key (not secret): two workers with different ids cannot continue each other's streams. */
  readonly keyId: string;
  private readonly key: KeyObject;
  private readonly keyIdBytes: Buffer;
  private readonly now: () => number;

  constructor(
    key: Uint8Array,
    private readonly options: StreamTokenSealerOptions,
  ) {
    if (key.length !== 32) throw new SiloError('SILO340', messages.streamTokenKeyLength(key.length, options.source));
    this.key = createSecretKey(Buffer.from(key));
    this.keyIdBytes = createHash('sha256')
      .update('silo-stream-token-key-id\0')
      .update(key)
      .digest()
      .subarray(0, KEY_ID_BYTES);
    this.keyId = this.keyIdBytes.toString('hex');
    this.now = options.now ?? Date.now;
  }

  /** Seals `body` (any value tagged JSON keeps: bigint, bytes, nested objects) as a `kind` token. */
  seal(kind: TokenKind, body: unknown, binding: TokenBinding): string {
    const header = Buffer.concat([Buffer.of(VERSION), this.keyIdBytes]);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(header, kind, binding));
    const sealed: Sealed = { iat: this.now(), body };
    const ciphertext = Buffer.concat([cipher.update(toTaggedJson(sealed)), cipher.final()]);
    return Buffer.concat([header, nonce, ciphertext, cipher.getAuthTag()]).toString('base64');
  }

  /**
   * Opens a `kind` token, or throws {@link InvalidStreamTokenError} saying why not. State
   * tokens expire `ttlMs` after they were minted; call tokens live as long as their stream.
   */
  open(kind: TokenKind, token: string, binding: TokenBinding): unknown {
    const data = BASE64.test(token) ? Buffer.from(token, 'base64') : null;
    if (data === null || data.length < MIN_BYTES) {
      throw new InvalidStreamTokenError(
        kind,
        `it is not a token this worker minted (${data === null ? 'not base64' : `${data.length} bytes, shorter than any token`}). Echo the token of the previous response unchanged.`,
      );
    }
    if (data[0] !== VERSION) {
      throw new InvalidStreamTokenError(
        kind,
        `it has format version ${data[0]}, this vgi-silo reads version ${VERSION}. Run one vgi-silo release across the fleet.`,
      );
    }
    const header = data.subarray(0, HEADER_BYTES);
    const keyId = data.subarray(1, HEADER_BYTES).toString('hex');
    if (keyId !== this.keyId) {
      throw new InvalidStreamTokenError(
        kind,
        `it was sealed with key ${keyId}, but this worker's key (from ${this.options.source}) is ${this.keyId}. Every worker behind one URL must share one key: set SILO_SIGNING_KEY (or SILO_SIGNING_KEY_FILE) identically on all of them.`,
      );
    }
    const decipher = createDecipheriv(
      'aes-256-gcm',
      this.key,
      data.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES),
      { authTagLength: TAG_BYTES },
    );
    decipher.setAAD(associatedData(header, kind, binding));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(HEADER_BYTES + NONCE_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new InvalidStreamTokenError(
        kind,
        'it failed authentication: it was modified, or it was minted for another caller, protocol or kind of token. Echo the token of the previous response unchanged, with the same credentials.',
      );
    }
    const sealed = fromTaggedJson(plain) as Sealed;
    if (kind === 'state') {
      const age = this.now() - sealed.iat;
      if (age > this.options.ttlMs) {
        throw new InvalidStreamTokenError(
          kind,
          `it expired ${((age - this.options.ttlMs) / 1000).toFixed(1)} s ago: continuations are valid for ${this.options.ttlMs / 1000} s after the previous response (SILO_STREAM_TTL_SECONDS). Raise SILO_STREAM_TTL_SECONDS if the client pauses that long between batches.`,
        );
      }
    }
    return sealed.body;
  }
}

/** The header, the token kind, the protocol and the caller, all authenticated with the ciphertext. */
function associatedData(header: Buffer, kind: TokenKind, binding: TokenBinding): Buffer {
  return Buffer.concat([
    header,
    Buffer.from(`silo-http-token\0${kind}\0${binding.protocol}\0${binding.principal}`, 'utf8'),
  ]);
}
