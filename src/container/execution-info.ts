/**
 * Who is running: injected with `EXECUTION` inside an execution.
 *
 * @example
 * ```ts
 * constructor(@Inject(EXECUTION) private readonly execution: ExecutionInfo) {}
 * this.log.info(`running ${this.execution.functionName}`);
 * ```
 */
export interface ExecutionInfo {
  /** Minted at sink init; the scope of execution storage. */
  readonly executionId: Uint8Array;
  readonly functionName: string;
  readonly schemaName: string;
  /** Opaque data of the ATTACH this query runs under, when any. */
  readonly attachOpaqueData?: Uint8Array;
  /** The ATTACH this query runs under (its opaque data, or the bytes of `default` without one): the attach storage scope. */
  readonly attachId: Uint8Array;
  /** The DuckDB transaction the query was bound in; absent when the client sent none. */
  readonly transactionId?: Uint8Array;
  /** How this worker was reached: its command line (stdio), `unix://PATH`, or its HTTP base URL. */
  readonly workerPath: string;
}
