/**
 * BindRequest / BindResponse (vgi-wire §4.8): the arguments struct decoded into
 * positional and named values, settings and secrets into plain objects.
 */
import { type DataType, type RecordBatch, type Schema, Type } from 'apache-arrow';
import {
  deserializeSchema,
  field,
  makeRowsBatch,
  readIpcStream,
  schemaOf,
  serializeBatch,
  serializeSchema,
  toPlainValue,
  wire,
} from '../arrow';
import { type FunctionType } from './enums';
import { BIND_RESPONSE_SCHEMA } from './lifecycle.schema';
import { RecordEncodeError, RequestFormatError } from './protocol.error';
import { type ProtocolSpec, readOptionsOf, recordSchema, VGI_V2_PROTOCOL } from './method-table';
import { decodeRecord, encodeRecord, type PlainRecord } from './record.codec';
import { type BindArguments, type BindRequest, type BindResponse, type ResolvedSecret } from './records.types';
import { readNestedRow } from './values';

/** One argument value with its Arrow type (client side). */
interface TypedValue {
  readonly type: DataType;
  readonly value: unknown;
}

/** BindRequest as a client sends it; omitted fields are null/empty/false, `functionType` is `TABLE`. */
export interface BindRequestInput {
  readonly functionName: string;
  readonly arguments?: BindArguments | Uint8Array;
  readonly functionType?: FunctionType | string;
  readonly inputSchema?: Schema | Uint8Array | null;
  /** A 1-row batch with one column per setting, or its IPC bytes. */
  readonly settings?: RecordBatch | Uint8Array | null;
  /** A 1-row batch with one struct column per secret, or its IPC bytes. */
  readonly secrets?: RecordBatch | Uint8Array | null;
  readonly attachOpaqueData?: Uint8Array | null;
  readonly transactionOpaqueData?: Uint8Array | null;
  readonly resolvedSecretsProvided?: boolean;
  readonly atUnit?: string | null;
  readonly atValue?: string | null;
  readonly copyFrom?: BindRequest['copyFrom'];
  readonly copyTo?: BindRequest['copyTo'];
  readonly schemaPath?: readonly string[] | null;
  readonly argumentNames?: readonly string[] | null;
}

/** BindResponse as a worker returns it. */
export interface BindResponseInput {
  readonly outputSchema: Schema;
  readonly opaqueData?: Uint8Array | null;
  readonly lookupSecretTypes?: readonly string[];
  readonly lookupScopes?: readonly string[];
  readonly lookupNames?: readonly string[];
}

const EMPTY_ARGUMENTS: BindArguments = { positional: [], named: {}, types: { positional: [], named: {} } };

/**
 * Bind arguments from typed values (client side).
 */
export function bindArguments(
  positional: readonly TypedValue[],
  named: Readonly<Record<string, TypedValue>> = {},
): BindArguments {
  const namedTypes: Record<string, DataType> = {};
  const namedValues: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(named)) {
    namedTypes[name] = v.type;
    namedValues[name] = v.value;
  }
  return {
    positional: positional.map((p) => p.value),
    named: namedValues,
    types: { positional: positional.map((p) => p.type), named: namedTypes },
  };
}

/**
 * The nested `arguments` IPC: one row, one column `args: struct<positional_<i>?, named_<name>?>?`;
 * with no arguments the struct has no children and the row is null.
 */
export function encodeBindArguments(args: BindArguments): Uint8Array {
  if (args.positional.length !== args.types.positional.length) {
    throw new RecordEncodeError(
      'BindRequest.arguments',
      `${args.positional.length} positional value(s) but ${args.types.positional.length} type(s). Give one type per value.`,
    );
  }
  const children = [
    ...args.types.positional.map((t, i) => field(`positional_${i}`, t, true)),
    ...Object.entries(args.types.named).map(([name, t]) => field(`named_${name}`, t, true)),
  ];
  const value: Record<string, unknown> = {};
  args.positional.forEach((v, i) => (value[`positional_${i}`] = v));
  for (const name of Object.keys(args.types.named)) value[`named_${name}`] = args.named[name];
  const schema = schemaOf([field('args', wire.struct(children), true)]);
  return serializeBatch(makeRowsBatch(schema, [{ args: children.length === 0 ? null : value }]));
}

/**
 * Reads the nested `arguments` IPC into positional and named values (plain JS) with their types.
 */
export function decodeBindArguments(bytes: Uint8Array): BindArguments {
  const { schema, batches } = readArgumentsStream(bytes);
  if (batches.length === 0 || batches[0].numRows === 0 || schema.fields.length === 0) return EMPTY_ARGUMENTS;
  const index = Math.max(
    0,
    schema.fields.findIndex((f) => f.name === 'args'),
  );
  const structField = schema.fields[index];
  if (structField.type.typeId !== Type.Struct) {
    throw new RequestFormatError(
      `BindRequest.arguments: column "${structField.name}" is ${String(structField.type)}, expected a struct of positional_<i> / named_<name> children.`,
    );
  }
  const row = toPlainValue(batches[0].getChildAt(index)!.get(0), structField.type) as Record<string, unknown> | null;
  const positional: unknown[] = [];
  const positionalTypes: DataType[] = [];
  const named: Record<string, unknown> = {};
  const namedTypes: Record<string, DataType> = {};
  for (const child of structField.type.children) {
    const value = row === null ? null : row[child.name];
    const pos = /^positional_(\d+)$/.exec(child.name);
    if (pos !== null) {
      const at = Number(pos[1]);
      positional[at] = value;
      positionalTypes[at] = child.type;
    } else if (child.name.startsWith('named_')) {
      named[child.name.slice('named_'.length)] = value;
      namedTypes[child.name.slice('named_'.length)] = child.type;
    }
  }
  return { positional, named, types: { positional: positionalTypes, named: namedTypes } };
}

function readArgumentsStream(bytes: Uint8Array): ReturnType<typeof readIpcStream> {
  try {
    return readIpcStream(bytes, 'BindRequest.arguments');
  } catch (cause) {
    throw new RequestFormatError('BindRequest.arguments: the nested IPC bytes are not a readable Arrow stream.', {
      cause,
    });
  }
}

/**
 * Reads `BindRequest.secrets`: one struct column per secret. The secret type is its `type`
 * child, else the column's `secret_type` field metadata, else the column name (vgi-wire §4.8).
 */
export function decodeSecrets(bytes: Uint8Array | null): ResolvedSecret[] {
  if (bytes === null || bytes.length === 0) return [];
  let stream: ReturnType<typeof readIpcStream>;
  try {
    stream = readIpcStream(bytes, 'BindRequest.secrets');
  } catch (cause) {
    throw new RequestFormatError('BindRequest.secrets: the nested IPC bytes are not a readable Arrow stream.', {
      cause,
    });
  }
  const { schema, batches } = stream;
  if (batches.length === 0 || batches[0].numRows === 0) return [];
  const out: ResolvedSecret[] = [];
  schema.fields.forEach((f, i) => {
    const value = toPlainValue(batches[0].getChildAt(i)!.get(0), f.type);
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value)) return;
    const { type, provider, name, scope, ...values } = value as Record<string, unknown>;
    const scopeText = typeof scope === 'string' ? scope : (f.metadata.get('scope') ?? '');
    out.push({
      column: f.name,
      type: typeof type === 'string' ? type : (f.metadata.get('secret_type') ?? f.name),
      name: typeof name === 'string' ? name : null,
      provider: typeof provider === 'string' ? provider : null,
      scope: scopeText.split('\n').filter((s) => s.length > 0),
      values,
    });
  });
  return out;
}

/**
 * Decodes a nested BindRequest (also used for `InitRequest.bind_call`).
 */
export function decodeBindRequest(bytes: Uint8Array, protocol: ProtocolSpec = VGI_V2_PROTOCOL): BindRequest {
  const rec = decodeRecord(bytes, recordSchema(protocol, 'bind', 'request'), 'BindRequest', readOptionsOf(protocol));
  const inputSchema = rec.inputSchema as Uint8Array | null;
  const settings = rec.settings as Uint8Array | null;
  return {
    functionName: rec.functionName as string,
    arguments: decodeBindArguments(rec.arguments as Uint8Array),
    functionType: rec.functionType as string,
    inputSchema:
      inputSchema && inputSchema.length > 0 ? deserializeSchema(inputSchema, 'BindRequest.input_schema') : null,
    settings: settings && settings.length > 0 ? readNestedRow(settings, 'BindRequest.settings') : {},
    secrets: decodeSecrets(rec.secrets as Uint8Array | null),
    attachOpaqueData: rec.attachOpaqueData as Uint8Array | null,
    transactionOpaqueData: rec.transactionOpaqueData as Uint8Array | null,
    resolvedSecretsProvided: rec.resolvedSecretsProvided as boolean,
    atUnit: rec.atUnit as string | null,
    atValue: rec.atValue as string | null,
    copyFrom: rec.copyFrom as BindRequest['copyFrom'],
    copyTo: rec.copyTo as BindRequest['copyTo'],
    schemaPath: schemaPathOf(rec),
    argumentNames: (rec.argumentNames ?? null) as string[] | null,
    bytes,
  };
}

/**
 * Nested BindRequest bytes (client side).
 */
export function encodeBindRequest(input: BindRequestInput, protocol: ProtocolSpec = VGI_V2_PROTOCOL): Uint8Array {
  const args = input.arguments ?? EMPTY_ARGUMENTS;
  return encodeRecord(
    recordSchema(protocol, 'bind', 'request'),
    {
      functionName: input.functionName,
      arguments: args instanceof Uint8Array ? args : encodeBindArguments(args),
      functionType: input.functionType ?? 'TABLE',
      inputSchema:
        input.inputSchema instanceof Uint8Array || !input.inputSchema
          ? (input.inputSchema ?? null)
          : serializeSchema(input.inputSchema),
      settings: batchBytes(input.settings),
      secrets: batchBytes(input.secrets),
      attachOpaqueData: input.attachOpaqueData ?? null,
      transactionOpaqueData: input.transactionOpaqueData ?? null,
      resolvedSecretsProvided: input.resolvedSecretsProvided ?? false,
      atUnit: input.atUnit ?? null,
      atValue: input.atValue ?? null,
      copyFrom: input.copyFrom ?? null,
      copyTo: input.copyTo ?? null,
      schemaPath: input.schemaPath ?? null,
      schemaName: lastOf(input.schemaPath),
      argumentNames: input.argumentNames ?? null,
    },
    `BindRequest "${input.functionName}"`,
  );
}

function batchBytes(value: RecordBatch | Uint8Array | null | undefined): Uint8Array | null {
  if (value === null || value === undefined) return null;
  return value instanceof Uint8Array ? value : serializeBatch(value);
}

/**
 * BindResponse record bytes. The lookup lists must be aligned (same length).
 */
export function encodeBindResponse(response: BindResponseInput, schema: Schema = BIND_RESPONSE_SCHEMA): Uint8Array {
  const types = response.lookupSecretTypes ?? [];
  const scopes = response.lookupScopes ?? [];
  const names = response.lookupNames ?? [];
  if (types.length !== scopes.length || types.length !== names.length) {
    throw new RecordEncodeError(
      'BindResponse',
      `the secret lookup lists must be aligned, got ${types.length} type(s), ${scopes.length} scope(s), ${names.length} name(s). Give one scope and one name ("" = by scope) per type.`,
    );
  }
  return encodeRecord(
    schema,
    {
      outputSchema: serializeSchema(response.outputSchema),
      opaqueData: response.opaqueData ?? null,
      lookupSecretTypes: types,
      lookupScopes: scopes,
      lookupNames: names,
    },
    'BindResponse',
    // Generation A flags opaque_data non-null and reads a null value as "no bind state".
    { acceptNulls: true },
  );
}

/**
 * Decodes a BindResponse record (client side).
 */
export function decodeBindResponse(bytes: Uint8Array, schema: Schema = BIND_RESPONSE_SCHEMA): BindResponse {
  const rec = decodeRecord(bytes, schema, 'BindResponse', { acceptNulls: true });
  return {
    outputSchema: deserializeSchema(rec.outputSchema as Uint8Array, 'BindResponse.output_schema'),
    opaqueData: rec.opaqueData as Uint8Array | null,
    lookupSecretTypes: rec.lookupSecretTypes as string[],
    lookupScopes: rec.lookupScopes as string[],
    lookupNames: rec.lookupNames as string[],
  };
}

/**
 * The schema a request names: vgi.v2 sends a path, generation A at 1.3 the schema's name,
 * 1.0 neither (the function is then resolved by name alone).
 */
export function schemaPathOf(rec: PlainRecord): string[] | null {
  if (Array.isArray(rec.schemaPath)) return rec.schemaPath as string[];
  return typeof rec.schemaName === 'string' && rec.schemaName !== '' ? [rec.schemaName] : null;
}

/** The last element of a schema path: the schema's name, as generation A sends it. */
export function lastOf(path: readonly string[] | null | undefined): string | null {
  return path && path.length > 0 ? path[path.length - 1] : null;
}
