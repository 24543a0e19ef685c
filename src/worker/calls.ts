import type { RecordBatch, Schema } from 'apache-arrow';
import type { ClientLogSink } from '../container/call-scope';
import type { Secret } from '../providers/secrets';
import type { RawArguments } from '../definition/arguments-spec';
import type { ColumnFilter } from './filters';

/**
 * The calls the dispatcher serves, independent of bytes: the wire server decodes
 * requests into these, the TestBed builds them directly.
 */

/** Names the function a call is for. */
export interface FunctionRef {
  readonly functionName: string;
  /** The schema owning the function, e.g. `['main']`. */
  readonly schemaPath?: readonly string[];
}

export interface BindCall extends FunctionRef {
  readonly arguments: RawArguments;
  readonly inputSchema: Schema;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly secrets?: readonly Secret[];
  readonly attachOpaqueData?: Uint8Array;
  /**
   * The transaction DuckDB bound the query in (`BindRequest.transaction_opaque_data`,
   * minted by this worker's `catalog_transaction_begin`); persisted with the bind, since
   * the later calls of generation A carry no transaction.
   */
  readonly transactionOpaqueData?: Uint8Array;
  readonly resolvedSecretsProvided?: boolean;
}

export interface SinkInitCall {
  /** The final bind of this query. */
  readonly bind: BindCall;
  /** The bound output schema (full, not projected). */
  readonly outputSchema: Schema;
  readonly bindOpaqueData?: Uint8Array;
  /** Absent on the first sink connection's init; the minted id on every other. */
  readonly executionId?: Uint8Array;
}

export interface ProcessCall extends FunctionRef {
  readonly executionId: Uint8Array;
  readonly batch: RecordBatch;
  readonly batchIndex?: bigint;
}

export interface CombineCall extends FunctionRef {
  readonly executionId: Uint8Array;
  readonly stateIds: readonly Uint8Array[];
}

export interface FinalizeInitCall {
  readonly executionId: Uint8Array;
  readonly finalizeStateId: Uint8Array;
  /** Output column indices DuckDB reads, in order (projection pushdown). */
  readonly projectionIds?: readonly number[];
  /** Pushed filters, applied to emitted batches when the function asks for it. */
  readonly filters?: readonly ColumnFilter[];
  /**
   * The bind and output schema as the request carried them. Only the function name is
   * used (checked against the execution's): the context itself always comes from
   * storage, which is the one record of which executions exist.
   */
  readonly bind?: BindCall;
  readonly outputSchema?: Schema;
  /** A serialized state to resume from (a continuation), skipping `@InitialFinalizeState()`. */
  readonly resumeState?: Uint8Array;
}

export interface DestructorCall {
  readonly functionName?: string;
  readonly executionId: Uint8Array;
}

/** Per-call options: where client logs of this call go. */
export interface CallOptions {
  readonly clientLog?: ClientLogSink;
}
