import { type RecordBatch } from 'apache-arrow';
import {
  decodeFrames,
  EMPTY_SCHEMA,
  field,
  makeRowsBatch,
  makeZeroColumnBatch,
  MessageFramer,
  readColumn,
  readIpcStream,
  schemaOf,
  serializeBatch,
  wire,
} from '../../../src/arrow';
import {
  bindArguments,
  decodeRequest,
  decodeRequestBytes,
  type DecodedRequest,
  encodeBindRequest,
  encodeRequest,
  ErrorKind,
  type MethodName,
  makeRequestBatch,
  type RequestEnvelope,
  type RequestInputs,
  type RequestRefusal,
  RESULT_BINARY_SCHEMA,
} from '../../../src/protocol';

const ATTACH = Uint8Array.of(1, 2, 3, 4);
const EXEC = Uint8Array.of(0, 0xb3, 0x38, 0x45);
const INPUT_SCHEMA = schemaOf([field('x', wire.int64(), true), field('name', wire.utf8(), true)]);
const OUTPUT_SCHEMA = INPUT_SCHEMA;

function roundTrip<M extends MethodName>(
  method: M,
  params: RequestInputs[M],
  envelope?: RequestEnvelope,
): DecodedRequest {
  const result = decodeRequestBytes(encodeRequest(method, params, envelope));
  if (!result.ok) throw result.refusal.error;
  expect(result.request.method).toBe(method);
  return result.request;
}

function refusal(batch: RecordBatch | null, schema = batch?.schema ?? EMPTY_SCHEMA): RequestRefusal {
  const result = decodeRequest({ schema, batches: batch === null ? [] : [batch] });
  if (result.ok) throw new Error(`expected a refusal, got a decoded ${result.request.method}`);
  return result.refusal;
}

describe('decodeRequest: round trips of every request', () => {
  it('should decode parameterless requests sent with 1 row (the extension) or 0 rows (the TS client)', () => {
    for (const rows of [1, 0] as const) {
      const request = roundTrip('catalog_catalogs', {}, { parameterlessRows: rows, requestId: 'a1b2c3d4e5f60718' });
      expect(request.params).toEqual({});
      expect(request.requestId).toBe('a1b2c3d4e5f60718');
      expect(request.protocol).toBe('vgi.v2');
      expect(request.protocolVersion).toBe('2.0.0');
    }
  });

  it('should decode catalog_attach with its ATTACH options as a plain object', () => {
    const options = serializeBatch(
      makeRowsBatch(schemaOf([field('region', wire.utf8(), true), field('retries', wire.int64(), true)]), [
        { region: 'eu', retries: 3n },
      ]),
    );
    const request = roundTrip('catalog_attach', {
      name: 'demo',
      options,
      clientCapabilities: {
        engine: 'duckdb',
        nativeFormats: ['arrow'],
        catalogs: [],
        canStream: true,
        filterEncodings: [],
      },
    });
    expect(request.params).toEqual({
      name: 'demo',
      options: { region: 'eu', retries: 3n },
      dataVersionSpec: null,
      implementationVersion: null,
      clientCapabilities: {
        engine: 'duckdb',
        nativeFormats: ['arrow'],
        catalogs: [],
        canStream: true,
        filterEncodings: [],
      },
    });
    expect(roundTrip('catalog_attach', { name: 'demo' }).params).toMatchObject({
      options: {},
      clientCapabilities: null,
    });
  });

  it('should decode the flat catalog requests into camelCase params', () => {
    expect(roundTrip('catalog_copy_from_formats', { attachOpaqueData: ATTACH }).params).toEqual({
      attachOpaqueData: ATTACH,
      transactionOpaqueData: null,
    });
    expect(
      roundTrip('catalog_version', { attachOpaqueData: ATTACH, transactionOpaqueData: Uint8Array.of(9) }).params,
    ).toEqual({
      attachOpaqueData: ATTACH,
      transactionOpaqueData: Uint8Array.of(9),
    });
    expect(roundTrip('catalog_transaction_begin', { attachOpaqueData: ATTACH }).params).toEqual({
      attachOpaqueData: ATTACH,
    });
    expect(
      roundTrip('catalog_transaction_commit', { attachOpaqueData: ATTACH, transactionOpaqueData: Uint8Array.of(7) })
        .params,
    ).toEqual({
      attachOpaqueData: ATTACH,
      transactionOpaqueData: Uint8Array.of(7),
    });
    expect(roundTrip('catalog_schemas', { attachOpaqueData: ATTACH }).params).toEqual({
      attachOpaqueData: ATTACH,
      transactionOpaqueData: null,
    });
    expect(
      roundTrip('catalog_schema_contents_functions', {
        attachOpaqueData: ATTACH,
        path: ['main'],
        type: 'TABLE_FUNCTION',
      }).params,
    ).toEqual({
      attachOpaqueData: ATTACH,
      path: ['main'],
      type: 'TABLE_FUNCTION',
      transactionOpaqueData: null,
    });
    expect(
      roundTrip('catalog_schema_contents_macros', { attachOpaqueData: ATTACH, path: ['main'], type: 'TABLE_MACRO' })
        .params,
    ).toMatchObject({ type: 'TABLE_MACRO' });
    for (const method of [
      'catalog_schema_contents_tables',
      'catalog_schema_contents_views',
      'catalog_schema_contents_indexes',
      'catalog_schema_get',
    ] as const) {
      expect(roundTrip(method, { attachOpaqueData: ATTACH, path: ['main'] }).params).toEqual({
        attachOpaqueData: ATTACH,
        path: ['main'],
        transactionOpaqueData: null,
      });
    }
    expect(
      roundTrip('catalog_transaction_rollback', { attachOpaqueData: ATTACH, transactionOpaqueData: Uint8Array.of(7) })
        .params,
    ).toEqual({
      attachOpaqueData: ATTACH,
      transactionOpaqueData: Uint8Array.of(7),
    });
    expect(
      roundTrip('catalog_table_get', {
        attachOpaqueData: ATTACH,
        schemaPath: ['main'],
        name: 't',
        atUnit: 'VERSION',
        atValue: '3',
      }).params,
    ).toEqual({
      attachOpaqueData: ATTACH,
      schemaPath: ['main'],
      name: 't',
      atUnit: 'VERSION',
      atValue: '3',
      transactionOpaqueData: null,
    });
    for (const method of ['catalog_view_get', 'catalog_macro_get'] as const) {
      expect(roundTrip(method, { attachOpaqueData: ATTACH, schemaPath: ['main'], name: 'v' }).params).toEqual({
        attachOpaqueData: ATTACH,
        schemaPath: ['main'],
        name: 'v',
        transactionOpaqueData: null,
      });
    }
    expect(roundTrip('catalog_detach', { attachOpaqueData: ATTACH }).params).toEqual({ attachOpaqueData: ATTACH });
  });

  it('should decode bind with arguments, input schema and the exact nested bytes', () => {
    const args = bindArguments(
      [
        { type: wire.float64(), value: 2 },
        { type: wire.utf8(), value: 'lbl' },
      ],
      { verbose: { type: wire.utf8(), value: 'yes' } },
    );
    const request = roundTrip('bind', {
      functionName: 'flags',
      arguments: args,
      inputSchema: INPUT_SCHEMA,
      schemaPath: ['main'],
      attachOpaqueData: ATTACH,
    });
    if (request.method !== 'bind') throw new Error('unreachable');
    const bind = request.params;
    expect(bind.functionName).toBe('flags');
    expect(bind.functionType).toBe('TABLE');
    expect(bind.arguments.positional).toEqual([2, 'lbl']);
    expect(bind.arguments.named).toEqual({ verbose: 'yes' });
    expect(bind.inputSchema!.fields.map((f) => f.name)).toEqual(['x', 'name']);
    expect(bind.schemaPath).toEqual(['main']);
    expect(bind.resolvedSecretsProvided).toBe(false);
    expect(bind.settings).toEqual({});
    expect(bind.secrets).toEqual([]);
    expect(bind.bytes).toEqual(
      encodeBindRequest({
        functionName: 'flags',
        arguments: args,
        inputSchema: INPUT_SCHEMA,
        schemaPath: ['main'],
        attachOpaqueData: ATTACH,
      }),
    );
  });

  it('should decode init with its phase, bind_call, output schema and projection ids as numbers', () => {
    const bindCall = encodeBindRequest({ functionName: 'sort_all', inputSchema: INPUT_SCHEMA, schemaPath: ['main'] });
    const request = roundTrip('init', {
      bindCall,
      outputSchema: OUTPUT_SCHEMA,
      phase: 'TABLE_BUFFERING_FINALIZE',
      executionId: EXEC,
      finalizeStateId: Uint8Array.of(0x61, 0x6c, 0x6c),
      projectionIds: [1, 0],
      rowLimit: 10n,
    });
    if (request.method !== 'init') throw new Error('unreachable');
    const init = request.params;
    expect(init.phase).toBe('TABLE_BUFFERING_FINALIZE');
    expect(init.executionId).toEqual(EXEC);
    expect(init.finalizeStateId).toEqual(Uint8Array.of(0x61, 0x6c, 0x6c));
    expect(init.projectionIds).toEqual([1, 0]);
    expect(init.rowLimit).toBe(10n);
    expect(init.bindCall.functionName).toBe('sort_all');
    expect(init.bindCall.bytes).toEqual(bindCall);
    expect(init.outputSchema.fields.map((f) => f.name)).toEqual(['x', 'name']);
    expect(init.orderByDirection).toBeNull();
    expect(request.spec.kind).toBe('stream');
  });

  it('should decode table_buffering_process with the input chunk as a RecordBatch', () => {
    const chunk = makeRowsBatch(INPUT_SCHEMA, [
      { x: 5n, name: 'e' },
      { x: 3n, name: null },
    ]);
    const request = roundTrip('table_buffering_process', {
      functionName: 'sort_all',
      executionId: EXEC,
      inputBatch: chunk,
      batchIndex: 4n,
      schemaPath: ['main'],
    });
    if (request.method !== 'table_buffering_process') throw new Error('unreachable');
    const p = request.params;
    expect(readColumn(p.inputBatch, 'x')).toEqual([5n, 3n]);
    expect(p.inputSchema.fields.map((f) => f.name)).toEqual(['x', 'name']);
    expect(p.batchIndex).toBe(4n);
    expect(p.transactionId).toBeNull();
    expect(readIpcStream(p.inputBatchBytes).batches[0].numRows).toBe(2);
  });

  it('should decode combine with duplicate state ids kept, and the destructor', () => {
    const all = new TextEncoder().encode('all');
    const combine = roundTrip('table_buffering_combine', {
      functionName: 'sort_all',
      executionId: EXEC,
      stateIds: [all, all],
    });
    expect(combine.params).toMatchObject({
      functionName: 'sort_all',
      executionId: EXEC,
      stateIds: [all, all],
      schemaPath: null,
    });
    const destructor = roundTrip('table_buffering_destructor', { functionName: 'sort_all', executionId: EXEC });
    expect(destructor.params).toEqual({
      functionName: 'sort_all',
      executionId: EXEC,
      attachOpaqueData: null,
      transactionId: null,
      schemaPath: null,
    });
  });

  it('should decode the reflection calls without a protocol version', () => {
    const list = roundTrip('list_protocols', {}, { parameterlessRows: 0 });
    expect(list.protocol).toBe('vgi_rpc.Reflection.v1');
    expect(list.protocolVersion).toBeNull();
    expect(roundTrip('describe', { protocol: 'vgi.v2' }).params).toEqual({ protocol: 'vgi.v2' });
  });

  it('should decode requests read off a byte channel by the framer', async () => {
    const channel = (async function* () {
      yield encodeRequest('catalog_catalogs', {});
      yield encodeRequest('catalog_schemas', { attachOpaqueData: ATTACH });
    })();
    const framer = new MessageFramer(channel);
    const methods: string[] = [];
    for (let s = await framer.readStream(); s !== null; s = await framer.readStream()) {
      const result = decodeRequest(decodeFrames([s.schema, ...s.messages]));
      methods.push(result.ok ? result.request.method : 'refused');
    }
    expect(methods).toEqual(['catalog_catalogs', 'catalog_schemas']);
  });
});

describe('decodeRequest: refusals', () => {
  const base = (method: string, extra: Record<string, string | undefined> = {}): Map<string, string> => {
    const entries: Record<string, string | undefined> = {
      'vgi_rpc.method': method,
      'vgi_rpc.request_version': '1',
      'vgi_rpc.protocol': 'vgi.v2',
      'vgi_rpc.protocol_version': '2.0.0',
      ...extra,
    };
    return new Map(Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined));
  };

  it.each([['2.0.0'], [undefined], ['one']])(
    'should refuse a request without a routing key and without a 1.x protocol_version (%s) as protocol_not_specified, on the empty schema',
    (version) => {
      const r = refusal(
        makeZeroColumnBatch(
          1,
          base('catalog_catalogs', { 'vgi_rpc.protocol': undefined, 'vgi_rpc.protocol_version': version }),
        ),
      );
      expect(r.error.errorKind).toBe(ErrorKind.protocolNotSpecified);
      expect(r.error.message).toMatch(/no 'vgi_rpc.protocol' routing key and no 1.x 'vgi_rpc.protocol_version'/);
      expect(r.responseSchema.fields).toHaveLength(0);
    },
  );

  it('should refuse an unknown protocol as protocol_not_supported', () => {
    const r = refusal(makeZeroColumnBatch(1, base('catalog_catalogs', { 'vgi_rpc.protocol': 'vgi.v3' })));
    expect(r.error.errorKind).toBe(ErrorKind.protocolNotSupported);
    expect(r.error.message).toMatch(/'vgi.v3' is not hosted.*\[vgi.v2, vgi_rpc.Reflection.v1\]/);
  });

  it.each([
    ['1.3.0', /Client: 1\.3\.0[\s\S]*Server: 2\.0\.0[\s\S]*client is too old/],
    ['2.1.0', /Client: 2\.1\.0[\s\S]*Server: 2\.0\.0[\s\S]*server is too old/],
    [undefined, /Client: <not declared>/],
    ['two', /malformed protocol_version/],
  ])('should refuse protocol_version %s as protocol_version_mismatch naming both versions', (version, message) => {
    const r = refusal(makeZeroColumnBatch(1, base('catalog_catalogs', { 'vgi_rpc.protocol_version': version })));
    expect(r.error.errorKind).toBe(ErrorKind.protocolVersionMismatch);
    expect(r.error.exceptionType).toBe('ProtocolVersionError');
    expect(r.error.message).toMatch(message);
    expect(r.responseSchema).toBe(RESULT_BINARY_SCHEMA);
  });

  it('should accept any 2.0.x protocol version (patch ignored)', () => {
    const result = decodeRequest({
      schema: EMPTY_SCHEMA,
      batches: [makeZeroColumnBatch(1, base('catalog_catalogs', { 'vgi_rpc.protocol_version': '2.0.7' }))],
    });
    expect(result.ok).toBe(true);
  });

  it('should refuse an unknown method and the retired __describe__ as method_not_implemented', () => {
    const unknown = refusal(makeZeroColumnBatch(1, base('frobnicate', { 'vgi_rpc.request_id': 'r1' })));
    expect(unknown.error.errorKind).toBe(ErrorKind.methodNotImplemented);
    expect(unknown.error.message).toMatch(/no method 'frobnicate'\. Available: \[bind, catalog_attach/);
    expect(unknown.requestId).toBe('r1');
    expect(refusal(makeZeroColumnBatch(1, base('__transport_options__'))).error.errorKind).toBe(
      ErrorKind.methodNotImplemented,
    );
    const describe = refusal(makeZeroColumnBatch(1, base('__describe__', { 'vgi_rpc.protocol': undefined })));
    expect(describe.error.errorKind).toBe(ErrorKind.methodNotImplemented);
    expect(describe.error.message).toMatch(/vgi_rpc\.Reflection\.v1/);
  });

  it('should refuse malformed framing: no batch, no method, wrong request_version, wrong row count', () => {
    expect(refusal(null).error.message).toMatch(/holds no record batch/);
    expect(refusal(makeZeroColumnBatch(1, base('x', { 'vgi_rpc.method': undefined }))).error.message).toMatch(
      /no 'vgi_rpc.method'/,
    );
    const version = refusal(makeZeroColumnBatch(1, base('catalog_catalogs', { 'vgi_rpc.request_version': '2' })));
    expect(version.error.exceptionType).toBe('VersionError');
    expect(version.error.errorKind).toBeNull();
    const twoRows = makeRequestBatch('catalog_schemas', { attachOpaqueData: ATTACH });
    const doubled = makeRowsBatch(
      twoRows.schema,
      [{ attach_opaque_data: ATTACH }, { attach_opaque_data: ATTACH }],
      twoRows.metadata,
    );
    expect(refusal(doubled).error.message).toMatch(/has 2 rows.*send exactly 1 row/);
    expect(refusal(makeRowsBatch(twoRows.schema, [], twoRows.metadata)).error.message).toMatch(/has 0 rows/);
  });

  it('should refuse a parameter schema mismatch on the result schema, and accept extra nullable columns', () => {
    const wrongType = makeRowsBatch(
      schemaOf([field('attach_opaque_data', wire.utf8(), false)]),
      [{ attach_opaque_data: 'x' }],
      base('catalog_schemas'),
    );
    const r = refusal(wrongType);
    expect(r.error.exceptionType).toBe('ProtocolError');
    expect(r.error.message).toMatch(
      /Parameter schema mismatch for method 'catalog_schemas': parameter 'attach_opaque_data' has type Utf8, expected Binary/,
    );
    expect(r.responseSchema).toBe(RESULT_BINARY_SCHEMA);

    const missing = refusal(
      makeRowsBatch(schemaOf([field('other', wire.utf8(), false)]), [{ other: 'x' }], base('catalog_schemas')),
    );
    expect(missing.error.message).toMatch(/unexpected non-nullable parameter 'other'/);

    const extra = makeRowsBatch(
      schemaOf([field('attach_opaque_data', wire.binary(), true), field('hint', wire.utf8(), true)]),
      [{ attach_opaque_data: ATTACH, hint: 'ignored' }],
      base('catalog_schemas'),
    );
    const accepted = decodeRequest({ schema: extra.schema, batches: [extra] });
    expect(accepted.ok && accepted.request.params).toEqual({ attachOpaqueData: ATTACH, transactionOpaqueData: null });
  });

  it('should accept an enum parameter sent as plain utf8 instead of dictionary<int16, utf8>', () => {
    const plain = makeRowsBatch(
      schemaOf([
        field('attach_opaque_data', wire.binary(), false),
        field('path', wire.list(wire.utf8()), false),
        field('type', wire.utf8(), false),
      ]),
      [{ attach_opaque_data: ATTACH, path: ['main'], type: 'TABLE_FUNCTION' }],
      base('catalog_schema_contents_functions'),
    );
    const result = decodeRequest({ schema: plain.schema, batches: [plain] });
    expect(result.ok && result.request.params).toEqual({
      attachOpaqueData: ATTACH,
      path: ['main'],
      type: 'TABLE_FUNCTION',
      transactionOpaqueData: null,
    });
  });

  it('should refuse an undecodable nested record with a ProtocolError naming the record', () => {
    const bad = makeRowsBatch(
      schemaOf([field('request', wire.binary(), false)]),
      [{ request: Uint8Array.of(1, 2, 3) }],
      base('bind'),
    );
    const r = refusal(bad);
    expect(r.error.message).toMatch(/BindRequest: .*not a readable Arrow stream/);
    expect(r.responseSchema).toBe(RESULT_BINARY_SCHEMA);
  });

  it('should mark a refused init as a stream call answered on the empty schema', () => {
    const r = refusal(
      makeRequestBatch(
        'init',
        { bindCall: Uint8Array.of(0), outputSchema: OUTPUT_SCHEMA },
        { protocolVersion: '2.1.0' },
      ),
    );
    expect(r.isStream).toBe(true);
    expect(r.responseSchema.fields).toHaveLength(0);
  });

  it('should take the protocol from the HTTP path and refuse a disagreeing routing key', () => {
    const noKey = encodeRequest('catalog_catalogs', {}, { protocol: null });
    expect(decodeRequestBytes(noKey, { routeProtocol: 'vgi.v2', routeMethod: 'catalog_catalogs' }).ok).toBe(true);
    const other = decodeRequestBytes(encodeRequest('catalog_catalogs', {}), { routeProtocol: 'vgi_rpc.Reflection.v1' });
    expect(!other.ok && other.refusal.error.errorKind).toBe(ErrorKind.protocolNotSupported);
    const wrongPath = decodeRequestBytes(encodeRequest('catalog_catalogs', {}), {
      routeProtocol: 'vgi.v2',
      routeMethod: 'bind',
    });
    expect(!wrongPath.ok && wrongPath.refusal.error.message).toMatch(/sent to 'bind'/);
  });
});
