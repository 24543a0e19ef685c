import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpSettingsFromEnv } from '../../../../src/transport/http/http-settings';
import { leaseTtlFromEnv } from '../../../../src/worker/bootstrap-worker';

describe('httpSettingsFromEnv', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'silo-http-settings-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should default to a random per-process key, a one-hour TTL, no authentication and 64 MiB bodies', () => {
    const a = httpSettingsFromEnv({});
    const b = httpSettingsFromEnv({});
    expect([a.ephemeralKey, a.signingKeySource, a.streamTtlMs, a.authTokens, a.maxRequestBytes]).toEqual([
      true,
      'a random key of this process',
      3_600_000,
      [],
      64 * 1024 * 1024,
    ]);
    expect(Buffer.from(a.signingKey).equals(Buffer.from(b.signingKey))).toBe(false);
  });

  it('should read the fleet key as base64 or hex, inline or from a file (raw bytes or text)', () => {
    const key = randomBytes(32);
    const raw = join(dir, 'raw.key');
    const text = join(dir, 'text.key');
    writeFileSync(raw, key);
    writeFileSync(text, `${key.toString('hex')}\n`);
    for (const env of [
      { SILO_SIGNING_KEY: key.toString('base64') },
      { SILO_SIGNING_KEY: key.toString('hex') },
      { SILO_SIGNING_KEY_FILE: raw },
      { SILO_SIGNING_KEY_FILE: text },
    ]) {
      const settings = httpSettingsFromEnv(env);
      expect([Buffer.from(settings.signingKey).equals(key), settings.ephemeralKey]).toEqual([true, false]);
    }
    expect(httpSettingsFromEnv({ SILO_SIGNING_KEY_FILE: raw }).signingKeySource).toBe(raw);
  });

  it('should read the TTL (fractions allowed), the bearer tokens and the body limit', () => {
    const settings = httpSettingsFromEnv({
      SILO_STREAM_TTL_SECONDS: '0.5',
      SILO_AUTH_TOKENS: ' one, two ',
      SILO_MAX_REQUEST_BYTES: '4096',
    });
    expect([settings.streamTtlMs, settings.authTokens, settings.maxRequestBytes]).toEqual([500, ['one', 'two'], 4096]);
  });

  it.each([
    [{ SILO_SIGNING_KEY: 'c2hvcnQ=' }, /\[SILO333\] SILO_SIGNING_KEY must hold exactly 32 bytes/],
    [
      { SILO_SIGNING_KEY_FILE: '/nonexistent/silo.key' },
      /\[SILO340\] SILO_SIGNING_KEY_FILE names "\/nonexistent\/silo.key", which cannot be read/,
    ],
    [{ SILO_STREAM_TTL_SECONDS: '0' }, /SILO_STREAM_TTL_SECONDS must be a positive number of seconds, got "0"/],
    [{ SILO_STREAM_TTL_SECONDS: 'an hour' }, /got "an hour"/],
    [{ SILO_MAX_REQUEST_BYTES: '1.5' }, /SILO_MAX_REQUEST_BYTES must be a positive whole number of bytes, got "1.5"/],
    [{ SILO_AUTH_TOKENS: 'a,,b' }, /SILO_AUTH_TOKENS holds an empty token/],
    [{ SILO_AUTH_TOKENS: 'a b' }, /SILO_AUTH_TOKENS holds a token with whitespace inside/],
  ])('should refuse %j saying what to fix', (env, message) => {
    expect(() => httpSettingsFromEnv(env)).toThrow(message);
  });
});

describe('leaseTtlFromEnv (SILO_LEASE_TTL_MS)', () => {
  it('should read a positive whole number of milliseconds, or leave the default', () => {
    expect(leaseTtlFromEnv({ SILO_LEASE_TTL_MS: '1500' })).toBe(1500);
    expect(leaseTtlFromEnv({})).toBeUndefined();
    expect(() => leaseTtlFromEnv({ SILO_LEASE_TTL_MS: '-5' })).toThrow(
      /\[SILO338\] SILO_LEASE_TTL_MS must be a positive whole number of milliseconds, got "-5"/,
    );
  });
});
