import { channelLimitsFromEnv } from '../../../src/transport';

describe('channelLimitsFromEnv', () => {
  it('should default to 64 MiB per request and a 60 s read timeout', () => {
    expect(channelLimitsFromEnv({})).toEqual({ maxRequestBytes: 64 * 1024 * 1024, readTimeoutMs: 60_000 });
  });

  it('should read SILO_MAX_REQUEST_BYTES (shared with HTTP) and SILO_READ_TIMEOUT_MS', () => {
    expect(channelLimitsFromEnv({ SILO_MAX_REQUEST_BYTES: '4096', SILO_READ_TIMEOUT_MS: ' 2500 ' })).toEqual({
      maxRequestBytes: 4096,
      readTimeoutMs: 2500,
    });
  });

  it.each([
    [
      { SILO_READ_TIMEOUT_MS: '0' },
      '[SILO340] SILO_READ_TIMEOUT_MS must be a positive whole number of milliseconds, got "0". Unset it for the default (60000).',
    ],
    [
      { SILO_READ_TIMEOUT_MS: '1.5' },
      'SILO_READ_TIMEOUT_MS must be a positive whole number of milliseconds, got "1.5"',
    ],
    [
      { SILO_MAX_REQUEST_BYTES: 'lots' },
      '[SILO340] SILO_MAX_REQUEST_BYTES must be a positive whole number of bytes, got "lots". Unset it for the default (67108864).',
    ],
  ])('should refuse %j saying what to fix', (env, message) => {
    expect(() => channelLimitsFromEnv(env)).toThrow(message);
  });
});
