/**
 * The vgi.v2 records as plain TypeScript objects (camelCase; the wire uses snake_case).
 * Bytes are `Uint8Array`, int64 is `bigint`, enums are member names, maps are plain objects.
 */
import { type DataType, type RecordBatch, type Schema } from 'apache-arrow';
import {
  type CatalogObjectType,
  type FunctionType,
  type InitPhase,
  type OrderByDirection,
  type OrderByNullOrder,
} from './enums';

/** A DuckDB release of a catalog (CatalogInfo.releases). */
interface CatalogRelease {
  readonly version: string;
  /** Epoch milliseconds (the wire holds microseconds, UTC). */
  readonly releasedAt: number | null;
  readonly summary: string;
  readonly notesUrl: string | null;
}

/** CatalogInfo (§4.1). */
export interface CatalogInfo {
  readonly name: string;
  readonly implementationVersion: string | null;
  readonly dataVersionSpec: string | null;
  /** Serialized AttachOptionSpec records; `[]` = no ATTACH options accepted. */
  readonly attachOptionSpecs: readonly Uint8Array[];
  readonly releases: readonly CatalogRelease[];
  readonly sourceUrl: string | null;
}

/** ClientCapabilities (§4.2), when the client sends them. */
export interface ClientCapabilities {
  readonly engine: string;
  readonly nativeFormats: readonly string[];
  readonly catalogs: readonly string[];
  readonly canStream: boolean;
  readonly filterEncodings: readonly string[];
}

/** CatalogAttachRequest (§4.2), decoded. */
export interface CatalogAttachRequest {
  readonly name: string;
  /** ATTACH options by name (the nested 1-row batch, values as plain JS); `{}` when none. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly dataVersionSpec: string | null;
  readonly implementationVersion: string | null;
  /** `null` when absent or undecodable (the worker may ignore them). */
  readonly clientCapabilities: ClientCapabilities | null;
}

/** A setting spec of CatalogAttachResult.settings (§4.2). */
export interface SettingSpec {
  readonly name: string;
  readonly description: string;
  /** The setting's type (one field named `value`). */
  readonly type: DataType;
  /** The default, or `null`/absent for none. */
  readonly defaultValue?: unknown;
}

/** A secret-type spec of CatalogAttachResult.secret_types (§4.2). */
export interface SecretTypeSpec {
  readonly name: string;
  readonly description: string;
  /** One field per secret parameter; field metadata `redact` marks secret values. */
  readonly parametersSchema: Schema;
}

/** CatalogAttachResult (§4.2). Encoders fill the reference defaults for omitted fields. */
export interface CatalogAttachResult {
  readonly attachOpaqueData: Uint8Array;
  readonly supportsTransactions: boolean;
  readonly supportsTimeTravel: boolean;
  readonly catalogVersionFrozen: boolean;
  readonly catalogVersion: bigint;
  readonly attachOpaqueDataRequired: boolean;
  readonly defaultSchema: string;
  /** Serialized setting specs. */
  readonly settings: readonly Uint8Array[];
  /** Serialized secret-type specs. */
  readonly secretTypes: readonly Uint8Array[];
  readonly attachCatalogs: readonly Uint8Array[];
  readonly comment: string | null;
  readonly tags: Readonly<Record<string, string | null>>;
  readonly supportsColumnStatistics: boolean;
  readonly globalFunctions: readonly Uint8Array[];
  readonly globalFunctionPrefix: string;
  readonly resolvedDataVersion: string | null;
  readonly resolvedImplementationVersion: string | null;
}

/** SchemaInfo (§4.5). */
export interface SchemaInfo {
  readonly comment: string | null;
  readonly tags: Readonly<Record<string, string | null>>;
  readonly attachOpaqueData: Uint8Array;
  readonly path: readonly string[];
  /** Per-kind object counts (`table`, `view`, ..., `table_function`, `macro`); `null` = unknown. */
  readonly estimatedObjectCount: Readonly<Record<string, bigint | null>> | null;
}

/** Bind arguments (§4.8), by position (scalar positionals only) and by name (only the supplied ones). */
export interface BindArguments {
  /** `positional_<i>` values; the TABLE argument is not counted. */
  readonly positional: readonly unknown[];
  /** `named_<name>` values the user supplied; omitted named arguments are absent. */
  readonly named: Readonly<Record<string, unknown>>;
  /** The Arrow types of those values, as DuckDB cast them. */
  readonly types: {
    readonly positional: readonly DataType[];
    readonly named: Readonly<Record<string, DataType>>;
  };
}

/** One resolved secret from BindRequest.secrets (§4.8). */
export interface ResolvedSecret {
  /** The column the secret travelled in. */
  readonly column: string;
  /** The secret type: the `type` child, else field metadata `secret_type`, else the column name. */
  readonly type: string;
  readonly name: string | null;
  readonly provider: string | null;
  /** Scope prefixes (the wire joins them with `\n`). */
  readonly scope: readonly string[];
  /** The secret's own key/value pairs (without type/provider/name/scope). */
  readonly values: Readonly<Record<string, unknown>>;
}

/** BindRequest (§4.8), decoded. */
export interface BindRequest {
  readonly functionName: string;
  readonly arguments: BindArguments;
  /** `TABLE` for a buffering call: resolve by (schemaPath, functionName), not by type. */
  readonly functionType: FunctionType | string;
  readonly inputSchema: Schema | null;
  /** DuckDB settings listed in `required_settings`, by name; `{}` when none. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly secrets: readonly ResolvedSecret[];
  readonly attachOpaqueData: Uint8Array | null;
  readonly transactionOpaqueData: Uint8Array | null;
  readonly resolvedSecretsProvided: boolean;
  readonly atUnit: string | null;
  readonly atValue: string | null;
  readonly copyFrom: { readonly format: string; readonly filePath: string; readonly expectedSchema: Uint8Array } | null;
  readonly copyTo: { readonly format: string; readonly filePath: string } | null;
  readonly schemaPath: readonly string[] | null;
  readonly argumentNames: readonly string[] | null;
  /** The exact nested bytes (what the extension later sends as `InitRequest.bind_call`). */
  readonly bytes: Uint8Array;
}

/** BindResponse (§4.8). */
export interface BindResponse {
  readonly outputSchema: Schema;
  readonly opaqueData: Uint8Array | null;
  /** Two-pass secret lookup: aligned lists, `[]` normally. */
  readonly lookupSecretTypes: readonly string[];
  readonly lookupScopes: readonly string[];
  readonly lookupNames: readonly string[];
}

/** InitRequest (§4.9), decoded. */
export interface InitRequest {
  readonly bindCall: BindRequest;
  /** The bound output schema (full, not projected). */
  readonly outputSchema: Schema;
  readonly bindOpaqueData: Uint8Array | null;
  /** Output column indices to emit, in order; `null` = all. */
  readonly projectionIds: readonly number[] | null;
  readonly pushdownFilters: Uint8Array | null;
  readonly joinKeys: readonly Uint8Array[] | null;
  readonly splitTokens: readonly Uint8Array[] | null;
  readonly rowLimit: bigint | null;
  readonly phase: InitPhase | null;
  readonly finalizeStateId: Uint8Array | null;
  readonly executionId: Uint8Array | null;
  readonly initOpaqueData: Uint8Array | null;
  readonly substreamId: Uint8Array | null;
  readonly orderByColumnName: string | null;
  readonly orderByDirection: OrderByDirection | null;
  readonly orderByNullOrder: OrderByNullOrder | null;
  readonly orderByLimit: bigint | null;
  readonly tablesamplePercentage: number | null;
  readonly tablesampleSeed: bigint | null;
  /** The exact nested InitRequest bytes (to persist the init context). */
  readonly bytes: Uint8Array;
}

/** GlobalInitResponse (§4.9): the `init` header. */
export interface GlobalInitResponse {
  readonly executionId: Uint8Array;
  readonly opaqueData: Uint8Array | null;
  readonly maxWorkers: bigint;
}

/** TableBufferingProcessRequest (§4.10), decoded. */
export interface ProcessRequest {
  readonly functionName: string;
  readonly executionId: Uint8Array;
  /** The input chunk (≤ 2048 rows), decoded. */
  readonly inputBatch: RecordBatch;
  /** The input chunk's schema (every field nullable, as DuckDB sends it). */
  readonly inputSchema: Schema;
  /** The nested IPC bytes of the chunk, unchanged (cheap to store as is). */
  readonly inputBatchBytes: Uint8Array;
  readonly attachOpaqueData: Uint8Array | null;
  readonly transactionId: Uint8Array | null;
  readonly batchIndex: bigint | null;
  readonly schemaPath: readonly string[] | null;
}

/** TableBufferingCombineRequest (§4.11), decoded. */
export interface CombineRequest {
  readonly functionName: string;
  readonly executionId: Uint8Array;
  /** The last state_id of each sink thread, duplicates kept. */
  readonly stateIds: readonly Uint8Array[];
  readonly attachOpaqueData: Uint8Array | null;
  readonly transactionId: Uint8Array | null;
  readonly schemaPath: readonly string[] | null;
}

/** TableBufferingDestructorRequest (§4.12), decoded. */
export interface DestructorRequest {
  readonly functionName: string;
  readonly executionId: Uint8Array;
  readonly attachOpaqueData: Uint8Array | null;
  readonly transactionId: Uint8Array | null;
  readonly schemaPath: readonly string[] | null;
}

/** Params of methods taking `attach_opaque_data` (+ optional transaction). */
export interface AttachParams {
  readonly attachOpaqueData: Uint8Array;
  readonly transactionOpaqueData: Uint8Array | null;
}

/** Params of the path-scoped listings (`_tables`, `_views`, `_indexes`, `catalog_schema_get`). */
export interface PathParams extends AttachParams {
  readonly path: readonly string[];
}

/** Params of `catalog_schema_contents_functions` / `_macros`. */
export interface TypedPathParams extends PathParams {
  readonly type: CatalogObjectType | string;
}

/** Params of `catalog_table_get` / `_view_get` / `_macro_get`. */
export interface NamedGetParams extends AttachParams {
  readonly schemaPath: readonly string[];
  readonly name: string;
  readonly atUnit?: string | null;
  readonly atValue?: string | null;
}
