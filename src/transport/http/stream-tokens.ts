/**
 * What HTTP stream tokens carry (vgi-wire §2.4, §6). A finalize continuation holds
 * everything a cold process needs to resume the producer with nothing but shared storage:
 * the function, the execution and finalize state ids, the projection, the decoded filters
 * and the cursor (`FinalizeStream.serializeState()`). The init context itself (bind,
 * secrets, output schema) stays in storage under the execution id, so tokens stay small
 * and carry no secrets. The call token names the stream; every state token repeats it.
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
export type StreamContinuation = FinalizeContinuation | SinkContinuation;

/** The call token's content. */
interface CallState {
  readonly callId: string;
}

/**
 * A fresh stream id (16 random bytes, hex), minted once per `/init`.
 *
 * @example
 * ```ts
 * const callId = newCallId(); // '9f1c…' (32 hex characters)
 * ```
 */
export function newCallId(): string {
  return randomBytes(16).toString('hex');
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** A token that authenticated but does not hold what this release writes. */
function checkShape(value: unknown): StreamContinuation {
  const c = (value !== null && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const common = typeof c.callId === 'string' && typeof c.functionName === 'string' && isBytes(c.executionId);
  if (common && c.kind === 'finalize' && isBytes(c.finalizeStateId) && isBytes(c.state) && Array.isArray(c.filters)) return c as unknown as FinalizeContinuation;
  if (common && c.kind === 'sink' && isBytes(c.outputSchema)) return c as unknown as SinkContinuation;
  throw new InvalidStreamTokenError('state', 'its content is not a stream continuation this vgi-silo release understands. Run one vgi-silo release across the fleet.');
}

/**
 * Seals and opens the two tokens of HTTP streams.
 *
 * @example
 * ```ts
 * const tokens = new StreamTokens(sealer);
 * const call = tokens.sealCall(callId, binding);
 * const state = tokens.sealState({ kind: 'finalize', callId, ... }, binding);
 * const resumed = tokens.openState(state, call, binding);
 * ```
 */
export class StreamTokens {
  constructor(private readonly sealer: StreamTokenSealer) {}

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
   * Opens a state token and, when the client echoed one, the call token, which must name
   * the same stream (the call token is optional: vgi-wire §6 leaves it to the worker).
   */
  openState(stateToken: string, callToken: string | null, binding: TokenBinding): StreamContinuation {
    const continuation = checkShape(this.sealer.open('state', stateToken, binding));
    if (callToken !== null) {
      const call = this.sealer.open('call', callToken, binding) as Partial<CallState> | null;
      if (call === null || typeof call !== 'object' || call.callId !== continuation.callId) {
        throw new InvalidStreamTokenError('call', 'it belongs to another stream than the state token. Echo the call token of the /init that started this stream.');
      }
    }
    return continuation;
  }
}
