/** What became of a run's execution at its end (see `RunFunctionOptions.onDestructor`). */
export interface DestructorOutcome {
  readonly executionId: Uint8Array;
  /** True when a worker answered the destructor call: the execution's data is gone. */
  readonly ran: boolean;
  /** The process that ran (or was asked to run) it; `null` over HTTP. */
  readonly pid: number | null;
  /** Why it did not run, when it did not. */
  readonly failure?: string;
  /**
   * Who ended the execution instead when the destructor could not run, e.g. `silo
   * ending it in sqlite:/path/storage.db` (set by a caller that cleaned storage itself).
   */
  readonly cleanedBy?: string;
}
