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
}
