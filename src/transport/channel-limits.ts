/**
 * What a worker buffers for one request, on every transport: the request size limit
 * (`SILO_MAX_REQUEST_BYTES`, shared with HTTP bodies) and, on byte channels (stdio, unix
 * sockets), how long a request may take to arrive once it has started
 * (`SILO_READ_TIMEOUT_MS`). Read once at start-up, so a typo stops the worker before it serves.
 */
import { SiloError } from '../errors';

/** Requests above this many bytes are refused, unless `SILO_MAX_REQUEST_BYTES` says otherwise. */
export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024;

/** A request that started arriving must be complete within this, unless `SILO_READ_TIMEOUT_MS` says otherwise. */
export const DEFAULT_READ_TIMEOUT_MS = 60_000;

/** The per-request limits of a byte channel. */
export interface ChannelLimits {
  /** The most bytes buffered for one request (a whole request stream, or one message of an input stream). */
  readonly maxRequestBytes: number;
  /** How long a started message, or request stream, may take to arrive; never applies between requests. */
  readonly readTimeoutMs: number;
}

/**
 * Reads an optional positive number from the environment; `fallback` when unset.
 */
export function readPositiveNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  unit: string,
  integer: boolean,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new SiloError(
      'SILO340',
      `${name} must be a positive ${integer ? 'whole ' : ''}number of ${unit}, got "${raw}". Unset it for the default (${fallback}).`,
    );
  }
  return value;
}

/**
 * Reads `SILO_MAX_REQUEST_BYTES` (default 64 MiB) and `SILO_READ_TIMEOUT_MS` (default 60 s).
 *
 * @example
 * ```ts
 * const handler = new RequestHandler(worker, { limits: channelLimitsFromEnv(process.env) });
 * ```
 */
export function channelLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): ChannelLimits {
  return {
    maxRequestBytes: readPositiveNumber(env, 'SILO_MAX_REQUEST_BYTES', DEFAULT_MAX_REQUEST_BYTES, 'bytes', true),
    readTimeoutMs: readPositiveNumber(env, 'SILO_READ_TIMEOUT_MS', DEFAULT_READ_TIMEOUT_MS, 'milliseconds', true),
  };
}
