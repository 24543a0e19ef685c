/**
 * Encoding and decoding of the catalog records: CatalogInfo, CatalogAttachRequest,
 * CatalogAttachResult (with setting and secret-type specs) and SchemaInfo (vgi-wire §4.1–§4.5).
 */
import { type Schema } from 'apache-arrow';
import { deserializeSchema, field, makeRowsBatch, schemaOf, serializeBatch, serializeSchema } from '../arrow';
import {
  CATALOG_ATTACH_RESULT_SCHEMA,
  CATALOG_INFO_SCHEMA,
  CLIENT_CAPABILITIES_SCHEMA,
  SCHEMA_INFO_SCHEMA,
  SECRET_TYPE_SPEC_SCHEMA,
  SETTING_SPEC_SCHEMA,
} from './catalog.schema';
import { OBJECT_COUNT_KINDS, type ObjectCountKind } from './enums';
import { RecordEncodeError } from './protocol.error';
import { type ProtocolSpec, readOptionsOf, recordSchema, VGI_V2_PROTOCOL } from './method-table';
import { decodeRecord, encodeRecord, type PlainRecord } from './record.codec';
import {
  type CatalogAttachRequest,
  type CatalogAttachResult,
  type CatalogInfo,
  type ClientCapabilities,
  type SchemaInfo,
  type SecretTypeSpec,
  type SettingSpec,
} from './records.types';
import { readNestedRow, toBigInt } from './values';

/** CatalogInfo as an encoder accepts it: only `name` is required. */
export type CatalogInfoInput = Pick<CatalogInfo, 'name'> & Partial<CatalogInfo>;

/** SchemaInfo as an encoder accepts it: only `path` is required. */
export type SchemaInfoInput = Pick<SchemaInfo, 'path'> & Partial<SchemaInfo>;

/** CatalogAttachResult as an encoder accepts it: reference defaults fill what is omitted. */
export type CatalogAttachResultInput = Pick<CatalogAttachResult, 'attachOpaqueData'> &
  Partial<Omit<CatalogAttachResult, 'settings' | 'secretTypes' | 'catalogVersion'>> & {
    readonly settings?: readonly (Uint8Array | SettingSpec)[];
    readonly secretTypes?: readonly (Uint8Array | SecretTypeSpec)[];
    readonly catalogVersion?: bigint | number;
  };

/** CatalogAttachRequest as a client sends it. */
export interface CatalogAttachRequestInput {
  readonly name: string;
  /** A 1-row batch with one typed column per ATTACH option, or its IPC bytes. */
  readonly options?: Uint8Array | null;
  readonly dataVersionSpec?: string | null;
  readonly implementationVersion?: string | null;
  readonly clientCapabilities?: ClientCapabilities | null;
}

/**
 * CatalogInfo bytes (one `catalog_catalogs` item).
 */
export function encodeCatalogInfo(info: CatalogInfoInput, schema: Schema = CATALOG_INFO_SCHEMA): Uint8Array {
  return encodeRecord(
    schema,
    {
      implementationVersion: null,
      dataVersionSpec: null,
      attachOptionSpecs: [],
      releases: [],
      sourceUrl: null,
      ...info,
    },
    `CatalogInfo "${info.name}"`,
  );
}

/**
 * Decodes a CatalogInfo item.
 */
export function decodeCatalogInfo(bytes: Uint8Array, schema: Schema = CATALOG_INFO_SCHEMA): CatalogInfo {
  return decodeRecord(bytes, schema, 'CatalogInfo') as unknown as CatalogInfo;
}

/**
 * Nested CatalogAttachRequest bytes (client side).
 */
export function encodeCatalogAttachRequest(
  input: CatalogAttachRequestInput,
  protocol: ProtocolSpec = VGI_V2_PROTOCOL,
): Uint8Array {
  const capabilities = input.clientCapabilities
    ? encodeRecord(CLIENT_CAPABILITIES_SCHEMA, input.clientCapabilities as unknown as PlainRecord, 'ClientCapabilities')
    : null;
  return encodeRecord(
    recordSchema(protocol, 'catalog_attach', 'request'),
    {
      name: input.name,
      options: input.options ?? null,
      dataVersionSpec: input.dataVersionSpec ?? null,
      implementationVersion: input.implementationVersion ?? null,
      clientCapabilities: capabilities,
    },
    'CatalogAttachRequest',
    // Generation A flags `options` non-null and sends null when there are none, as the extension does.
    { acceptNulls: protocol.generation === 'A' },
  );
}

/**
 * Decodes a nested CatalogAttachRequest; ATTACH options become a `{ name: value }` object.
 */
export function decodeCatalogAttachRequest(
  bytes: Uint8Array,
  protocol: ProtocolSpec = VGI_V2_PROTOCOL,
): CatalogAttachRequest {
  const rec = decodeRecord(
    bytes,
    recordSchema(protocol, 'catalog_attach', 'request'),
    'CatalogAttachRequest',
    readOptionsOf(protocol),
  );
  const optionBytes = rec.options as Uint8Array | null;
  let clientCapabilities: ClientCapabilities | null = null;
  if (rec.clientCapabilities instanceof Uint8Array && rec.clientCapabilities.length > 0) {
    try {
      clientCapabilities = decodeRecord(
        rec.clientCapabilities,
        CLIENT_CAPABILITIES_SCHEMA,
        'ClientCapabilities',
      ) as unknown as ClientCapabilities;
    } catch {
      // Optional and informative only (vgi-wire §4.2): an unreadable value is treated as absent.
      clientCapabilities = null;
    }
  }
  return {
    name: rec.name as string,
    options: optionBytes && optionBytes.length > 0 ? readNestedRow(optionBytes, 'CatalogAttachRequest.options') : {},
    dataVersionSpec: rec.dataVersionSpec as string | null,
    implementationVersion: rec.implementationVersion as string | null,
    clientCapabilities,
  };
}

/**
 * Setting spec bytes: `type` is a serialized schema with one field `value`, the default a
 * nested 1-row batch of that schema.
 */
export function encodeSettingSpec(spec: SettingSpec): Uint8Array {
  const valueSchema = schemaOf([field('value', spec.type, true)]);
  const hasDefault = spec.defaultValue !== undefined && spec.defaultValue !== null;
  return encodeRecord(
    SETTING_SPEC_SCHEMA,
    {
      name: spec.name,
      description: spec.description,
      type: serializeSchema(valueSchema),
      defaultValue: hasDefault ? serializeBatch(makeRowsBatch(valueSchema, [{ value: spec.defaultValue }])) : null,
    },
    `setting "${spec.name}"`,
  );
}

/**
 * Secret-type spec bytes.
 */
export function encodeSecretTypeSpec(spec: SecretTypeSpec): Uint8Array {
  return encodeRecord(
    SECRET_TYPE_SPEC_SCHEMA,
    { name: spec.name, description: spec.description, parametersSchema: serializeSchema(spec.parametersSchema) },
    `secret type "${spec.name}"`,
  );
}

/**
 * CatalogAttachResult record bytes, with the reference defaults for omitted fields
 * (frozen catalog version 1, `main`, empty lists, `attach_opaque_data_required`).
 */
export function encodeCatalogAttachResult(
  input: CatalogAttachResultInput,
  schema: Schema = CATALOG_ATTACH_RESULT_SCHEMA,
): Uint8Array {
  const version = toBigInt(input.catalogVersion ?? 1n);
  if (version === 0n) {
    throw new RecordEncodeError(
      'CatalogAttachResult',
      'catalogVersion 0 means "unknown" and makes DuckDB drop its catalog cache on every transaction. Use a non-zero constant.',
    );
  }
  return encodeRecord(
    schema,
    {
      supportsTransactions: false,
      supportsTimeTravel: false,
      catalogVersionFrozen: true,
      attachOpaqueDataRequired: true,
      defaultSchema: 'main',
      attachCatalogs: [],
      comment: null,
      tags: {},
      supportsColumnStatistics: false,
      globalFunctions: [],
      globalFunctionPrefix: '',
      resolvedDataVersion: null,
      resolvedImplementationVersion: null,
      ...input,
      catalogVersion: version,
      settings: (input.settings ?? []).map((s) => (s instanceof Uint8Array ? s : encodeSettingSpec(s))),
      secretTypes: (input.secretTypes ?? []).map((s) => (s instanceof Uint8Array ? s : encodeSecretTypeSpec(s))),
    },
    'CatalogAttachResult',
  );
}

/**
 * Decodes a CatalogAttachResult record (client side).
 */
export function decodeCatalogAttachResult(
  bytes: Uint8Array,
  schema: Schema = CATALOG_ATTACH_RESULT_SCHEMA,
): CatalogAttachResult {
  // Generation A at 1.0 has no attach catalogs or global functions: they read as none.
  return {
    attachCatalogs: [],
    globalFunctions: [],
    globalFunctionPrefix: '',
    ...decodeRecord(bytes, schema, 'CatalogAttachResult'),
  } as unknown as CatalogAttachResult;
}

/**
 * SchemaInfo bytes (one `catalog_schemas` item).
 */
export function encodeSchemaInfo(info: SchemaInfoInput, schema: Schema = SCHEMA_INFO_SCHEMA): Uint8Array {
  // Generation A names the schema (`name`) where vgi.v2 sends its path.
  const name = info.path[info.path.length - 1] ?? '';
  return encodeRecord(
    schema,
    { comment: null, tags: {}, attachOpaqueData: new Uint8Array(0), estimatedObjectCount: null, name, ...info },
    `SchemaInfo ${JSON.stringify(info.path)}`,
  );
}

/**
 * Decodes a SchemaInfo item.
 */
export function decodeSchemaInfo(bytes: Uint8Array, schema: Schema = SCHEMA_INFO_SCHEMA): SchemaInfo {
  const rec = decodeRecord(bytes, schema, 'SchemaInfo');
  if (rec.path === undefined && typeof rec.name === 'string') {
    const { name, ...rest } = rec;
    return { ...rest, path: [name] } as unknown as SchemaInfo;
  }
  return rec as unknown as SchemaInfo;
}

/**
 * All seven `estimated_object_count` keys, 0 unless given — what a buffering-only worker
 * sends (a missing key would count as 1 and trigger useless listings).
 */
export function objectCounts(
  counts: Partial<Record<ObjectCountKind, number | bigint>>,
): Record<ObjectCountKind, bigint> {
  const out = {} as Record<ObjectCountKind, bigint>;
  for (const kind of OBJECT_COUNT_KINDS) out[kind] = toBigInt(counts[kind] ?? 0);
  return out;
}

/**
 * Reads a setting spec back (client side): name, description, value type and default.
 */
export function decodeSettingSpec(bytes: Uint8Array): SettingSpec {
  const rec = decodeRecord(bytes, SETTING_SPEC_SCHEMA, 'setting spec');
  const valueSchema: Schema = deserializeSchema(rec.type as Uint8Array, 'setting spec type');
  const defaultBytes = rec.defaultValue as Uint8Array | null;
  return {
    name: rec.name as string,
    description: rec.description as string,
    type: valueSchema.fields[0].type,
    defaultValue: defaultBytes ? readNestedRow(defaultBytes, 'setting default').value : null,
  };
}
