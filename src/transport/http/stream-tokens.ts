/**
 * What HTTP stream tokens carry (vgi-wire §2.4, §6). A finalize continuation holds
 * everything a cold process needs to resume the producer with nothing but shared storage:
 * the function, the execution and finalize state ids, the projection, the decoded filters
 * and the cursor (`FinalizeStream.serializeState()`). The init context itself (bind,
 * secrets, output schema) stays in storage under the execution id, so tokens stay small
 * and carry no secrets. The call token names the stream; every state token repeats it,
 * and is refused without it (unless the protocol has no call tokens: {@link StreamTokensOptions}).
 */
import { randomBytes } from 'node:crypto';
import type { ColumnFilter } from '../../worker/filters';
import { InvalidStreamTokenError, type StreamTokenSealer, type TokenBinding } from './stream-token.sealer';

/** The cursor of a finalize (producer) stream between two HTTP requests. */
export interface FinalizeContinuation {
  readonly kind: 'finalize';
  /** Names the stream; equals the call token's id. */
  readonly callId: string;
  readonly functionName: string;
  readonly schemaPath: readonly string[] | null;
  readonly executionId: Uint8Array;
  readonly finalizeStateId: Uint8Array;
  readonly projectionIds: readonly number[] | null;
  readonly filters: readonly ColumnFilter[];
  /** `FinalizeStream.serializeState()` after the last turn. */
  readonly state: Uint8Array;
  /**
   * A random id of this one continuation, recorded in the execution's storage when it is
   * sealed and redeemed when it is used: a second request with the same token is refused.
   */
  readonly claim: string;
}

/** A sink-phase (exchange) stream: DuckDB never continues it, a client may (§2.4.6). */
export interface SinkContinuation {
  readonly kind: 'sink';
  readonly callId: string;
  readonly functionName: string;
  readonly executionId: Uint8Array;
  /** The sink output stream's schema, serialized: a continuation answers on it. */
  readonly outputSchema: Uint8Array;
}

/** Either continuation. */
type StreamContinuation = FinalizeContinuation | SinkContinuation;

/** The call token's content. */
interface CallState {
  readonly callId: string;
}

/**
 * A fresh stream id (16 random bytes, hex), minted once per `/init`.
 */
export function newCallId(): string {
  return randomBytes(16).toString('hex');
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** A token that authenticated but does not hold what this release writes. */
function checkShape(value: unknown): StreamContinuation {
  const c = (value !== null && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const common = typeof c.callId === 'string' && typeof c.functionName === 'string' && isBytes(c.executionId);
  if (
    common &&
    c.kind === 'finalize' &&
    isBytes(c.finalizeStateId) &&
    isBytes(c.state) &&
    Array.isArray(c.filters) &&
    typeof c.claim === 'string'
  )
    return c as unknown as FinalizeContinuation;
  if (common && c.kind === 'sink' && isBytes(c.outputSchema)) return c as unknown as SinkContinuation;
  throw new InvalidStreamTokenError(
    'state',
    'its content is not a stream continuation this vgi-silo release understands. Run one vgi-silo release across the fleet.',
  );
}

/** Options of {@link StreamTokens}. */
interface StreamTokensOptions {
  /**
   * `required` (default): an `/exchange` must echo the stream's call token next to its
   * state token, and a state token without it is refused. `absent`: for a protocol
   * whose clients never send or read call tokens (the state token alone names the
   * stream: it carries the call id). The one place the binding is checked.
   */
  readonly callTokens?: 'required' | 'absent';
}

/**
 * Seals and opens the two tokens of HTTP streams.
 */
export class StreamTokens {
  private readonly callTokens: 'required' | 'absent';

  constructor(
    private readonly sealer: StreamTokenSealer,
    options: StreamTokensOptions = {},
  ) {
    this.callTokens = options.callTokens ?? 'required';
  }

  /** The call token of a new stream. */
  sealCall(callId: string, binding: TokenBinding): string {
    const state: CallState = { callId };
    return this.sealer.seal('call', state, binding);
  }

  /** The state token after a turn. */
  sealState(continuation: StreamContinuation, binding: TokenBinding): string {
    return this.sealer.seal('state', continuation, binding);
  }

  /**
   * Opens a state token and the call token, which must name the same stream: a state
   * token is bound to its call token and refused without it (vgi-wire §6 leaves that
   * choice to the worker), unless this protocol has no call tokens.
   */
  openState(stateToken: string, callToken: string | null, binding: TokenBinding): StreamContinuation {
    const continuation = checkShape(this.sealer.open('state', stateToken, binding));
    if (this.callTokens === 'absent') return continuation;
    if (callToken === null) {
      throw new InvalidStreamTokenError(
        'call',
        "the /exchange carries a state token but not its stream's call token; a state token is only accepted with it. Echo both tokens of the previous response: vgi_rpc.stream_state#b64 and vgi_rpc.call_state#b64 (the one the stream's /init returned).",
      );
    }
    const call = this.sealer.open('call', callToken, binding) as Partial<CallState> | null;
    if (call === null || typeof call !== 'object' || call.callId !== continuation.callId) {
      throw new InvalidStreamTokenError(
        'call',
        'it belongs to another stream than the state token. Echo the call token of the /init that started this stream.',
      );
    }
    return continuation;
  }
}
