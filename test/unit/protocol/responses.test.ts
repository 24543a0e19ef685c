import {
  decodeFrames,
  EMPTY_SCHEMA,
  field,
  makeRowsBatch,
  MessageFramer,
  readIpcStream,
  readRow,
  schemaOf,
  wire,
} from '../../../src/arrow';
import { UserCodeError } from '../../../src/errors/silo.error';
import {
  classifyBatch,
  decodeInitHeader,
  decodeUnaryResponseBytes,
  encodeErrorResponse,
  encodeInitError,
  encodeInitHeader,
  encodeRefusal,
  encodeUnaryResponse,
  decodeRequestBytes,
  encodeRequest,
  ErrorKind,
  isCancelRequest,
  makeTickBatch,
  MethodNotImplementedError,
  objectCounts,
  RemoteError,
  ResponseStreamEncoder,
  RESULT_BINARY_SCHEMA,
  sortBatches,
  GLOBAL_INIT_RESPONSE_SCHEMA,
  encodeContinuation,
} from '../../../src/protocol';

const ctx = { serverId: 'srv-1', requestId: 'a1b2c3d4e5f60718' };
const OUTPUT = schemaOf([field('x', wire.int64(), true), field('name', wire.utf8(), true)]);

describe('unary responses', () => {
  it('should round-trip catalog_catalogs, catalog_attach and catalog_schemas results', () => {
    const catalogs = decodeUnaryResponseBytes(
      'catalog_catalogs',
      encodeUnaryResponse('catalog_catalogs', [{ name: 'demo' }], ctx),
    );
    expect(catalogs.result).toEqual([
      {
        name: 'demo',
        implementationVersion: null,
        dataVersionSpec: null,
        attachOptionSpecs: [],
        releases: [],
        sourceUrl: null,
      },
    ]);
    expect(catalogs.serverId).toBe('srv-1');
    expect(catalogs.requestId).toBe('a1b2c3d4e5f60718');

    const attach = decodeUnaryResponseBytes(
      'catalog_attach',
      encodeUnaryResponse('catalog_attach', { attachOpaqueData: Uint8Array.of(7, 7) }, ctx),
    ).result;
    expect(attach).toMatchObject({
      attachOpaqueData: Uint8Array.of(7, 7),
      catalogVersionFrozen: true,
      catalogVersion: 1n,
      attachOpaqueDataRequired: true,
      defaultSchema: 'main',
      settings: [],
      tags: {},
      globalFunctionPrefix: '',
    });

    const schemas = decodeUnaryResponseBytes(
      'catalog_schemas',
      encodeUnaryResponse(
        'catalog_schemas',
        [
          {
            path: ['main'],
            attachOpaqueData: Uint8Array.of(7),
            estimatedObjectCount: objectCounts({ table_function: 2 }),
          },
        ],
        ctx,
      ),
    ).result;
    expect(schemas[0].path).toEqual(['main']);
    expect(schemas[0].estimatedObjectCount).toEqual({
      table: 0n,
      view: 0n,
      index: 0n,
      scalar_function: 0n,
      aggregate_function: 0n,
      table_function: 2n,
      macro: 0n,
    });
  });

  it('should answer catalog_copy_from_formats and the §4.13 listings with empty item lists', () => {
    for (const method of [
      'catalog_copy_from_formats',
      'catalog_schema_contents_tables',
      'catalog_schema_contents_views',
      'catalog_schema_contents_macros',
      'catalog_schema_contents_indexes',
      'catalog_table_get',
    ] as const) {
      const bytes = encodeUnaryResponse(method, [], ctx);
      const { schema, batches } = readIpcStream(bytes);
      expect(schema).toEqual(RESULT_BINARY_SCHEMA);
      const nested = readIpcStream(readRow(batches[0]).result as Uint8Array);
      expect(nested.schema.fields.map((f) => f.name)).toEqual(['items']);
      expect(readRow(nested.batches[0]).items).toEqual([]);
      expect(decodeUnaryResponseBytes(method, bytes).result).toEqual([]);
    }
  });

  it('should write catalog_version as a non-zero int64 and transactions per §4.4', () => {
    expect(decodeUnaryResponseBytes('catalog_version', encodeUnaryResponse('catalog_version', 3, ctx)).result).toBe(3n);
    expect(
      decodeUnaryResponseBytes(
        'catalog_transaction_begin',
        encodeUnaryResponse('catalog_transaction_begin', Uint8Array.of(5), ctx),
      ).result,
    ).toEqual(Uint8Array.of(5));
    expect(
      decodeUnaryResponseBytes('catalog_transaction_begin', encodeUnaryResponse('catalog_transaction_begin', null, ctx))
        .result,
    ).toBeNull();
  });

  it('should write void results as one 0-row batch on the empty schema carrying only server_id and request_id', () => {
    for (const method of ['catalog_transaction_commit', 'catalog_transaction_rollback', 'catalog_detach'] as const) {
      const { schema, batches } = readIpcStream(encodeUnaryResponse(method, undefined, ctx));
      expect(schema.fields).toHaveLength(0);
      expect(batches).toHaveLength(1);
      expect(batches[0].numRows).toBe(0);
      expect(Object.fromEntries(batches[0].metadata)).toEqual({
        'vgi_rpc.server_id': 'srv-1',
        'vgi_rpc.request_id': 'a1b2c3d4e5f60718',
      });
    }
  });

  it('should round-trip the buffering results, the destructor as an empty-schema record', () => {
    expect(
      decodeUnaryResponseBytes(
        'table_buffering_process',
        encodeUnaryResponse('table_buffering_process', new Uint8Array(0), ctx),
      ).result,
    ).toEqual(new Uint8Array(0));
    const ids = [Uint8Array.of(1), Uint8Array.of(2)];
    expect(
      decodeUnaryResponseBytes('table_buffering_combine', encodeUnaryResponse('table_buffering_combine', ids, ctx))
        .result,
    ).toEqual(ids);
    const destructor = readIpcStream(encodeUnaryResponse('table_buffering_destructor', undefined, ctx));
    expect(destructor.schema).toEqual(RESULT_BINARY_SCHEMA);
    const nested = readIpcStream(readRow(destructor.batches[0]).result as Uint8Array);
    expect(nested.schema.fields).toHaveLength(0);
    expect(nested.batches.map((b) => b.numRows)).toEqual([0]);
  });

  it('should round-trip bind with the two-pass secret lookup lists and refuse misaligned lists', () => {
    const bytes = encodeUnaryResponse(
      'bind',
      { outputSchema: OUTPUT, lookupSecretTypes: ['s3'], lookupScopes: ['s3://bucket/x'], lookupNames: [''] },
      ctx,
    );
    const bind = decodeUnaryResponseBytes('bind', bytes).result;
    expect(bind.outputSchema.fields.map((f) => f.name)).toEqual(['x', 'name']);
    expect(bind.opaqueData).toBeNull();
    expect([bind.lookupSecretTypes, bind.lookupScopes, bind.lookupNames]).toEqual([['s3'], ['s3://bucket/x'], ['']]);
    expect(() => encodeUnaryResponse('bind', { outputSchema: OUTPUT, lookupSecretTypes: ['s3'] }, ctx)).toThrow(
      /must be aligned/,
    );
  });

  it('should put log batches before the result, each with level, message, extra, server_id and request_id', () => {
    const bytes = encodeUnaryResponse('table_buffering_process', Uint8Array.of(1), ctx, [
      { level: 'INFO', message: 'sort_all.process 3 rows', extra: { rows: '3' } },
      { level: 'DEBUG', message: 'second' },
    ]);
    const { batches } = readIpcStream(bytes);
    expect(batches.map((b) => b.numRows)).toEqual([0, 0, 1]);
    expect(Object.fromEntries(batches[0].metadata)).toEqual({
      'vgi_rpc.log_level': 'INFO',
      'vgi_rpc.log_message': 'sort_all.process 3 rows',
      'vgi_rpc.log_extra': '{"rows":"3"}',
      'vgi_rpc.server_id': 'srv-1',
      'vgi_rpc.request_id': 'a1b2c3d4e5f60718',
    });
    const decoded = decodeUnaryResponseBytes('table_buffering_process', bytes);
    expect(decoded.logs).toEqual([
      { level: 'INFO', message: 'sort_all.process 3 rows', extra: { rows: '3' } },
      { level: 'DEBUG', message: 'second', extra: null },
    ]);
    expect(decoded.result).toEqual(Uint8Array.of(1));
  });
});

describe('error batches', () => {
  it('should carry EXCEPTION, "<Type>: <message>", a JSON extra and no error_kind for a user error', () => {
    const bytes = encodeErrorResponse(RESULT_BINARY_SCHEMA, new RangeError('k must be positive'), ctx);
    const { schema, batches } = readIpcStream(bytes);
    expect(schema).toEqual(RESULT_BINARY_SCHEMA);
    expect(batches).toHaveLength(1);
    const m = batches[0].metadata;
    expect(batches[0].numRows).toBe(0);
    expect(m.get('vgi_rpc.log_level')).toBe('EXCEPTION');
    expect(m.get('vgi_rpc.log_message')).toBe('RangeError: k must be positive');
    expect(m.has('vgi_rpc.error_kind')).toBe(false);
    const extra = JSON.parse(m.get('vgi_rpc.log_extra')!);
    expect(extra).toMatchObject({ exception_type: 'RangeError', exception_message: 'k must be positive' });
    expect(extra.traceback).toMatch(/RangeError: k must be positive\n\s+at /);
    expect(m.get('vgi_rpc.server_id')).toBe('srv-1');
    expect(m.get('vgi_rpc.request_id')).toBe('a1b2c3d4e5f60718');
  });

  it("should report a wrapped user-code error with the user's own type and message", () => {
    const wrapped = UserCodeError.wrap('TopK#process', new TypeError('bad row'));
    const error = classifyBatch(readIpcStream(encodeErrorResponse(RESULT_BINARY_SCHEMA, wrapped, ctx)).batches[0]);
    expect(error.kind === 'error' && [error.error.exceptionType, error.error.exceptionMessage]).toEqual([
      'TypeError',
      'bad row',
    ]);
  });

  it('should hoist error_kind to the metadata and the extra for protocol errors', () => {
    const bytes = encodeErrorResponse(
      EMPTY_SCHEMA,
      new MethodNotImplementedError("Protocol 'vgi.v2' has no method 'x'."),
      ctx,
    );
    const m = readIpcStream(bytes).batches[0].metadata;
    expect(m.get('vgi_rpc.error_kind')).toBe('method_not_implemented');
    expect(JSON.parse(m.get('vgi_rpc.log_extra')!).error_kind).toBe('method_not_implemented');
    expect(m.get('vgi_rpc.log_message')).toMatch(
      /^MethodNotImplementedError: \[SILO405\] Protocol 'vgi.v2' has no method 'x'\./,
    );
  });

  it('should raise an error batch as a RemoteError on the client', () => {
    const bytes = encodeErrorResponse(RESULT_BINARY_SCHEMA, new Error('boom'), ctx, [
      { level: 'WARN', message: 'before' },
    ]);
    expect(() => decodeUnaryResponseBytes('bind', bytes)).toThrow(RemoteError);
    expect(() => decodeUnaryResponseBytes('bind', bytes)).toThrow(/The worker answered with Error: boom/);
  });

  it('should answer a refused request with an error stream a client can read', () => {
    const decoded = decodeRequestBytes(encodeRequest('catalog_catalogs', {}, { protocol: null, requestId: 'r9' }));
    if (decoded.ok) throw new Error('expected a refusal');
    const { schema, batches } = readIpcStream(encodeRefusal(decoded.refusal, 'srv-1'));
    expect(schema.fields).toHaveLength(0);
    const c = classifyBatch(batches[0]);
    expect(c.kind === 'error' && c.error.errorKind).toBe(ErrorKind.protocolNotSpecified);
    expect(batches[0].metadata.get('vgi_rpc.request_id')).toBe('r9');
  });
});

describe('init streams', () => {
  it('should write the header stream with a GlobalInitResponse row and read it back', () => {
    const executionId = Uint8Array.of(0, 0xb3, 0x38, 0x45);
    const bytes = encodeInitHeader({ executionId }, ctx, [{ level: 'INFO', message: 'minted' }]);
    const stream = readIpcStream(bytes);
    expect(stream.schema).toEqual(GLOBAL_INIT_RESPONSE_SCHEMA);
    const header = decodeInitHeader(stream);
    expect(header.result).toEqual({ executionId, opaqueData: null, maxWorkers: 99999n });
    expect(header.logs).toEqual([{ level: 'INFO', message: 'minted', extra: null }]);
    expect(header.serverId).toBe('srv-1');
  });

  it('should write an init failure as an error stream on the header schema', () => {
    const stream = readIpcStream(encodeInitError(new Error('no such execution'), ctx));
    expect(stream.schema).toEqual(GLOBAL_INIT_RESPONSE_SCHEMA);
    expect(() => decodeInitHeader(stream)).toThrow(/Error: no such execution/);
  });

  it('should stream a producer output tick by tick: logs, data, a state token, errors and EOS', async () => {
    const out = new ResponseStreamEncoder(OUTPUT, ctx, 'finalize output of sort_all');
    const parts = [
      out.start(),
      out.log({ level: 'INFO', message: 'tick 1' }),
      out.data(makeRowsBatch(OUTPUT, [{ x: 1n, name: 'a' }])),
      out.stateToken('c3RhdGU=', 'Y2FsbA=='),
      out.error(new Error('tick 2 failed')),
      out.end(),
    ];
    const framer = new MessageFramer(
      (async function* () {
        yield* parts;
      })(),
    );
    const s = await framer.readStream();
    const { schema, batches } = decodeFrames([s!.schema, ...s!.messages]);
    expect(schema.fields.map((f) => f.name)).toEqual(['x', 'name']);
    expect(batches.map((b) => classifyBatch(b).kind)).toEqual(['log', 'data', 'state-token', 'error']);
    const token = classifyBatch(batches[2]);
    expect(token.kind === 'state-token' && [token.streamState, token.callState]).toEqual(['c3RhdGU=', 'Y2FsbA==']);
    expect(() => sortBatches(batches)).toThrow(/tick 2 failed/);
    expect(await framer.readStream()).toBeNull();
  });

  it('should refuse an output batch that does not match the (projected) output schema', () => {
    const out = new ResponseStreamEncoder(OUTPUT, ctx, 'finalize output of sort_all');
    const wrong = makeRowsBatch(schemaOf([field('name', wire.utf8(), true), field('x', wire.int64(), true)]), [
      { name: 'a', x: 1n },
    ]);
    expect(() => out.data(wrong)).toThrow(/finalize output of sort_all: .*field 0 "x": name differs \(got "name"\)/);
  });

  it('should write the sink-init output as schema + EOS with no batch', () => {
    const out = new ResponseStreamEncoder(OUTPUT, ctx);
    const stream = readIpcStream(out.end());
    expect(stream.schema.fields).toHaveLength(2);
    expect(stream.batches).toHaveLength(0);
  });

  it('should recognise cancel ticks and HTTP continuations', () => {
    expect(isCancelRequest(makeTickBatch())).toBe(false);
    expect(isCancelRequest(makeTickBatch({ cancel: true }))).toBe(true);
    expect(classifyBatch(makeTickBatch()).kind).toBe('data');
    const continuation = readIpcStream(encodeContinuation('c3Q=', 'Y2E=', { cancel: true }));
    expect(continuation.schema.fields).toHaveLength(0);
    expect(isCancelRequest(continuation.batches[0])).toBe(true);
    const c = classifyBatch(continuation.batches[0]);
    expect(c.kind === 'state-token' && c.streamState).toBe('c3Q=');
  });
});
