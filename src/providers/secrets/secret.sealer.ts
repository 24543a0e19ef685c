import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { concatBytes } from '../../common/bytes';
import { SiloError, messages } from '../../errors';

/** Envelope version written by this build. */
const VERSION = 0x01;
const KEY_BYTES = 32;
const KEY_ID_BYTES = 4;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
const MIN_SEALED_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;

const GENERATE_HINT = `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

/**
 * Options of {@link SecretSealer.fromEnvironment}.
 */
export interface SecretSealerOptions {
  /** The 32-byte key itself. Wins over everything else. */
  readonly key?: Uint8Array;
  /** A file holding the key (32 raw bytes, or base64/hex text). Wins over the environment. */
  readonly keyFile?: string;
  /** Environment to read `SILO_SECRET_KEY`, `SILO_SECRET_KEY_FILE`, `XDG_STATE_HOME`, `HOME` from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Parses a 32-byte key written as hex (64 characters) or base64 (standard or URL-safe).
 */
export function parseSecretKey(text: string, source = 'SILO_SECRET_KEY'): Uint8Array {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  if (!key || key.length !== KEY_BYTES) {
    throw new SiloError(
      'SILO333',
      messages.secretKeyMalformed(
        source,
        KEY_BYTES,
        key ? `${key.length} bytes` : 'neither base64 nor hex',
        GENERATE_HINT,
      ),
    );
  }
  return new Uint8Array(key);
}

/**
 * Where the host-wide generated key lives: `$XDG_STATE_HOME/silo/secret.key`, else
 * `~/.local/state/silo/secret.key`.
 */
export function defaultSecretKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  const stateHome =
    env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME)
      ? env.XDG_STATE_HOME
      : join(env.HOME || homedir(), '.local', 'state');
  return join(stateHome, 'silo', 'secret.key');
}

function readKeyFile(path: string): Uint8Array {
  const content = readFileSync(path);
  // Exactly 32 bytes is a raw key; text keys are 44 (base64) or 64 (hex) characters.
  if (content.length === KEY_BYTES) return new Uint8Array(content);
  return parseSecretKey(content.toString('utf8'), `Secret key file "${path}"`);
}

function refuseLooseMode(path: string): void {
  if (process.platform === 'win32') return;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new SiloError('SILO334', messages.secretKeyFileOpen(path, mode.toString(8).padStart(4, '0')));
  }
}

/**
 * Reads the host-wide key at `path`, creating it first when missing. Creation is safe
 * when many worker processes start at once: each writes a private temporary file and
 * hard-links it into place, which fails if the key already exists; every process then
 * reads whichever key won, so all of them share one key.
 */
function loadOrCreateSecretKey(path: string): Uint8Array {
  try {
    refuseLooseMode(path);
    return readKeyFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${randomBytes(KEY_BYTES).toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    // EEXIST: another process created the key first; we use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new SiloError('SILO335', messages.secretKeyFileNotCreated(path, (error as Error).message), {
        cause: error,
      });
    }
  } finally {
    unlinkSync(temporary);
  }
  refuseLooseMode(path);
  return readKeyFile(path);
}

/**
 * Authenticated encryption (AES-256-GCM, `node:crypto`) for secrets that must be
 * persisted or handed to another worker. A sealed value is a versioned envelope:
 *
 * `[version 0x01][key id: 4 bytes][nonce: 12 random bytes][ciphertext][tag: 16 bytes]`
 *
 * The key id (a SHA-256 prefix of the key) lets `open` tell "sealed with another key"
 * apart from "tampered with"; the header and the optional associated data are
 * authenticated along with the ciphertext.
 *
 * @example
 * ```ts
 * const sealer = SecretSealer.fromEnvironment();
 * const sealed = sealer.seal(toBytes(JSON.stringify(secret)), executionId);
 * const plain = sealer.open(sealed, executionId);
 * ```
 */
export class SecretSealer {
  /** Hex id of the key in use (not secret): compare it across workers when `open` fails. */
  readonly keyId: string;
  private readonly key: KeyObject;
  private readonly keyIdBytes: Buffer;

  /**
   * @param key The 32-byte key.
   * @param source Where the key came from, for diagnostics.
   */
  constructor(
    key: Uint8Array,
    readonly source = 'the constructor',
  ) {
    if (key.length !== KEY_BYTES) {
      throw new SiloError('SILO333', messages.secretKeyWrongLength(KEY_BYTES, key.length, source, GENERATE_HINT));
    }
    this.key = createSecretKey(Buffer.from(key));
    this.keyIdBytes = createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES);
    this.keyId = this.keyIdBytes.toString('hex');
  }

  /**
   * A sealer with the key from, in order: `options.key`, `options.keyFile`,
   * `SILO_SECRET_KEY` (base64 or hex), `SILO_SECRET_KEY_FILE`, else the host-wide key file
   * (`$XDG_STATE_HOME/silo/secret.key`), generated with mode 0600 on first use so every
   * worker process on the host shares it.
   *
   * @example
   * ```ts
   * const sealer = SecretSealer.fromEnvironment({ env: { SILO_SECRET_KEY: process.env.KEY } });
   * ```
   */
  static fromEnvironment(options: SecretSealerOptions = {}): SecretSealer {
    const env = options.env ?? process.env;
    if (options.key) return new SecretSealer(options.key, 'the "key" option');
    if (options.keyFile) return new SecretSealer(readKeyFile(options.keyFile), options.keyFile);
    if (env.SILO_SECRET_KEY) return new SecretSealer(parseSecretKey(env.SILO_SECRET_KEY), 'SILO_SECRET_KEY');
    if (env.SILO_SECRET_KEY_FILE)
      return new SecretSealer(readKeyFile(env.SILO_SECRET_KEY_FILE), env.SILO_SECRET_KEY_FILE);
    const path = defaultSecretKeyPath(env);
    return new SecretSealer(loadOrCreateSecretKey(path), path);
  }

  /**
   * Encrypts and authenticates `plaintext`. `aad` (associated data) is authenticated but
   * not stored: `open` must be given the same bytes, which binds a sealed value to its
   * context (an execution id, a secret's name).
   */
  seal(plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    const header = Buffer.concat([Buffer.of(VERSION), this.keyIdBytes]);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad ? Buffer.concat([header, aad]) : header);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return concatBytes(header, nonce, body, cipher.getAuthTag());
  }

  /** Decrypts a value from {@link seal}; throws if it was altered, truncated, sealed with another key or with other `aad`. */
  open(sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
    const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (data.length < MIN_SEALED_BYTES) {
      throw new SiloError('SILO336', messages.sealedDataTooShort(data.length, MIN_SEALED_BYTES));
    }
    if (data[0] !== VERSION) {
      throw new SiloError('SILO336', messages.sealedDataVersion(data[0], VERSION));
    }
    const header = data.subarray(0, HEADER_BYTES);
    const keyId = data.subarray(1, HEADER_BYTES).toString('hex');
    if (keyId !== this.keyId) {
      throw new SiloError('SILO337', messages.sealedDataOtherKey(keyId, this.source, this.keyId));
    }
    const nonce = data.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const body = data.subarray(HEADER_BYTES + NONCE_BYTES, data.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad ? Buffer.concat([header, aad]) : header);
    decipher.setAuthTag(tag);
    try {
      return concatBytes(decipher.update(body), decipher.final());
    } catch (cause) {
      throw new SiloError('SILO336', messages.sealedDataNotAuthentic(), { cause });
    }
  }
}
