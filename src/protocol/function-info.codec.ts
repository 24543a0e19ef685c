/**
 * FunctionInfo (vgi-wire §4.6) from a plain {@link FunctionDescriptor} the registry fills,
 * with the values the reference SDK sends for a buffering function as defaults.
 */
import { type Schema } from 'apache-arrow';
import { deserializeSchema, EMPTY_SCHEMA, serializeSchema } from '../arrow';
import { type ArgumentDescriptor, buildArgumentsSchema } from './arguments-schema';
import {
  type DistinctDependent,
  type FunctionType,
  type NullHandling,
  type OrderDependent,
  type OrderPreservation,
  type PartitionKind,
  type Stability,
} from './enums';
import { FUNCTION_INFO_SCHEMA } from './function-info.schema';
import { RecordEncodeError } from './protocol.error';
import { decodeRecord, encodeRecord } from './record.codec';

/** A usage example shown by DuckDB (`FunctionInfo.examples`). */
interface FunctionExample {
  readonly sql: string;
  readonly description: string;
  readonly expectedOutput?: string | null;
}

/** A filter function or runtime filter algorithm reference. */
interface FilterFunctionRef {
  readonly namespace: string;
  readonly name: string;
  readonly version: bigint;
}

/** A secret resolved by DuckDB before the first bind (`FunctionInfo.required_secrets`). */
export interface RequiredSecret {
  readonly secretType: string;
  readonly scope?: string | null;
  readonly secretName?: string | null;
}

/**
 * Everything FunctionInfo says about a function. Only `name` and `arguments` are required;
 * every other field defaults to what the reference SDK sends for a buffering function.
 */
export interface FunctionDescriptor {
  readonly name: string;
  /** Parameters (ordered into §4.7 wire order), or a ready arguments schema. */
  readonly arguments: readonly ArgumentDescriptor[] | Schema;
  /** Default `['main']`. */
  readonly schemaPath?: readonly string[];
  /** Default `TABLE_BUFFERING`. */
  readonly functionType?: FunctionType;
  /** Default `''`. */
  readonly description?: string;
  readonly comment?: string | null;
  readonly tags?: Readonly<Record<string, string>>;
  /** Default: the empty schema (the output is decided at bind). */
  readonly outputSchema?: Schema;
  readonly parameterDefaultValues?: Uint8Array | null;
  readonly stability?: Stability | null;
  readonly nullHandling?: NullHandling | null;
  readonly argumentMonotonicity?: readonly string[] | null;
  readonly examples?: readonly FunctionExample[];
  readonly categories?: readonly string[];
  readonly projectionPushdown?: boolean | null;
  readonly filterPushdown?: boolean | null;
  readonly samplingPushdown?: boolean | null;
  readonly lateMaterialization?: boolean | null;
  readonly filterSemanticProfiles?: readonly string[];
  readonly additionalFilterFunctions?: readonly FilterFunctionRef[];
  readonly runtimeFilterAlgorithms?: readonly FilterFunctionRef[];
  readonly filterEvaluationContexts?: readonly {
    readonly profile: string;
    readonly providerFingerprint?: string | null;
  }[];
  readonly orderPreservation?: OrderPreservation | null;
  /** Default 99999 (FunctionInfo's `max_workers` is int32). */
  readonly maxWorkers?: number | null;
  /** Default: equal to `requiresInputBatchIndex` (it must be). */
  readonly supportsBatchIndex?: boolean;
  readonly supportsSplits?: boolean;
  readonly filtersExactlyApplied?: boolean;
  readonly supportsPositions?: boolean;
  readonly splitTokenTtlSeconds?: bigint | null;
  readonly partitionKind?: PartitionKind;
  readonly orderDependent?: OrderDependent;
  readonly distinctDependent?: DistinctDependent;
  readonly supportsWindow?: boolean;
  readonly streamingPartitioned?: boolean;
  /** Default `true`. */
  readonly hasFinalize?: boolean;
  readonly sourceOrderDependent?: boolean;
  readonly sinkOrderDependent?: boolean;
  readonly requiresInputBatchIndex?: boolean;
  readonly inputFromArgs?: boolean;
  /** DuckDB setting names to ship in `BindRequest.settings`. */
  readonly requiredSettings?: readonly string[];
  readonly requiredSecrets?: readonly RequiredSecret[];
}

/** FunctionInfo as decoded from the wire: every field present, schemas deserialized. */
export type FunctionInfo = Required<Omit<FunctionDescriptor, 'arguments' | 'requiredSecrets' | 'examples'>> & {
  readonly arguments: Schema;
  readonly examples: readonly FunctionExample[];
  readonly requiredSecrets: readonly RequiredSecret[];
};

/**
 * FunctionInfo bytes for one function (one `catalog_schema_contents_functions` item).
 * Refuses flag combinations DuckDB rejects.
 */
export function encodeFunctionInfo(fn: FunctionDescriptor, schema: Schema = FUNCTION_INFO_SCHEMA): Uint8Array {
  const subject = `FunctionInfo "${fn.name}"`;
  const functionType = fn.functionType ?? 'TABLE_BUFFERING';
  const requiresIndex = fn.requiresInputBatchIndex ?? false;
  const supportsIndex = fn.supportsBatchIndex ?? requiresIndex;
  if (supportsIndex !== requiresIndex) {
    throw new RecordEncodeError(
      subject,
      'supportsBatchIndex must equal requiresInputBatchIndex (DuckDB only hands batch indexes to functions that require them). Set both the same.',
    );
  }
  if (requiresIndex && fn.sinkOrderDependent) {
    throw new RecordEncodeError(
      subject,
      'requiresInputBatchIndex cannot be combined with sinkOrderDependent: a single-threaded sink already orders its input. Remove one of them.',
    );
  }
  const argumentsSchema = isSchema(fn.arguments) ? fn.arguments : buildArgumentsSchema(fn.arguments, subject);
  if (
    functionType === 'TABLE_BUFFERING' &&
    !argumentsSchema.fields.some((f) => f.metadata.get('vgi_type') === 'table')
  ) {
    throw new RecordEncodeError(
      subject,
      'a TABLE_BUFFERING function needs a TABLE argument (kind "table") for DuckDB to sink. Declare one.',
    );
  }
  const schemaPath = fn.schemaPath ?? ['main'];
  // Generation A flags max_workers non-null: "no limit" is then the int32 default.
  const maxWorkersRequired = schema.fields.some((f) => f.name === 'max_workers' && !f.nullable);
  const maxWorkers =
    fn.maxWorkers === undefined || (fn.maxWorkers === null && maxWorkersRequired) ? 99999 : fn.maxWorkers;
  return encodeRecord(
    schema,
    {
      comment: fn.comment ?? null,
      tags: fn.tags ?? {},
      name: fn.name,
      schemaPath,
      schemaName: schemaPath[schemaPath.length - 1] ?? 'main',
      functionType,
      arguments: serializeSchema(argumentsSchema),
      outputSchema: serializeSchema(fn.outputSchema ?? EMPTY_SCHEMA),
      parameterDefaultValues: fn.parameterDefaultValues ?? null,
      stability: fn.stability === undefined ? 'CONSISTENT' : fn.stability,
      nullHandling: fn.nullHandling === undefined ? 'DEFAULT' : fn.nullHandling,
      argumentMonotonicity: fn.argumentMonotonicity ?? null,
      description: fn.description ?? '',
      examples: (fn.examples ?? []).map((e) => ({ ...e, expectedOutput: e.expectedOutput ?? null })),
      categories: fn.categories ?? [],
      projectionPushdown: fn.projectionPushdown === undefined ? false : fn.projectionPushdown,
      filterPushdown: fn.filterPushdown === undefined ? false : fn.filterPushdown,
      samplingPushdown: fn.samplingPushdown === undefined ? false : fn.samplingPushdown,
      lateMaterialization: fn.lateMaterialization ?? null,
      filterSemanticProfiles: fn.filterSemanticProfiles ?? [],
      // Generation A's predecessor of the filter profiles; Silo advertises no expression filters there.
      supportedExpressionFilters: [],
      additionalFilterFunctions: fn.additionalFilterFunctions ?? [],
      runtimeFilterAlgorithms: fn.runtimeFilterAlgorithms ?? [],
      filterEvaluationContexts: (fn.filterEvaluationContexts ?? []).map((c) => ({
        ...c,
        providerFingerprint: c.providerFingerprint ?? null,
      })),
      orderPreservation: fn.orderPreservation === undefined ? 'NO_ORDER_GUARANTEE' : fn.orderPreservation,
      maxWorkers,
      supportsBatchIndex: supportsIndex,
      supportsSplits: fn.supportsSplits ?? false,
      filtersExactlyApplied: fn.filtersExactlyApplied ?? false,
      supportsPositions: fn.supportsPositions ?? false,
      splitTokenTtlSeconds: fn.splitTokenTtlSeconds ?? null,
      partitionKind: fn.partitionKind ?? 'NOT_PARTITIONED',
      orderDependent: fn.orderDependent ?? 'NOT_ORDER_DEPENDENT',
      distinctDependent: fn.distinctDependent ?? 'NOT_DISTINCT_DEPENDENT',
      supportsWindow: fn.supportsWindow ?? false,
      streamingPartitioned: fn.streamingPartitioned ?? false,
      hasFinalize: fn.hasFinalize ?? true,
      sourceOrderDependent: fn.sourceOrderDependent ?? false,
      sinkOrderDependent: fn.sinkOrderDependent ?? false,
      requiresInputBatchIndex: requiresIndex,
      inputFromArgs: fn.inputFromArgs ?? false,
      requiredSettings: fn.requiredSettings ?? [],
      requiredSecrets: (fn.requiredSecrets ?? []).map((s) => ({
        secretType: s.secretType,
        scope: s.scope ?? null,
        secretName: s.secretName ?? null,
      })),
    },
    subject,
  );
}

/**
 * Decodes a FunctionInfo item (client side); `arguments` and `outputSchema` come back as schemas.
 */
export function decodeFunctionInfo(bytes: Uint8Array, schema: Schema = FUNCTION_INFO_SCHEMA): FunctionInfo {
  const rec = decodeRecord(bytes, schema, 'FunctionInfo');
  const { schemaName, supportedExpressionFilters: _filters, ...fields } = rec;
  return {
    // What generation A does not carry reads as vgi.v2's defaults.
    ...GENERATION_A_ABSENT,
    ...fields,
    schemaPath: Array.isArray(rec.schemaPath) ? rec.schemaPath : [schemaName as string],
    arguments: deserializeSchema(rec.arguments as Uint8Array, 'FunctionInfo.arguments'),
    outputSchema: deserializeSchema(rec.outputSchema as Uint8Array, 'FunctionInfo.output_schema'),
  } as unknown as FunctionInfo;
}

/** FunctionInfo fields of vgi.v2 that generation A does not send, at the values that mean "none". */
const GENERATION_A_ABSENT = {
  parameterDefaultValues: null,
  argumentMonotonicity: null,
  filterSemanticProfiles: [],
  additionalFilterFunctions: [],
  runtimeFilterAlgorithms: [],
  filterEvaluationContexts: [],
  supportsSplits: false,
  filtersExactlyApplied: false,
  supportsPositions: false,
  splitTokenTtlSeconds: null,
  inputFromArgs: false,
};

function isSchema(value: readonly ArgumentDescriptor[] | Schema): value is Schema {
  return !Array.isArray(value);
}
