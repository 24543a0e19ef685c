/**
 * Single-use HTTP continuations: each finalize state token carries a random claim that
 * the worker sealing it records in the execution's storage, and the worker resuming it
 * redeems with one atomic drain. A second request with the same token — a client retry,
 * a replay within the token's TTL — finds the claim gone and is refused, so a producer
 * turn runs once per token and no row is sent twice. Claims live in the execution's
 * framework namespace, so the destructor (or GC) removes them with the execution.
 */
import { randomBytes } from 'node:crypto';
import { BoundStorage, type FunctionStorage } from '../../providers/storage';
import { InvalidStreamTokenError } from './stream-token.sealer';

const CLAIMS_NS = 'http-claims';
const EMPTY = new Uint8Array(0);

/**
 * A continuation's claim was already redeemed: the state token was used before. An
 * invalid state token like any other (SILO430, HTTP 400).
 */
export class ContinuationReplayedError extends InvalidStreamTokenError {
  constructor(functionName: string) {
    super(
      'state',
      `it was already used: each state token of the ${functionName} finalize stream serves one /exchange, and a second request with it (a retry or a replay) is refused so that no rows are sent twice. Continue with the state token of the latest response; if that response was lost, run the query again.`,
    );
  }
}

/**
 * Records and redeems continuation claims in the storage every worker of the fleet shares.
 */
export class StreamClaims {
  constructor(private readonly storage: FunctionStorage) {}

  /** A fresh claim (16 random bytes, hex). */
  static mint(): string {
    return randomBytes(16).toString('hex');
  }

  private view(executionId: Uint8Array): BoundStorage {
    return BoundStorage.forFramework(this.storage, { kind: 'execution', id: executionId });
  }

  /** Records a claim before the token that carries it is handed out. */
  record(executionId: Uint8Array, claim: string): Promise<void> {
    return this.view(executionId).put(CLAIMS_NS, claim, EMPTY);
  }

  /** Redeems a claim: true for the first caller only (one atomic drain of its one key). */
  async redeem(executionId: Uint8Array, claim: string): Promise<boolean> {
    const taken = await this.view(executionId).drain(CLAIMS_NS, { start: claim, end: `${claim}\u0000` });
    return taken.length === 1;
  }
}
