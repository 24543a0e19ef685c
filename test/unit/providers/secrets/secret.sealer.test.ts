import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretSealer, defaultSecretKeyPath, parseSecretKey } from '../../../../src/providers/secrets/secret.sealer';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (s: string) => new TextEncoder().encode(s);

describe('SecretSealer', () => {
  const key = new Uint8Array(randomBytes(32));
  const sealer = new SecretSealer(key);

  it('should open what it sealed, with and without associated data', () => {
    expect(text(sealer.open(sealer.seal(bytes('s3cret'))))).toBe('s3cret');
    const aad = bytes('execution-1');
    expect(text(sealer.open(sealer.seal(bytes('s3cret'), aad), aad))).toBe('s3cret');
    expect(sealer.open(sealer.seal(new Uint8Array(0)))).toHaveLength(0);
  });

  it('should never produce the same envelope twice and never contain the plaintext', () => {
    const plaintext = bytes('the same secret value');
    const a = sealer.seal(plaintext);
    const b = sealer.seal(plaintext);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(Buffer.from(a).includes(Buffer.from(plaintext))).toBe(false);
  });

  it('should write a versioned envelope: version byte, key id, 12-byte nonce, ciphertext, 16-byte tag', () => {
    const sealed = sealer.seal(bytes('abc'));
    expect(sealed[0]).toBe(1);
    expect(Buffer.from(sealed.subarray(1, 5)).toString('hex')).toBe(sealer.keyId);
    expect(sealed.length).toBe(1 + 4 + 12 + 3 + 16);
  });

  it('should reject any single flipped bit, wherever it is', () => {
    const sealed = sealer.seal(bytes('do not touch'), bytes('ctx'));
    // Skip the key id bytes (1..4): flipping those reports a wrong key, tested below.
    for (const index of [0, 5, 10, 16, 17, 20, sealed.length - 16, sealed.length - 1]) {
      const tampered = new Uint8Array(sealed);
      tampered[index] ^= 0x01;
      expect(() => sealer.open(tampered, bytes('ctx'))).toThrow(/SILO336/);
    }
  });

  it('should reject different associated data, missing associated data, and a truncated envelope', () => {
    const sealed = sealer.seal(bytes('x'), bytes('execution-1'));
    expect(() => sealer.open(sealed, bytes('execution-2'))).toThrow(/failed authentication.*associated data/);
    expect(() => sealer.open(sealed)).toThrow(/failed authentication/);
    expect(() => sealer.open(sealed.subarray(0, 20), bytes('execution-1'))).toThrow(/shorter than the 33-byte minimum/);
  });

  it('should reject data sealed under another key and say that the workers must share one key', () => {
    const other = new SecretSealer(new Uint8Array(randomBytes(32)));
    const sealed = other.seal(bytes('x'));
    expect(() => sealer.open(sealed)).toThrow(
      /\[SILO337\] Sealed data was sealed with key [0-9a-f]{8}, but this worker's key .* is [0-9a-f]{8}\. Every worker must share one key/,
    );
  });

  it('should reject an unknown envelope version', () => {
    const sealed = sealer.seal(bytes('x'));
    sealed[0] = 9;
    expect(() => sealer.open(sealed)).toThrow(/envelope version 9; this vgi-silo reads version 1/);
  });

  it('should refuse a key that is not 32 bytes', () => {
    expect(() => new SecretSealer(new Uint8Array(16))).toThrow(/needs a 32-byte key \(got 16 bytes/);
  });
});

describe('parseSecretKey', () => {
  const raw = randomBytes(32);

  it('should accept hex, base64 and URL-safe base64', () => {
    expect(Buffer.from(parseSecretKey(raw.toString('hex'))).equals(raw)).toBe(true);
    expect(Buffer.from(parseSecretKey(raw.toString('base64'))).equals(raw)).toBe(true);
    expect(Buffer.from(parseSecretKey(`  ${raw.toString('base64url')}\n`)).equals(raw)).toBe(true);
  });

  it('should refuse keys of the wrong size or encoding, showing how to generate one', () => {
    expect(() => parseSecretKey(randomBytes(16).toString('base64'))).toThrow(
      /exactly 32 bytes.*got 16 bytes.*randomBytes\(32\)/,
    );
    expect(() => parseSecretKey('not a key!')).toThrow(/got neither base64 nor hex/);
  });
});

describe('SecretSealer.fromEnvironment', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'silo-sealer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should take the key from SILO_SECRET_KEY before any key file', () => {
    const raw = randomBytes(32);
    const fromEnv = SecretSealer.fromEnvironment({
      env: { SILO_SECRET_KEY: raw.toString('base64'), XDG_STATE_HOME: dir },
    });
    expect(fromEnv.keyId).toBe(new SecretSealer(raw).keyId);
    expect(fromEnv.source).toBe('SILO_SECRET_KEY');
  });

  it('should read a raw or text key file from SILO_SECRET_KEY_FILE or the keyFile option', () => {
    const raw = randomBytes(32);
    writeFileSync(join(dir, 'raw.key'), raw);
    writeFileSync(join(dir, 'text.key'), `${raw.toString('hex')}\n`);
    const expected = new SecretSealer(raw).keyId;
    expect(SecretSealer.fromEnvironment({ env: { SILO_SECRET_KEY_FILE: join(dir, 'raw.key') } }).keyId).toBe(expected);
    expect(SecretSealer.fromEnvironment({ keyFile: join(dir, 'text.key'), env: {} }).keyId).toBe(expected);
  });

  it('should generate the host key once, mode 0600, and reuse it', () => {
    const env = { XDG_STATE_HOME: dir };
    const first = SecretSealer.fromEnvironment({ env });
    const path = defaultSecretKeyPath(env);
    expect(path).toBe(join(dir, 'silo', 'secret.key'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(parseSecretKey(readFileSync(path, 'utf8'))).toHaveLength(32);
    const second = SecretSealer.fromEnvironment({ env });
    expect(second.keyId).toBe(first.keyId);
    expect(text(second.open(first.seal(bytes('shared'))))).toBe('shared');
  });

  it('should refuse a host key file that other users can read', () => {
    const env = { XDG_STATE_HOME: dir };
    SecretSealer.fromEnvironment({ env });
    chmodSync(defaultSecretKeyPath(env), 0o644);
    expect(() => SecretSealer.fromEnvironment({ env })).toThrow(/\[SILO334\].*mode 0644.*chmod 600/);
  });
});
