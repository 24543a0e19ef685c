/**
 * `vgi_rpc.Reflection.v1` (vgi-wire §9): `list_protocols` and `describe`, built from the
 * same method table the request decoder validates against, so a client that builds its
 * requests from `params_schema_ipc` sends exactly what this worker accepts.
 */
import { createHash } from 'node:crypto';
import { serializeSchema } from '../arrow';
import { HOSTED_PROTOCOLS, type MethodSpec, outerResultSchema, type ProtocolSpec } from './method-table';
import { ProtocolNotSupportedError } from './protocol.error';
import { decodeRecord, encodeRecord } from './record.codec';
import { PROTOCOL_LIST_SCHEMA, SERVICE_DESCRIPTION_SCHEMA } from './reflection.schema';
import { REQUEST_FRAMING_VERSION } from './wire.constants';

/** One hosted protocol, as `list_protocols` reports it. */
interface ProtocolSummary {
  readonly protocol: string;
  readonly protocolVersion: string;
  readonly protocolHash: string;
  readonly deprecated: boolean;
  readonly deprecationMessage: string;
  readonly features: readonly string[];
}

/** The `list_protocols` result. */
export interface ProtocolList {
  readonly serverId: string;
  readonly serverVersion: string;
  readonly requestVersion: string;
  readonly protocols: readonly ProtocolSummary[];
}

/** One method, as `describe` reports it. */
interface MethodDescription {
  readonly name: string;
  readonly methodType: 'unary' | 'stream';
  readonly hasReturn: boolean;
  readonly hasHeader: boolean;
  readonly streamKind: '' | 'producer' | 'exchange' | 'unknown';
  readonly paramsSchemaIpc: Uint8Array;
  readonly resultSchemaIpc: Uint8Array;
  readonly headerSchemaIpc: Uint8Array;
  readonly idempotency: string;
  readonly deprecated: boolean;
  readonly deprecationMessage: string;
}

/** The `describe` result. */
export interface ServiceDescription extends ProtocolSummary {
  readonly methods: readonly MethodDescription[];
}

const EMPTY = new Uint8Array(0);

/**
 * How one method is described: schemas as IPC (schema + EOS), empty bytes where absent.
 */
function describeMethod(method: MethodSpec): MethodDescription {
  const hasReturn = method.kind === 'unary' && method.result !== null;
  return {
    name: method.name,
    methodType: method.kind,
    hasReturn,
    hasHeader: method.header !== null,
    // `init` serves both phases; the reference registers it as an exchange stream.
    streamKind: method.kind === 'unary' ? '' : 'exchange',
    paramsSchemaIpc: serializeSchema(method.params),
    resultSchemaIpc: hasReturn ? serializeSchema(outerResultSchema(method)) : EMPTY,
    headerSchemaIpc: method.header !== null ? serializeSchema(method.header) : EMPTY,
    idempotency: 'unknown',
    deprecated: false,
    deprecationMessage: '',
  };
}

/**
 * SHA-256 hex digest over a protocol's methods and their wire schemas (clients do not verify it).
 */
function protocolHash(protocol: ProtocolSpec): string {
  const hash = createHash('sha256').update(protocol.name).update('\0').update(protocol.version);
  for (const m of sortedMethods(protocol)) {
    const d = describeMethod(m);
    hash.update(`\0${d.name}\0${d.methodType}\0${d.hasReturn}\0${d.hasHeader}\0`);
    hash.update(d.paramsSchemaIpc).update(d.resultSchemaIpc).update(d.headerSchemaIpc);
  }
  return hash.digest('hex');
}

function sortedMethods(protocol: ProtocolSpec): MethodSpec[] {
  return [...protocol.methods.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function summary(protocol: ProtocolSpec): ProtocolSummary {
  return {
    protocol: protocol.name,
    protocolVersion: protocol.version,
    protocolHash: protocolHash(protocol),
    deprecated: false,
    deprecationMessage: '',
    features: [],
  };
}

/**
 * The `list_protocols` result record bytes.
 */
export function encodeProtocolList(server: { readonly serverId: string; readonly serverVersion: string }): Uint8Array {
  const names = [...HOSTED_PROTOCOLS.keys()].sort();
  const list: ProtocolList = {
    serverId: server.serverId,
    serverVersion: server.serverVersion,
    requestVersion: REQUEST_FRAMING_VERSION,
    protocols: names.map((n) => summary(HOSTED_PROTOCOLS.get(n)!)),
  };
  return encodeRecord(PROTOCOL_LIST_SCHEMA, list as unknown as Record<string, unknown>, 'list_protocols result');
}

/**
 * The `describe` result record bytes for one hosted protocol.
 */
export function encodeServiceDescription(protocolName: string): Uint8Array {
  const protocol = HOSTED_PROTOCOLS.get(protocolName);
  if (protocol === undefined) throw new ProtocolNotSupportedError(protocolName, [...HOSTED_PROTOCOLS.keys()].sort());
  const description: ServiceDescription = {
    ...summary(protocol),
    methods: sortedMethods(protocol).map(describeMethod),
  };
  return encodeRecord(
    SERVICE_DESCRIPTION_SCHEMA,
    description as unknown as Record<string, unknown>,
    `describe result of ${protocolName}`,
  );
}

/**
 * Decodes a `list_protocols` result record.
 */
export function decodeProtocolList(bytes: Uint8Array): ProtocolList {
  return decodeRecord(bytes, PROTOCOL_LIST_SCHEMA, 'list_protocols result') as unknown as ProtocolList;
}

/**
 * Decodes a `describe` result record.
 */
export function decodeServiceDescription(bytes: Uint8Array): ServiceDescription {
  return decodeRecord(bytes, SERVICE_DESCRIPTION_SCHEMA, 'describe result') as unknown as ServiceDescription;
}
