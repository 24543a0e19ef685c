/**
 * Server side: one request stream → a typed, validated request, or a refusal to answer
 * with an error stream. Validation follows the reference order (vgi-wire §3.2): no batch,
 * method key, framing version, row count, routing key, method, parameter schema,
 * protocol version gate, then the nested records.
 *
 * The routing key picks the generation: present means vgi.v2 (or reflection); absent means
 * wire generation A, served at the `vgi_rpc.protocol_version` the request carries (1.0.x
 * or 1.3.x, vgi-wire-gen-a §1). Each version's shapes come from its method table.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { EMPTY_SCHEMA, readIpcStream, readSingleRowStream, type SingleRow } from '../arrow';
import { decodeBindRequest } from './bind.codec';
import { decodeCombineRequest, decodeDestructorRequest, decodeProcessRequest } from './buffering.codec';
import { decodeCatalogAttachRequest } from './catalog.codec';
import { decodeInitRequest } from './init.codec';
import {
  GENERATION_A_PROTOCOLS,
  HOSTED_PROTOCOLS,
  type MethodName,
  type MethodSpec,
  outerResultSchema,
  type ProtocolSpec,
  VGI_A10_PROTOCOL,
} from './method-table';
import {
  MethodNotImplementedError,
  ProtocolNotSpecifiedError,
  ProtocolNotSupportedError,
  ProtocolVersionMismatchError,
  RequestFormatError,
  RequestVersionError,
  WireProtocolError,
} from './protocol.error';
import { type PlainRecord, readRecordBatch, recordFromRow, typesCompatible } from './record.codec';
import { type DecodedRequest, type RequestDecodeResult, type RequestRefusal } from './request.types';
import { MetadataKey, REQUEST_FRAMING_VERSION, RETIRED_DESCRIBE_METHOD, VGI_PROTOCOL_VERSION } from './wire.constants';

/** Where the request came from, when the transport itself names the route (HTTP paths). */
interface RequestDecodeOptions {
  /** The `{protocol}` path segment: the routing key becomes optional but must agree. */
  readonly routeProtocol?: string;
  /** The `{method}` path segment: must agree with `vgi_rpc.method`. */
  readonly routeMethod?: string;
}

/** Nested-record decoders of the methods whose params are `request: binary!`. */
const NESTED: Partial<Record<MethodName, (bytes: Uint8Array, protocol: ProtocolSpec) => unknown>> = {
  catalog_attach: decodeCatalogAttachRequest,
  bind: decodeBindRequest,
  init: decodeInitRequest,
  table_buffering_process: decodeProcessRequest,
  table_buffering_combine: decodeCombineRequest,
  table_buffering_destructor: decodeDestructorRequest,
};

const hosted = (): string[] => [...HOSTED_PROTOCOLS.keys()].sort();

/** What a refusal names as served: the routed protocols and the generation-A versions. */
const served = (): string[] => [
  ...hosted(),
  ...GENERATION_A_PROTOCOLS.map((p) => `protocol_version ${p.version} without a routing key`),
];

/**
 * What the decoder reads of a request batch: its row count, its custom metadata, and its
 * row as a record. An apache-arrow `RecordBatch` is one; {@link singleRowRequest} makes one
 * from a row read straight from the bytes.
 */
export interface RequestBatch {
  readonly numRows: number;
  readonly metadata: ReadonlyMap<string, string>;
  /** Row 0 as a record of `expected` (see `readRecordBatch`). */
  readRecord(expected: Schema, subject: string): PlainRecord;
}

/** A request batch of one row read without apache-arrow (`readSingleRowFrames`, `readSingleRowStream`). */
export function singleRowRequest(row: SingleRow): RequestBatch {
  return {
    numRows: 1,
    metadata: row.metadata,
    readRecord: (expected, subject) => recordFromRow(row, expected, subject),
  };
}

function asRequestBatch(batch: RecordBatch | RequestBatch): RequestBatch {
  if ('readRecord' in batch) return batch;
  return {
    numRows: batch.numRows,
    metadata: batch.metadata,
    readRecord: (expected, subject) => readRecordBatch(batch, expected, subject),
  };
}

/**
 * Decodes and validates one request stream.
 */
export function decodeRequest(
  stream: { readonly schema: Schema; readonly batches: readonly (RecordBatch | RequestBatch)[] },
  options: RequestDecodeOptions = {},
): RequestDecodeResult {
  const first = stream.batches[0];
  if (first === undefined) {
    return refuse(
      new RequestFormatError('The request stream holds no record batch. Send exactly one request batch per stream.'),
    );
  }
  const batch = asRequestBatch(first);
  if (stream.batches.length > 1) {
    const method = batch.metadata.get(MetadataKey.method) ?? null;
    return refuse(
      new RequestFormatError(
        `The request stream${method === null ? '' : ` of '${method}'`} holds ${stream.batches.length} record batches. Send exactly one request batch per stream; each call is its own stream.`,
      ),
      batch.metadata.get(MetadataKey.requestId) ?? null,
      method,
    );
  }
  const metadata = batch.metadata;
  const requestId = metadata.get(MetadataKey.requestId) ?? null;
  const methodName = metadata.get(MetadataKey.method);
  if (methodName === undefined) {
    return refuse(
      new RequestFormatError(
        "Request batch metadata has no 'vgi_rpc.method'. Put the method name in the batch's custom metadata.",
      ),
      requestId,
    );
  }
  const framing = metadata.get(MetadataKey.requestVersion) ?? null;
  if (framing !== REQUEST_FRAMING_VERSION) return refuse(new RequestVersionError(framing), requestId, methodName);
  if (stream.schema.fields.length > 0 && batch.numRows !== 1) {
    return refuse(
      new RequestFormatError(
        `Request batch of '${methodName}' has ${batch.numRows} rows. Each parameter is a column: send exactly 1 row.`,
      ),
      requestId,
      methodName,
    );
  }
  if (options.routeMethod !== undefined && options.routeMethod !== methodName) {
    return refuse(
      new RequestFormatError(
        `The request names method '${methodName}' but was sent to '${options.routeMethod}'. Make the path and 'vgi_rpc.method' agree.`,
      ),
      requestId,
      methodName,
    );
  }
  if (methodName === RETIRED_DESCRIBE_METHOD) {
    return refuse(
      new MethodNotImplementedError(
        "'__describe__' was retired. Call 'list_protocols' and 'describe' of the 'vgi_rpc.Reflection.v1' protocol instead.",
      ),
      requestId,
      methodName,
    );
  }
  const routed = metadata.get(MetadataKey.protocol);
  const protocolName = routed ?? options.routeProtocol;
  const clientVersion = metadata.get(MetadataKey.protocolVersion) ?? null;
  if (protocolName === undefined) return decodeGenerationA(stream.schema, batch, methodName, clientVersion, requestId);
  if (options.routeProtocol !== undefined && routed !== undefined && routed !== options.routeProtocol) {
    return refuse(new ProtocolNotSupportedError(routed, [options.routeProtocol]), requestId, methodName);
  }
  const protocol = HOSTED_PROTOCOLS.get(protocolName);
  if (protocol === undefined)
    return refuse(new ProtocolNotSupportedError(protocolName, hosted()), requestId, methodName);
  const spec = protocol.methods.get(methodName);
  if (spec === undefined) return refuse(unknownMethod(protocol, methodName), requestId, methodName);
  const schemaProblem = checkParamsSchema(spec, stream.schema);
  if (schemaProblem !== null) return refuse(schemaProblem, requestId, methodName, spec);
  if (protocol.version !== '') {
    const versionProblem = checkProtocolVersion(clientVersion, protocol.version);
    if (versionProblem !== null) return refuse(versionProblem, requestId, methodName, spec);
  }
  return decodeValidated(protocol, spec, batch, clientVersion, requestId);
}

function unknownMethod(protocol: ProtocolSpec, methodName: string): MethodNotImplementedError {
  const available = [...protocol.methods.keys()].sort().join(', ');
  const label = protocol.generation === 'A' ? `protocol_version ${protocol.version}` : `Protocol '${protocol.name}'`;
  return new MethodNotImplementedError(`${label} has no method '${methodName}'. Available: [${available}].`);
}

/**
 * A request without the routing key: wire generation A. As the reference does, the method
 * is checked first, then the version picks the method table (1.0.x or 1.3.x).
 */
function decodeGenerationA(
  schema: Schema,
  batch: RequestBatch,
  methodName: string,
  clientVersion: string | null,
  requestId: string | null,
): RequestDecodeResult {
  const version = parseSemver(clientVersion);
  // Neither a routing key nor a 1.x version: not a generation-A client either.
  if (version === null || version.major !== 1)
    return refuse(new ProtocolNotSpecifiedError(served()), requestId, methodName);
  const anySpec = VGI_A10_PROTOCOL.methods.get(methodName);
  if (anySpec === undefined) return refuse(unknownMethod(VGI_A10_PROTOCOL, methodName), requestId, methodName);
  const protocol = GENERATION_A_PROTOCOLS.find((p) => sameMinor(parseSemver(p.version)!, version));
  if (protocol === undefined)
    return refuse(generationAVersionMismatch(clientVersion!, version), requestId, methodName, anySpec);
  const spec = protocol.methods.get(methodName)!;
  const schemaProblem = checkParamsSchema(spec, schema);
  if (schemaProblem !== null) return refuse(schemaProblem, requestId, methodName, spec);
  return decodeValidated(protocol, spec, batch, clientVersion, requestId);
}

/** A 1.x version this worker does not serve: name what it does serve, and who should upgrade. */
function generationAVersionMismatch(client: string, version: Semver): ProtocolVersionMismatchError {
  const servedVersions = GENERATION_A_PROTOCOLS.map((p) => p.version);
  const newest = servedVersions[servedVersions.length - 1];
  const newer = version.minor > parseSemver(newest)!.minor;
  return new ProtocolVersionMismatchError(
    client,
    `${servedVersions.join(' or ')} (without a routing key), ${VGI_PROTOCOL_VERSION} (vgi.v2)`,
    newer
      ? `server is too old; upgrade the worker (vgi-silo) to a version supporting protocol_version ${client}.`
      : `this worker serves protocol_version ${servedVersions.join(' and ')} of the generation-A extension, not ${client}; upgrade the VGI extension/client to one speaking ${newest} or ${VGI_PROTOCOL_VERSION}.`,
  );
}

function decodeValidated(
  protocol: ProtocolSpec,
  spec: MethodSpec,
  batch: RequestBatch,
  clientVersion: string | null,
  requestId: string | null,
): RequestDecodeResult {
  const methodName = spec.name;
  let params: unknown;
  try {
    params = decodeParams(protocol, spec, batch);
  } catch (error) {
    const wrapped =
      error instanceof WireProtocolError
        ? error
        : new RequestFormatError(`The '${methodName}' request could not be decoded: ${(error as Error).message}`, {
            cause: error,
          });
    return refuse(wrapped, requestId, methodName, spec);
  }
  const request = {
    protocol: protocol.name,
    wire: protocol,
    method: spec.name,
    params,
    requestId,
    protocolVersion: clientVersion,
    metadata: batch.metadata,
    spec,
  };
  return { ok: true, request: request as DecodedRequest };
}

/**
 * Reads the first IPC stream of a byte buffer (an HTTP body) and decodes it as a request.
 */
export function decodeRequestBytes(bytes: Uint8Array, options: RequestDecodeOptions = {}): RequestDecodeResult {
  let stream: Parameters<typeof decodeRequest>[0];
  try {
    // The usual request, one row of plain columns, is read straight from the bytes.
    const row = readSingleRowStream(bytes, 'request body', { metadata: true });
    stream =
      row !== null
        ? { schema: row.schema, batches: [singleRowRequest(row)] }
        : readIpcStream(bytes, 'request body', { verified: true });
  } catch (cause) {
    return refuse(
      new RequestFormatError(`The request body is not an Arrow IPC stream: ${(cause as Error).message}`, { cause }),
    );
  }
  return decodeRequest(stream, options);
}

function refuse(
  error: WireProtocolError,
  requestId: string | null = null,
  method: string | null = null,
  spec?: MethodSpec,
): { ok: false; refusal: RequestRefusal } {
  // Before the method is resolved the reference answers on the empty schema; after, on the
  // method's result schema (unary) or the empty schema (streams).
  const responseSchema = spec === undefined ? EMPTY_SCHEMA : outerResultSchema(spec);
  return { ok: false, refusal: { error, responseSchema, requestId, method, isStream: spec?.kind === 'stream' } };
}

/** Parameter schemas that passed {@link checkParamsSchema} for a method: requests repeat them. */
const paramsAccepted = new WeakMap<Schema, WeakSet<MethodSpec>>();

/** Lenient parameter check: read by name, ignore extra nullable columns, never stricter than the reference. */
function checkParamsSchema(spec: MethodSpec, actual: Schema): RequestFormatError | null {
  if (paramsAccepted.get(actual)?.has(spec)) return null;
  const problem = paramsProblem(spec, actual);
  if (problem === null) {
    let specs = paramsAccepted.get(actual);
    if (specs === undefined) paramsAccepted.set(actual, (specs = new WeakSet()));
    specs.add(spec);
  }
  return problem;
}

function paramsProblem(spec: MethodSpec, actual: Schema): RequestFormatError | null {
  const expectedNames = new Set(spec.params.fields.map((f) => f.name));
  for (const f of actual.fields) {
    if (!expectedNames.has(f.name) && !f.nullable) {
      return paramsMismatch(spec, `unexpected non-nullable parameter '${f.name}'`);
    }
  }
  for (const want of spec.params.fields) {
    const got = actual.fields.find((f) => f.name === want.name);
    if (got === undefined) {
      if (!want.nullable) return paramsMismatch(spec, `missing parameter '${want.name}' (${String(want.type)})`);
      continue;
    }
    if (!typesCompatible(want.type, got.type)) {
      return paramsMismatch(
        spec,
        `parameter '${want.name}' has type ${String(got.type)}, expected ${String(want.type)}`,
      );
    }
  }
  return null;
}

function paramsMismatch(spec: MethodSpec, detail: string): RequestFormatError {
  const expected = spec.params.fields.map((f) => `${f.name}: ${String(f.type)}${f.nullable ? '?' : '!'}`).join(', ');
  return new RequestFormatError(
    `Parameter schema mismatch for method '${spec.name}': ${detail}. Expected (${expected}).`,
  );
}

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/;

interface Semver {
  readonly major: number;
  readonly minor: number;
}

function parseSemver(version: string | null): Semver | null {
  const m = version === null ? null : SEMVER.exec(version);
  return m === null ? null : { major: Number(m[1]), minor: Number(m[2]) };
}

const sameMinor = (a: Semver, b: Semver): boolean => a.major === b.major && a.minor === b.minor;

/**
 * The protocol version gate: MAJOR.MINOR must equal the server's, PATCH is ignored.
 */
function checkProtocolVersion(client: string | null, server: string): ProtocolVersionMismatchError | null {
  if (client === null) {
    return new ProtocolVersionMismatchError(
      null,
      server,
      'the client did not send vgi_rpc.protocol_version; it is not a vgi.v2 client. Upgrade the VGI extension.',
    );
  }
  const c = SEMVER.exec(client);
  const s = SEMVER.exec(server)!;
  if (c === null) {
    return new ProtocolVersionMismatchError(
      client,
      server,
      'the client sent a malformed protocol_version; expected canonical semver MAJOR.MINOR.PATCH.',
    );
  }
  const [cMajor, cMinor, sMajor, sMinor] = [c[1], c[2], s[1], s[2]].map(Number);
  if (cMajor === sMajor && cMinor === sMinor) return null;
  const clientOlder = cMajor < sMajor || (cMajor === sMajor && cMinor < sMinor);
  return new ProtocolVersionMismatchError(
    client,
    server,
    clientOlder
      ? `client is too old; upgrade the VGI extension/client to a version supporting protocol_version ${server}.`
      : `server is too old; upgrade the worker (vgi-silo) to a version supporting protocol_version ${client}.`,
  );
}

function decodeParams(protocol: ProtocolSpec, spec: MethodSpec, batch: RequestBatch): unknown {
  const flat = batch.readRecord(spec.params, `'${spec.name}' request`);
  const nested = NESTED[spec.name];
  if (spec.request !== null && nested !== undefined) return nested(flat.request as Uint8Array, protocol);
  return protocol.generation === 'A' ? withSchemaPaths(flat) : flat;
}

/**
 * Generation A names a schema (`name`, `schema_name`) where vgi.v2 sends a path: the
 * params the server reads carry the path in both. `name` is the schema only where the
 * params have no `schema_name` (in the `_get` methods `name` is the object's).
 */
function withSchemaPaths(flat: Record<string, unknown>): Record<string, unknown> {
  if (typeof flat.schemaName === 'string') return { ...flat, schemaPath: [flat.schemaName] };
  if (typeof flat.name === 'string') return { ...flat, path: [flat.name] };
  return flat;
}
