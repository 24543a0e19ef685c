import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogFields, LogLevel } from '../providers/logging';

/** Receives log records destined for DuckDB during one call. */
export type ClientLogSink = (level: LogLevel, message: string, fields: LogFields) => void;

interface CallScope {
  readonly clientLog?: ClientLogSink;
}

/**
 * The call a piece of code runs in. One execution's logger is shared by every call of
 * that execution in a process, but each record belongs to the RPC that is running when
 * it is written, so the sink is looked up per call rather than captured.
 */
const scope = new AsyncLocalStorage<CallScope>();

/** Runs `fn` with client log records sent to `clientLog`. */
export function runInCall<T>(clientLog: ClientLogSink | undefined, fn: () => T): T {
  return scope.run({ clientLog }, fn);
}

/** The current call's client log sink, if any. */
export function currentClientLog(): ClientLogSink | undefined {
  return scope.getStore()?.clientLog;
}

/**
 * Turns async-context tracking off until the next {@link runInCall} turns it on again:
 * for when no call is running and none may be (a start-up snapshot cannot be taken while
 * it is on).
 *
 * @internal
 */
export function releaseCallScope(): void {
  scope.disable();
}
