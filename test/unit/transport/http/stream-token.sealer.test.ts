import { randomBytes } from 'node:crypto';
import {
  InvalidStreamTokenError,
  StreamTokenSealer,
  type TokenBinding,
} from '../../../../src/transport/http/stream-token.sealer';
import { type FinalizeContinuation, StreamTokens } from '../../../../src/transport/http/stream-tokens';

const binding: TokenBinding = { protocol: 'vgi.v2', principal: '' };

function sealerAt(clock: { now: number }, key = new Uint8Array(randomBytes(32)), ttlMs = 10_000): StreamTokenSealer {
  return new StreamTokenSealer(key, { source: 'SILO_SIGNING_KEY', ttlMs, now: () => clock.now });
}

const continuation: FinalizeContinuation = {
  kind: 'finalize',
  callId: 'c0ffee',
  functionName: 'buffer_input',
  schemaPath: ['main'],
  executionId: Uint8Array.of(1, 2, 3),
  finalizeStateId: Uint8Array.of(9),
  projectionIds: [2, 0],
  filters: [{ column: 'x', op: 'ge', value: 10n }],
  state: Uint8Array.of(7, 7),
  claim: '5eed',
};

describe('StreamTokenSealer', () => {
  it('should round-trip any tagged-JSON value as standard padded base64 that hides it', () => {
    const sealer = sealerAt({ now: 1000 });
    const token = sealer.seal('state', { cursor: 41n, bytes: Uint8Array.of(1, 2) }, binding);
    expect(token).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(token, 'base64').toString('latin1')).not.toContain('cursor');
    expect(sealer.open('state', token, binding)).toEqual({ cursor: 41n, bytes: Uint8Array.of(1, 2) });
    expect(sealer.seal('state', 1, binding)).not.toBe(sealer.seal('state', 1, binding));
  });

  it('should refuse a token with any byte changed', () => {
    const sealer = sealerAt({ now: 0 });
    const bytes = Buffer.from(sealer.seal('state', { a: 1 }, binding), 'base64');
    for (const at of [0, 1, 6, 20, bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[at] ^= 0x01;
      expect(() => sealer.open('state', changed.toString('base64'), binding)).toThrow(InvalidStreamTokenError);
    }
  });

  it('should name both key ids when a token was sealed with another key', () => {
    const clock = { now: 0 };
    const [ours, theirs] = [sealerAt(clock), sealerAt(clock)];
    const token = theirs.seal('state', 1, binding);
    expect(() => ours.open('state', token, binding)).toThrow(
      `sealed with key ${theirs.keyId}, but this worker's key (from SILO_SIGNING_KEY) is ${ours.keyId}`,
    );
  });

  it('should bind a token to its protocol, its caller and its kind', () => {
    const sealer = sealerAt({ now: 0 });
    const token = sealer.seal('state', 1, { protocol: 'vgi.v2', principal: 'alice' });
    expect(() => sealer.open('state', token, { protocol: 'vgi.v2', principal: 'bob' })).toThrow(
      /failed authentication/,
    );
    expect(() => sealer.open('state', token, { protocol: 'vgi.v3', principal: 'alice' })).toThrow(
      /failed authentication/,
    );
    expect(() => sealer.open('call', token, { protocol: 'vgi.v2', principal: 'alice' })).toThrow(
      /Invalid call token: it failed authentication/,
    );
    expect(sealer.open('state', token, { protocol: 'vgi.v2', principal: 'alice' })).toBe(1);
  });

  it('should expire state tokens after the TTL, measured from when they were minted, but never call tokens', () => {
    const clock = { now: 5_000 };
    const sealer = sealerAt(clock, undefined, 1500);
    const state = sealer.seal('state', 's', binding);
    const call = sealer.seal('call', 'c', binding);
    clock.now = 6_500;
    expect(sealer.open('state', state, binding)).toBe('s');
    clock.now = 6_750;
    expect(() => sealer.open('state', state, binding)).toThrow(
      'Invalid state token: it expired 0.3 s ago: continuations are valid for 1.5 s after the previous response (SILO_STREAM_TTL_SECONDS).',
    );
    clock.now = 1e12;
    expect(sealer.open('call', call, binding)).toBe('c');
  });

  it('should refuse text that is not a token with a 400-worthy wire error', () => {
    const sealer = sealerAt({ now: 0 });
    for (const bad of ['', 'not base64!', 'AAAA']) {
      const error = (() => {
        try {
          sealer.open('state', bad, binding);
        } catch (e) {
          return e as InvalidStreamTokenError;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(InvalidStreamTokenError);
      expect([error!.code, error!.exceptionType]).toEqual(['SILO430', 'ProtocolError']);
      expect(error!.message).toMatch(/Invalid state token: it is not a token this worker minted/);
    }
  });
});

describe('StreamTokens', () => {
  const tokens = new StreamTokens(sealerAt({ now: 0 }));

  it('should carry a finalize continuation with the echoed call token, and refuse it without one', () => {
    const state = tokens.sealState(continuation, binding);
    expect(tokens.openState(state, tokens.sealCall('c0ffee', binding), binding)).toEqual(continuation);
    expect(() => tokens.openState(state, null, binding)).toThrow(
      "[SILO430] Invalid call token: the /exchange carries a state token but not its stream's call token; a state token is only accepted with it. Echo both tokens of the previous response: vgi_rpc.stream_state#b64 and vgi_rpc.call_state#b64 (the one the stream's /init returned).",
    );
  });

  it('should take the state token alone for a protocol without call tokens (callTokens: absent)', () => {
    const sealer = sealerAt({ now: 0 });
    const withoutCallTokens = new StreamTokens(sealer, { callTokens: 'absent' });
    const state = withoutCallTokens.sealState(continuation, binding);
    expect(withoutCallTokens.openState(state, null, binding)).toEqual(continuation);
  });

  it('should refuse a call token of another stream, and a token whose content is not a continuation', () => {
    const state = tokens.sealState(continuation, binding);
    expect(() => tokens.openState(state, tokens.sealCall('decade', binding), binding)).toThrow(
      'Invalid call token: it belongs to another stream than the state token.',
    );
    const sealer = sealerAt({ now: 0 });
    const odd = new StreamTokens(sealer);
    expect(() =>
      odd.openState(sealer.seal('state', { kind: 'finalize' }, binding), odd.sealCall('c0ffee', binding), binding),
    ).toThrow(/its content is not a stream continuation this vgi-silo release understands/);
  });
});
