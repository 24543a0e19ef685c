import type { Constructor } from '../metadata';

/** An example call shown in DuckDB's function listing. */
export interface FunctionExample {
  readonly sql: string;
  readonly description?: string;
  readonly expectedOutput?: string;
}

/** A secret DuckDB resolves before the first bind. */
export interface RequiredSecret {
  /** DuckDB secret type, e.g. `s3`. */
  readonly type: string;
  /** Scope prefix the secret must cover, e.g. `s3://bucket/`. */
  readonly scope?: string;
  /** A specific secret by name. */
  readonly name?: string;
}

/** How a function's result may change between calls with the same input. */
export type FunctionStability = 'consistent' | 'volatile' | 'consistentWithinQuery';

/**
 * Options of `@BufferingFunction()`. Everything but `name` is optional.
 *
 * @example
 * ```ts
 * @BufferingFunction({
 *   name: 'top_k',
 *   description: 'The k rows with the largest value of a column',
 *   args: TopKArgs,
 *   state: Cursor,
 *   categories: ['ranking'],
 * })
 * export class TopK { ... }
 * ```
 */
export interface BufferingFunctionOptions<A = unknown, S = unknown> {
  /** SQL name: letters, digits and underscores, not starting with a digit. */
  readonly name: string;
  /** The catalog schema the function is published in. Default `main`. */
  readonly schema?: string;
  readonly description?: string;
  readonly categories?: readonly string[];
  /** Free-form key/value tags (shown in `duckdb_functions().tags`). */
  readonly tags?: Readonly<Record<string, string>>;
  readonly examples?: readonly FunctionExample[];
  /** The arguments class (see `@TableInput`, `@Positional`, `@Named`). Default: one TABLE input named `data`. */
  readonly args?: Constructor<A>;
  /** The finalize-state class (see `@StateField`). Default: no state. */
  readonly state?: Constructor<S>;
  /** Single-threaded ingest in source order. Excludes `requiresInputBatchIndex`. */
  readonly sinkOrderDependent?: boolean;
  /** Finalize streams run one at a time in the order combine returned them. */
  readonly sourceOrderDependent?: boolean;
  /** Every process call carries DuckDB's batch index. Excludes `sinkOrderDependent`. */
  readonly requiresInputBatchIndex?: boolean;
  /** Finalize output is narrowed to the columns DuckDB asks for. */
  readonly projectionPushdown?: boolean;
  /** DuckDB hands its predicates to the function; see `autoApplyFilters`. */
  readonly filterPushdown?: boolean;
  /** The framework applies pushed filters to emitted batches (requires `filterPushdown`). */
  readonly autoApplyFilters?: boolean;
  /** Upper bound on parallel sink workers DuckDB should use (1 to 99999). */
  readonly maxWorkers?: number;
  /** DuckDB settings shipped with every bind, by name. */
  readonly requiredSettings?: readonly string[];
  /** Secrets DuckDB resolves before bind. */
  readonly requiredSecrets?: readonly RequiredSecret[];
  /** Default `consistent`. */
  readonly stability?: FunctionStability;
  /** Expected and maximum output rows, for planning. */
  readonly cardinality?: { readonly estimate?: number; readonly max?: number };
}

/** Every option name, for the unknown-option check. */
export const BUFFERING_FUNCTION_OPTION_NAMES: readonly (keyof BufferingFunctionOptions)[] = [
  'name',
  'schema',
  'description',
  'categories',
  'tags',
  'examples',
  'args',
  'state',
  'sinkOrderDependent',
  'sourceOrderDependent',
  'requiresInputBatchIndex',
  'projectionPushdown',
  'filterPushdown',
  'autoApplyFilters',
  'maxWorkers',
  'requiredSettings',
  'requiredSecrets',
  'stability',
  'cardinality',
];
