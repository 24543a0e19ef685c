import type {
  BufferingFunctionOptions,
  FunctionStability,
  RequiredSecret,
  FunctionExample,
} from './buffering-function.options';
import type { Constructor, HookKind } from '../metadata';
import type { ArgumentsSpec } from './arguments-spec';
import type { StateSpec } from './state-spec';

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly name: string;
  readonly schema: string;
  readonly description: string;
  readonly categories: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly examples: readonly FunctionExample[];
  readonly sinkOrderDependent: boolean;
  readonly sourceOrderDependent: boolean;
  readonly requiresInputBatchIndex: boolean;
  readonly projectionPushdown: boolean;
  readonly filterPushdown: boolean;
  readonly autoApplyFilters: boolean;
  readonly maxWorkers?: number;
  readonly requiredSettings: readonly string[];
  readonly requiredSecrets: readonly RequiredSecret[];
  readonly stability: FunctionStability;
  readonly cardinality?: { readonly estimate?: number; readonly max?: number };
}

/** Applies defaults to validated options. */
export function resolveOptions(options: BufferingFunctionOptions): ResolvedOptions {
  return {
    name: options.name,
    schema: options.schema ?? 'main',
    description: options.description ?? '',
    categories: options.categories ?? [],
    tags: options.tags ?? {},
    examples: options.examples ?? [],
    sinkOrderDependent: options.sinkOrderDependent ?? false,
    sourceOrderDependent: options.sourceOrderDependent ?? false,
    requiresInputBatchIndex: options.requiresInputBatchIndex ?? false,
    projectionPushdown: options.projectionPushdown ?? false,
    filterPushdown: options.filterPushdown ?? false,
    autoApplyFilters: options.autoApplyFilters ?? false,
    maxWorkers: options.maxWorkers,
    requiredSettings: options.requiredSettings ?? [],
    requiredSecrets: options.requiredSecrets ?? [],
    stability: options.stability ?? 'consistent',
    cardinality: options.cardinality,
  };
}

/**
 * A registered buffering function: its class, resolved options, the methods bound to
 * each hook, and its compiled arguments and state. Built only by registration, after
 * every rule passed.
 */
export interface FunctionDefinition {
  readonly target: Constructor;
  readonly options: ResolvedOptions;
  /** Method name of each declared hook. */
  readonly hooks: Readonly<Partial<Record<HookKind, string | symbol>>>;
  readonly args: ArgumentsSpec;
  readonly state?: StateSpec;
}

/** `"top_k" (TopK)`: how messages name a function. */
export function describeFunction(target: Constructor, name?: unknown): string {
  return typeof name === 'string' ? `"${name}" (${target.name})` : target.name;
}
