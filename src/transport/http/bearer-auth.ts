/**
 * Optional bearer-token authentication of HTTP workers (`SILO_AUTH_TOKENS`). Tokens are
 * compared as SHA-256 digests with `crypto.timingSafeEqual`, against every configured
 * token without stopping at the first match, so the response time says nothing about
 * how much of a guess was right, nor which token matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Who a request comes from, or why it was refused. */
export type AuthOutcome =
  | { readonly ok: true; readonly principal: string }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'invalid' };

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Checks `Authorization: Bearer <token>` headers.
 *
 * @example
 * ```ts
 * const auth = new BearerAuthenticator(['s3cret']);
 * auth.authenticate('Bearer s3cret');  // { ok: true, principal: '5f1c…' }
 * auth.authenticate(undefined);        // { ok: false, reason: 'missing' }
 * ```
 */
export class BearerAuthenticator {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  /** False when no token is configured: every request is let in as the anonymous caller. */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /**
   * The caller of a request with this `Authorization` header. The principal is a digest
   * of the token, never the token: it binds stream tokens to their caller and may be logged.
   */
  authenticate(header: string | undefined): AuthOutcome {
    if (!this.enabled) return { ok: true, principal: '' };
    if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (match === null) return { ok: false, reason: 'malformed' };
    const offered = digest(match[1]);
    let matched = false;
    for (const known of this.digests) matched = timingSafeEqual(offered, known) || matched;
    if (!matched) return { ok: false, reason: 'invalid' };
    return {
      ok: true,
      principal: createHash('sha256').update('silo-principal\0').update(offered).digest('hex').slice(0, 16),
    };
  }
}
