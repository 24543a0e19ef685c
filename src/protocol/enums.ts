/**
 * Enum members of the vgi.v2 records (vgi-wire §4.6, §4.8, §4.9). Enums travel as
 * `dictionary<int16, utf8>` holding the member NAME.
 */

/** `FunctionInfo.function_type`, `BindRequest.function_type`. */
export const FUNCTION_TYPES = ['SCALAR', 'TABLE', 'TABLE_BUFFERING', 'AGGREGATE'] as const;
/** A function type member. */
export type FunctionType = (typeof FUNCTION_TYPES)[number];

/** `FunctionInfo.stability`. */
export const STABILITIES = ['CONSISTENT', 'VOLATILE', 'CONSISTENT_WITHIN_QUERY'] as const;
/** A stability member. */
export type Stability = (typeof STABILITIES)[number];

/** `FunctionInfo.null_handling`. */
export const NULL_HANDLINGS = ['DEFAULT', 'SPECIAL'] as const;
/** A null-handling member. */
export type NullHandling = (typeof NULL_HANDLINGS)[number];

/** `FunctionInfo.order_preservation`. */
export const ORDER_PRESERVATIONS = ['PRESERVES_ORDER', 'NO_ORDER_GUARANTEE', 'FIXED_ORDER'] as const;
/** An order-preservation member. */
export type OrderPreservation = (typeof ORDER_PRESERVATIONS)[number];

/** `FunctionInfo.partition_kind`. */
export const PARTITION_KINDS = [
  'NOT_PARTITIONED',
  'SINGLE_VALUE_PARTITIONS',
  'OVERLAPPING_PARTITIONS',
  'DISJOINT_PARTITIONS',
] as const;
/** A partition-kind member. */
export type PartitionKind = (typeof PARTITION_KINDS)[number];

/** `FunctionInfo.order_dependent`. */
export const ORDER_DEPENDENTS = ['ORDER_DEPENDENT', 'NOT_ORDER_DEPENDENT'] as const;
/** An order-dependence member. */
export type OrderDependent = (typeof ORDER_DEPENDENTS)[number];

/** `FunctionInfo.distinct_dependent`. */
export const DISTINCT_DEPENDENTS = ['DISTINCT_DEPENDENT', 'NOT_DISTINCT_DEPENDENT'] as const;
/** A distinct-dependence member. */
export type DistinctDependent = (typeof DISTINCT_DEPENDENTS)[number];

/** `InitRequest.phase`. The first two belong to streaming table-in-out functions. */
export const INIT_PHASES = ['INPUT', 'FINALIZE', 'TABLE_BUFFERING', 'TABLE_BUFFERING_FINALIZE'] as const;
/** An init phase member. */
export type InitPhase = (typeof INIT_PHASES)[number];

/** `InitRequest.order_by_direction`. */
export const ORDER_BY_DIRECTIONS = ['ASC', 'DESC'] as const;
/** An order-by direction member. */
export type OrderByDirection = (typeof ORDER_BY_DIRECTIONS)[number];

/** `InitRequest.order_by_null_order`. */
export const ORDER_BY_NULL_ORDERS = ['NULLS_FIRST', 'NULLS_LAST'] as const;
/** An order-by null-order member. */
export type OrderByNullOrder = (typeof ORDER_BY_NULL_ORDERS)[number];

/** The `type` parameter of `catalog_schema_contents_functions` / `_macros`. */
export const CATALOG_OBJECT_TYPES = [
  'TABLE',
  'VIEW',
  'SCALAR_FUNCTION',
  'TABLE_FUNCTION',
  'AGGREGATE_FUNCTION',
  'SCALAR_MACRO',
  'TABLE_MACRO',
  'INDEX',
] as const;
/** A catalog object type member. */
export type CatalogObjectType = (typeof CATALOG_OBJECT_TYPES)[number];

/** `SchemaInfo.estimated_object_count` keys (vgi-wire §4.5). */
export const OBJECT_COUNT_KINDS = [
  'table',
  'view',
  'index',
  'scalar_function',
  'aggregate_function',
  'table_function',
  'macro',
] as const;
/** An object-count kind. */
export type ObjectCountKind = (typeof OBJECT_COUNT_KINDS)[number];
