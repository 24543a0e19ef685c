/**
 * What an HTTP worker reads from its environment (vgi-wire §2.3, §6): the fleet-shared key
 * that seals stream continuations, their time to live, the accepted bearer tokens and the
 * request size limit. Read once at start-up, so a typo stops the worker before it serves.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SiloError } from '../../errors';
import { parseSecretKey } from '../../providers/secrets/secret.sealer';
import { DEFAULT_MAX_REQUEST_BYTES, readPositiveNumber } from '../channel-limits';

/** Continuations expire one hour after they were minted unless `SILO_STREAM_TTL_SECONDS` says otherwise (the reference default). */
const DEFAULT_STREAM_TTL_SECONDS = 3600;

/** Request bodies above this many bytes (after gzip decoding too) are refused with 413, unless `SILO_MAX_REQUEST_BYTES` says otherwise (the limit of every transport). */
export { DEFAULT_MAX_REQUEST_BYTES };

/** The settings of one HTTP worker. */
export interface HttpSettings {
  /** The 32-byte AES-256-GCM key sealing stream and call tokens. */
  readonly signingKey: Uint8Array;
  /** Where the key came from (`SILO_SIGNING_KEY`, a file path, or a random per-process key). */
  readonly signingKeySource: string;
  /** True when no key was configured: continuations then only work on this process. */
  readonly ephemeralKey: boolean;
  /** How long a stream continuation token stays valid after it was minted. */
  readonly streamTtlMs: number;
  /** Accepted bearer tokens; empty = no authentication. */
  readonly authTokens: readonly string[];
  /** The largest accepted request body, before and after decoding. */
  readonly maxRequestBytes: number;
  /** `/metrics` and `/healthz` answer without a bearer token (`SILO_OBSERVABILITY_OPEN=1`). Default false: the RPC routes' rules. */
  readonly observabilityOpen?: boolean;
}

function environmentError(message: string): SiloError {
  return new SiloError('SILO340', message);
}

function readSigningKey(
  env: NodeJS.ProcessEnv,
): Pick<HttpSettings, 'signingKey' | 'signingKeySource' | 'ephemeralKey'> {
  const inline = env.SILO_SIGNING_KEY?.trim();
  if (inline)
    return {
      signingKey: parseSecretKey(inline, 'SILO_SIGNING_KEY'),
      signingKeySource: 'SILO_SIGNING_KEY',
      ephemeralKey: false,
    };
  const file = env.SILO_SIGNING_KEY_FILE?.trim();
  if (file) {
    let content: Buffer;
    try {
      content = readFileSync(file);
    } catch (cause) {
      throw new SiloError(
        'SILO340',
        `SILO_SIGNING_KEY_FILE names "${file}", which cannot be read: ${(cause as Error).message}. Point it at a file holding a 32-byte key (base64 or hex).`,
        { cause },
      );
    }
    // 32 bytes exactly is a raw key; anything else must be base64 or hex text.
    const key =
      content.length === 32
        ? new Uint8Array(content)
        : parseSecretKey(content.toString('utf8'), `SILO_SIGNING_KEY_FILE "${file}"`);
    return { signingKey: key, signingKeySource: file, ephemeralKey: false };
  }
  return {
    signingKey: new Uint8Array(randomBytes(32)),
    signingKeySource: 'a random key of this process',
    ephemeralKey: true,
  };
}

function readAuthTokens(env: NodeJS.ProcessEnv): string[] {
  const raw = env.SILO_AUTH_TOKENS;
  if (raw === undefined || raw.trim() === '') return [];
  const tokens = raw.split(',').map((t) => t.trim());
  if (tokens.some((t) => t === '')) {
    throw environmentError(
      'SILO_AUTH_TOKENS holds an empty token (two commas in a row, or a trailing comma). List the accepted bearer tokens separated by single commas.',
    );
  }
  if (tokens.some((t) => /\s/.test(t))) {
    throw environmentError(
      'SILO_AUTH_TOKENS holds a token with whitespace inside; a bearer token is one word. Separate tokens with commas.',
    );
  }
  return tokens;
}

/**
 * Reads the HTTP settings: `SILO_SIGNING_KEY` (base64 or hex, 32 bytes) or
 * `SILO_SIGNING_KEY_FILE`, else a random per-process key; `SILO_STREAM_TTL_SECONDS`
 * (default 3600, fractions allowed); `SILO_AUTH_TOKENS` (comma-separated bearer tokens);
 * `SILO_MAX_REQUEST_BYTES` (default 64 MiB).
 *
 * @example
 * ```ts
 * const settings = httpSettingsFromEnv({ SILO_SIGNING_KEY: process.env.FLEET_KEY, SILO_AUTH_TOKENS: 'a1,b2' });
 * settings.authTokens; // ['a1', 'b2']
 * ```
 */
export function httpSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): HttpSettings {
  return {
    ...readSigningKey(env),
    streamTtlMs:
      readPositiveNumber(env, 'SILO_STREAM_TTL_SECONDS', DEFAULT_STREAM_TTL_SECONDS, 'seconds', false) * 1000,
    authTokens: readAuthTokens(env),
    maxRequestBytes: readPositiveNumber(env, 'SILO_MAX_REQUEST_BYTES', DEFAULT_MAX_REQUEST_BYTES, 'bytes', true),
    observabilityOpen: ['1', 'true', 'on', 'yes'].includes(env.SILO_OBSERVABILITY_OPEN?.trim().toLowerCase() ?? ''),
  };
}
