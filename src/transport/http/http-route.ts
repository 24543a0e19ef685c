/**
 * The HTTP paths of a worker mounted at a prefix (vgi-wire §2.3): `{prefix}/health`,
 * `{prefix}/{protocol}/{method}` for unary calls, and `{prefix}/{protocol}/{method}/init`
 * and `…/exchange` for streams. Wire generation A has no protocol segment
 * (vgi-wire-gen-a §1.2): `{prefix}/{method}`, `{prefix}/init/init`, `{prefix}/init/exchange`.
 * No method is named like a protocol, so the two never collide. Anything else is not ours
 * (404, plain text).
 */

/** What a stream path asks for: open a stream, or continue (or cancel) one. */
type StreamAction = 'init' | 'exchange';

/** A path this worker serves. */
export type HttpRoute =
  | { readonly kind: 'health' }
  /** `{prefix}/metrics` (Prometheus text) and `{prefix}/healthz` (storage reachable). */
  | { readonly kind: 'metrics' }
  | { readonly kind: 'healthz' }
  /** `protocol` is `null` on a generation-A path: the request's protocol_version decides. */
  | {
      readonly kind: 'rpc';
      readonly protocol: string | null;
      readonly method: string;
      readonly action: 'call' | StreamAction;
    };

/** One path segment of a protocol or method name: no empty segments, no percent-encoding games. */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * Resolves a request target (path and optional query) against the mount prefix.
 * Repeated slashes collapse, as ordinary servers do: a client joining a base URL that
 * ends in `/` with `/vgi.v2/bind` must still reach `bind`.
 */
export function parseRoute(target: string, prefix: string): HttpRoute | null {
  const path = target.split('?', 1)[0].replace(/\/{2,}/g, '/');
  if (prefix !== '' && path !== prefix && !path.startsWith(`${prefix}/`)) return null;
  const segments = path
    .slice(prefix.length)
    .split('/')
    .filter((s) => s !== '');
  if (segments.length === 1 && segments[0] === 'health') return { kind: 'health' };
  if (segments.length === 1 && (segments[0] === 'metrics' || segments[0] === 'healthz')) return { kind: segments[0] };
  if (segments.length < 1 || segments.length > 3 || !segments.every((s) => SEGMENT.test(s))) return null;
  // Method names have no dots, protocol names do: `{prefix}/vgi.v2` alone is no call.
  if (segments.length === 1)
    return segments[0].includes('.') ? null : { kind: 'rpc', protocol: null, method: segments[0], action: 'call' };
  if (segments.length === 2 && segments[0] === 'init' && (segments[1] === 'init' || segments[1] === 'exchange')) {
    return { kind: 'rpc', protocol: null, method: 'init', action: segments[1] };
  }
  const [protocol, method, action] = segments;
  if (action === undefined) return { kind: 'rpc', protocol, method, action: 'call' };
  if (action === 'init' || action === 'exchange') return { kind: 'rpc', protocol, method, action };
  return null;
}
