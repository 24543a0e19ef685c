/**
 * A registered function as the wire describes it: the {@link FunctionDescriptor} behind
 * its FunctionInfo (vgi-wire §4.6, §4.7). The registry knows decorators and DTO classes;
 * the protocol layer knows records; this is the one place that translates between them.
 */
import type { FunctionStability } from '../definition/buffering-function.options';
import type { ArgumentDescriptor, FunctionDescriptor, Stability } from '../protocol';
import type { ArgumentSpec } from '../definition/arguments-spec';
import type { FunctionDefinition } from '../definition/function-definition';

/** The semantics profile DuckDB's pushed filters follow (vgi-wire §4.6 row 18). */
export const DUCKDB_FILTER_PROFILE = 'vgi.duckdb.standard.v1';

/** FunctionInfo's `max_workers` when the function sets no bound (the reference default). */
export const DEFAULT_MAX_WORKERS = 99999;

const STABILITY: Readonly<Record<FunctionStability, Stability>> = {
  consistent: 'CONSISTENT',
  volatile: 'VOLATILE',
  consistentWithinQuery: 'CONSISTENT_WITHIN_QUERY',
};

function scalarArgument(spec: ArgumentSpec): ArgumentDescriptor {
  return {
    name: spec.name,
    kind: spec.kind,
    type: spec.arrowType,
    doc: spec.doc,
    // `vgi_default` is documentation only: the dispatcher applies defaults itself.
    default: spec.hasDefault ? spec.defaultValue : undefined,
    choices: spec.constraints.choices,
    range: spec.constraints.range,
    pattern: spec.constraints.pattern,
  };
}

/**
 * Whether DuckDB is told it may push filters into the function. Only functions whose
 * filters the framework applies (`autoApplyFilters`) advertise it: Silo has no API that
 * hands pushed filters to user code. `filters_exactly_applied` stays false either way, so
 * DuckDB keeps its own copy of every predicate and a filter Silo cannot decode is never a
 * wrong answer, only a missed optimisation.
 *
 * @example
 * ```ts
 * advertisesFilterPushdown(registry.require('echo_buffering')); // true
 * ```
 */
export function advertisesFilterPushdown(definition: FunctionDefinition): boolean {
  return definition.options.filterPushdown && definition.options.autoApplyFilters;
}

/**
 * The FunctionInfo content of one registered function: TABLE_BUFFERING, positional
 * scalars then the TABLE input then named parameters (the protocol layer orders and sorts
 * them), constraints as `vgi_*` metadata, flags, and `supports_batch_index` equal to
 * `requires_input_batch_index`.
 *
 * @example
 * ```ts
 * const item = encodeFunctionInfo(toFunctionDescriptor(registry.require('buffer_input')));
 * ```
 */
export function toFunctionDescriptor(definition: FunctionDefinition): FunctionDescriptor {
  const { options, args } = definition;
  const filterPushdown = advertisesFilterPushdown(definition);
  return {
    name: options.name,
    schemaPath: [options.schema],
    functionType: 'TABLE_BUFFERING',
    description: options.description,
    tags: options.tags,
    arguments: [
      ...args.positional.map(scalarArgument),
      { name: args.table.name, kind: 'table', doc: args.table.doc },
      ...args.named.map(scalarArgument),
    ],
    examples: options.examples.map((e) => ({
      sql: e.sql,
      description: e.description ?? '',
      expectedOutput: e.expectedOutput ?? null,
    })),
    categories: options.categories,
    stability: STABILITY[options.stability],
    projectionPushdown: options.projectionPushdown,
    filterPushdown,
    filterSemanticProfiles: filterPushdown ? [DUCKDB_FILTER_PROFILE] : [],
    filtersExactlyApplied: false,
    maxWorkers: options.maxWorkers ?? DEFAULT_MAX_WORKERS,
    supportsBatchIndex: options.requiresInputBatchIndex,
    requiresInputBatchIndex: options.requiresInputBatchIndex,
    sinkOrderDependent: options.sinkOrderDependent,
    sourceOrderDependent: options.sourceOrderDependent,
    hasFinalize: true,
    requiredSettings: options.requiredSettings,
    requiredSecrets: options.requiredSecrets.map((s) => ({
      secretType: s.type,
      scope: s.scope ?? null,
      secretName: s.name ?? null,
    })),
  };
}
