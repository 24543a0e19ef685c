import type { BoundStorage, FunctionStorage } from '../providers/storage';
import type { Logger } from '../providers/logging';
import { type Secrets, type Sealer } from '../providers/secrets';
import type { Settings } from '../providers/settings';
import type { Clock } from '../providers/clock';
import type { ExecutionInfo } from './execution-info';

/**
 * A typed injection token: a unique symbol that remembers the type it provides, so
 * `overrideProvider(STORAGE).useValue(x)` checks `x` against `FunctionStorage`.
 */
export type Token<T> = symbol & { readonly __siloTokenType?: T };

/**
 * Creates a typed token for your own providers.
 *
 * @example
 * ```ts
 * export const RANKER: Token<Ranker> = createToken<Ranker>('Ranker');
 * defineModule({ functions: [TopK], providers: [{ provide: RANKER, useClass: DefaultRanker }] });
 * ```
 */
export function createToken<T>(description: string): Token<T> {
  return Symbol(description) as Token<T>;
}

/** The storage backend of the worker (root scope). Override it in tests. */
export const STORAGE: Token<FunctionStorage> = createToken<FunctionStorage>('silo:STORAGE');
/** Storage bound to the current execution (per-execution scope). */
export const EXECUTION_STORAGE: Token<BoundStorage> = createToken<BoundStorage>('silo:EXECUTION_STORAGE');
/** Storage bound to the current ATTACH (shared by every query of that attach). */
export const ATTACH_STORAGE: Token<BoundStorage> = createToken<BoundStorage>('silo:ATTACH_STORAGE');

/**
 * Storage of the DuckDB transaction the query runs in: shared by every query of one
 * `BEGIN … COMMIT` (each autocommit statement is its own transaction), cleared when the
 * transaction commits or rolls back. Calls without a transaction refuse it with an error.
 */
export const TRANSACTION_STORAGE: Token<BoundStorage> = createToken<BoundStorage>('silo:TRANSACTION_STORAGE');
/** The logger: root-level outside executions; inside, it also writes to DuckDB's log. */
export const LOGGER: Token<Logger> = createToken<Logger>('silo:LOGGER');
/** The secrets of the current bind (per-execution scope). */
export const SECRETS: Token<Secrets> = createToken<Secrets>('silo:SECRETS');
/** The DuckDB settings of the current bind (per-execution scope). */
export const SETTINGS: Token<Settings> = createToken<Settings>('silo:SETTINGS');
/** Time. Override it to make time-dependent functions deterministic. */
export const CLOCK: Token<Clock> = createToken<Clock>('silo:CLOCK');
/** Aborted when the execution is destroyed or the worker shuts down (per-execution scope). */
export const ABORT_SIGNAL: Token<AbortSignal> = createToken<AbortSignal>('silo:ABORT_SIGNAL');
/** Ids and names of the current execution (per-execution scope). */
export const EXECUTION: Token<ExecutionInfo> = createToken<ExecutionInfo>('silo:EXECUTION');

/** Seals secrets before they are persisted with the init context. Every worker of a host must share its key. */
export const SEALER: Token<Sealer> = createToken<Sealer>('silo:SEALER');

/** Tokens the framework provides in every execution's child container. */
export const EXECUTION_SCOPED_TOKENS: readonly symbol[] = [
  EXECUTION_STORAGE,
  ATTACH_STORAGE,
  TRANSACTION_STORAGE,
  SECRETS,
  SETTINGS,
  ABORT_SIGNAL,
  EXECUTION,
];

/** Human name of a token or class, for messages. */
export function tokenName(token: unknown): string {
  if (typeof token === 'symbol') return (token.description ?? 'symbol').replace(/^silo:/, '');
  if (typeof token === 'function') return token.name || 'anonymous class';
  return String(token);
}
