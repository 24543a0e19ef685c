/**
 * The one seam between the buffering lifecycle and observability. The dispatcher asks its
 * {@link Instrumentation} for an {@link RpcCall} at the start of every call; the default
 * answers `undefined`, so a worker without tracing, metrics or profiling pays one method
 * call per RPC and nothing else.
 */
import type { FunctionStorage } from '../providers/storage/function-storage';

/** The RPCs of a buffering function, as spans and metrics name them. */
export type RpcPhase =
  'bind' | 'sink_init' | 'process' | 'combine' | 'finalize_open' | 'finalize_tick' | 'cancel' | 'destructor';

/** Every phase, in lifecycle order. */
export const RPC_PHASES: readonly RpcPhase[] = [
  'bind',
  'sink_init',
  'process',
  'combine',
  'finalize_open',
  'finalize_tick',
  'cancel',
  'destructor',
];

/** One RPC being observed: the dispatcher reports what flowed through it, then ends it once. */
export interface RpcCall {
  /** The execution, when it was minted by this call (a primary sink init). */
  setExecution(executionId: Uint8Array): void;
  /** The function, when the request did not name it (an HTTP stream continuation). */
  setFunction(functionName: string): void;
  /** Rows and Arrow buffer bytes the call received. */
  addInput(rows: number, bytes: number): void;
  /** Rows and Arrow buffer bytes the call produced. */
  addOutput(rows: number, bytes: number): void;
  /** Runs `fn` as this call: user code inside opens child spans of it, storage time is charged to it. */
  run<T>(fn: () => T): T;
  /** Ends the call, failed when `error` is given; a returned promise settles once its records are saved. */
  end(error?: unknown): void | Promise<void>;
}

/**
 * What the dispatcher reports to. Implement it to observe calls some other way; the
 * worker's default is built from the environment (see `observabilityFromEnv`).
 *
 * @example
 * ```ts
 * const counting: Instrumentation = { begin: (phase) => (phase === 'process' ? myCall() : undefined) };
 * ```
 */
export interface Instrumentation {
  /** A call starts; `undefined` when it is not observed. */
  begin(phase: RpcPhase, functionName: string, executionId: Uint8Array | undefined): RpcCall | undefined;
  /** The storage the worker uses, wrapped to time it (or as is). Called once. */
  wrapStorage?(storage: FunctionStorage): FunctionStorage;
  /** The destructor is about to end `executionId`'s storage (profiles are read before it goes). */
  executionEnding?(executionId: Uint8Array, storage: FunctionStorage): Promise<void>;
}

/** The default: observes nothing. */
export const NO_INSTRUMENTATION: Instrumentation = Object.freeze({ begin: () => undefined });

/**
 * Runs `body` as an observed call of `phase` (or directly, when `instrumentation` does not
 * observe it).
 */
export function observeCall<T>(
  instrumentation: Instrumentation,
  phase: RpcPhase,
  functionName: string,
  executionId: Uint8Array | undefined,
  body: (call: RpcCall | undefined) => Promise<T>,
): Promise<T> {
  const call = instrumentation.begin(phase, functionName, executionId);
  if (call === undefined) return body(undefined);
  return call
    .run(() => body(call))
    .then(
      async (value) => {
        await call.end();
        return value;
      },
      async (error: unknown) => {
        await call.end(error);
        throw error;
      },
    );
}
