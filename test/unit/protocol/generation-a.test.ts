/**
 * Wire generation A (protocol 1.0.0 and 1.3.0) beside vgi.v2: the record tables of
 * vgi-wire-gen-a.md transcribed in its own notation, the routing rule (no routing key →
 * generation A at the request's protocol_version), the version gate, and a whole buffering
 * lifecycle in each version through the request handler.
 */
import 'reflect-metadata';
import { type Schema } from 'apache-arrow';
import { type SiloWorker } from '../../../src';
import {
  deserializeSchema,
  field,
  IpcStreamWriter,
  makeZeroColumnBatch,
  readRow,
  schemaOf,
  wire,
} from '../../../src/arrow';
import {
  decodeInitHeader,
  decodeRequest,
  encodeBindRequest,
  encodeRequest,
  ErrorKind,
  type MethodName,
  type ProtocolSpec,
  recordSchema,
  type RequestInputs,
  sortBatches,
  VGI_A10_PROTOCOL,
  VGI_A13_PROTOCOL,
  VGI_V2_PROTOCOL,
} from '../../../src/protocol';
import { RequestHandler } from '../../../src/server';
import { batchFromColumns, serializeBatch } from '../../../src/arrow/batch-utils';
import { ConformanceModule } from '../../../samples/conformance/conformance.module';
import { bootstrapInMemoryWorker } from '../../fixtures/wire/in-memory-worker';
import { connectInMemory } from '../../fixtures/wire/in-memory-connection';
import { readTickAnswer } from '../../fixtures/wire/wire-driver';
import { renderWireSchema, specLines } from './schema-notation';

/** vgi-wire-gen-a.md §3–§4 and §9, in its notation. */
const CATALOG_INFO_A = `
  name: utf8!
  implementation_version: utf8?
  data_version_spec: utf8?
  attach_option_specs: list<binary>!
  releases: list<struct<version: utf8!, released_at: timestamp[us, UTC]!, summary: utf8!, notes_url: utf8?>>!
  source_url: utf8?`;

const ATTACH_RESULT_A10 = `
  attach_opaque_data: binary!
  supports_transactions: bool!
  supports_time_travel: bool!
  catalog_version_frozen: bool!
  catalog_version: int64!
  attach_opaque_data_required: bool!
  default_schema: utf8!
  settings: list<binary>!
  secret_types: list<binary>!
  comment: utf8?
  tags: map<utf8,utf8>!
  supports_column_statistics: bool!
  resolved_data_version: utf8?
  resolved_implementation_version: utf8?`;

const SCHEMA_INFO_A = `
  comment: utf8?
  tags: map<utf8,utf8>!
  attach_opaque_data: binary!
  name: utf8!
  estimated_object_count: map<utf8,int64>?`;

const FUNCTION_INFO_A10 = `
  comment: utf8?
  tags: map<utf8,utf8>!
  name: utf8!
  schema_name: utf8!
  function_type: dict!
  arguments: binary!
  output_schema: binary!
  stability: dict?
  null_handling: dict?
  description: utf8!
  examples: list<struct<sql: utf8!, description: utf8!, expected_output: utf8?>>!
  categories: list<utf8>!
  projection_pushdown: bool?
  filter_pushdown: bool?
  sampling_pushdown: bool?
  late_materialization: bool?
  supported_expression_filters: list<utf8>!
  order_preservation: dict?
  max_workers: int32!
  supports_batch_index: bool!
  partition_kind: dict!
  order_dependent: dict!
  distinct_dependent: dict!
  supports_window: bool!
  streaming_partitioned: bool!
  has_finalize: bool!
  source_order_dependent: bool!
  sink_order_dependent: bool!
  requires_input_batch_index: bool!
  required_settings: list<utf8>!
  required_secrets: list<struct<secret_type: utf8!, scope: utf8?, secret_name: utf8?>>!`;

const BIND_REQUEST_A10 = `
  function_name: utf8!
  arguments: binary!
  function_type: dict!
  input_schema: binary?
  settings: binary?
  secrets: binary?
  attach_opaque_data: binary?
  transaction_opaque_data: binary?
  resolved_secrets_provided: bool!
  at_unit: utf8?
  at_value: utf8?`;

const BIND_RESPONSE_A = `
  output_schema: binary!
  opaque_data: binary!
  lookup_secret_types: list<utf8>!
  lookup_scopes: list<utf8>!
  lookup_names: list<utf8>!`;

const INIT_REQUEST_A10 = `
  bind_call: binary!
  output_schema: binary!
  bind_opaque_data: binary?
  projection_ids: list<int64>?
  pushdown_filters: large_binary?
  join_keys: list<large_binary>?
  phase: dict?
  execution_id: binary?
  init_opaque_data: binary?
  order_by_column_name: utf8?
  order_by_direction: dict?
  order_by_null_order: dict?
  order_by_limit: int64?
  tablesample_percentage: float64?
  tablesample_seed: int64?
  finalize_state_id: binary?`;

const PROCESS_REQUEST_A10 = `
  function_name: utf8!
  execution_id: binary!
  input_batch: binary!
  attach_opaque_data: binary?
  transaction_id: binary?
  batch_index: int64?`;

const lines = (schema: Schema): string[] => renderWireSchema(schema);
const insertAfter = (spec: string, after: string, added: string[]): string[] => {
  const base = specLines(spec);
  const at = base.findIndex((l) => l.startsWith(`${after}:`));
  return [...base.slice(0, at + 1), ...added.map((a) => specLines(a)[0]), ...base.slice(at + 1)];
};

describe('generation-A record tables', () => {
  it.each<[string, Schema, string[]]>([
    ['CatalogInfo 1.0', recordSchema(VGI_A10_PROTOCOL, 'catalog_catalogs', 'item'), specLines(CATALOG_INFO_A)],
    ['CatalogInfo 1.3', recordSchema(VGI_A13_PROTOCOL, 'catalog_catalogs', 'item'), specLines(CATALOG_INFO_A)],
    [
      'CatalogAttachResult 1.0 (14 fields)',
      recordSchema(VGI_A10_PROTOCOL, 'catalog_attach', 'result'),
      specLines(ATTACH_RESULT_A10),
    ],
    [
      'CatalogAttachResult 1.3 (17 fields)',
      recordSchema(VGI_A13_PROTOCOL, 'catalog_attach', 'result'),
      insertAfter(ATTACH_RESULT_A10, 'secret_types', ['attach_catalogs: list<binary>!']).flatMap((l) =>
        l.startsWith('supports_column_statistics:')
          ? [l, 'global_functions:list<binary>!', 'global_function_prefix:utf8!']
          : [l],
      ),
    ],
    ['SchemaInfo', recordSchema(VGI_A10_PROTOCOL, 'catalog_schemas', 'item'), specLines(SCHEMA_INFO_A)],
    [
      'FunctionInfo 1.0 (31 fields)',
      recordSchema(VGI_A10_PROTOCOL, 'catalog_schema_contents_functions', 'item'),
      specLines(FUNCTION_INFO_A10),
    ],
    [
      'FunctionInfo 1.3 (32 fields)',
      recordSchema(VGI_A13_PROTOCOL, 'catalog_schema_contents_functions', 'item'),
      insertAfter(FUNCTION_INFO_A10, 'requires_input_batch_index', ['input_from_args: bool!']),
    ],
    ['BindRequest 1.0 (11 fields)', recordSchema(VGI_A10_PROTOCOL, 'bind', 'request'), specLines(BIND_REQUEST_A10)],
    [
      'BindRequest 1.3',
      recordSchema(VGI_A13_PROTOCOL, 'bind', 'request'),
      [...specLines(BIND_REQUEST_A10), 'schema_name:utf8?'],
    ],
    ['BindResponse', recordSchema(VGI_A10_PROTOCOL, 'bind', 'result'), specLines(BIND_RESPONSE_A)],
    ['InitRequest 1.0 (16 fields)', recordSchema(VGI_A10_PROTOCOL, 'init', 'request'), specLines(INIT_REQUEST_A10)],
    [
      'InitRequest 1.3 (17 fields)',
      recordSchema(VGI_A13_PROTOCOL, 'init', 'request'),
      [...specLines(INIT_REQUEST_A10), 'substream_id:binary?'],
    ],
    [
      'TableBufferingProcessRequest 1.0',
      recordSchema(VGI_A10_PROTOCOL, 'table_buffering_process', 'request'),
      specLines(PROCESS_REQUEST_A10),
    ],
    [
      'TableBufferingProcessRequest 1.3',
      recordSchema(VGI_A13_PROTOCOL, 'table_buffering_process', 'request'),
      [...specLines(PROCESS_REQUEST_A10), 'schema_name:utf8?'],
    ],
  ])('should lay out %s exactly as the extension compares it', (_name, schema, expected) => {
    expect(lines(schema)).toEqual(expected);
  });

  it('should name the schema in the listing params (name: utf8!) where vgi.v2 sends a path', () => {
    expect(lines(VGI_A10_PROTOCOL.methods.get('catalog_schema_contents_functions')!.params)).toEqual(
      specLines('attach_opaque_data: binary!\n name: utf8!\n type: dict!\n transaction_opaque_data: binary?'),
    );
  });
});

describe('decodeRequest: generation A', () => {
  const metadata = (method: string, version: string | undefined) =>
    new Map(
      Object.entries({
        'vgi_rpc.method': method,
        'vgi_rpc.request_version': '1',
        'vgi_rpc.protocol_version': version,
      }).filter((e): e is [string, string] => e[1] !== undefined),
    );
  const decode = (method: string, version: string | undefined) => {
    const batch = makeZeroColumnBatch(1, metadata(method, version));
    return decodeRequest({ schema: batch.schema, batches: [batch] });
  };

  it.each([
    ['1.0.0', VGI_A10_PROTOCOL],
    ['1.0.7', VGI_A10_PROTOCOL],
    ['1.3.0', VGI_A13_PROTOCOL],
    ['1.3.2', VGI_A13_PROTOCOL],
  ])(
    'should serve a request without a routing key at protocol_version %s with that version table',
    (version, protocol) => {
      const result = decode('catalog_catalogs', version);
      if (!result.ok) throw result.refusal.error;
      expect(result.request.wire).toBe(protocol);
      expect(result.request.protocol).toBe(protocol.name);
    },
  );

  it.each([
    [
      '1.1.0',
      /Client: 1\.1\.0\n {2}Server: 1\.0\.0 or 1\.3\.0 \(without a routing key\), 2\.0\.0 \(vgi\.v2\)\n {2}Direction: this worker serves protocol_version 1\.0\.0 and 1\.3\.0 of the generation-A extension, not 1\.1\.0; upgrade the VGI extension\/client to one speaking 1\.3\.0 or 2\.0\.0\./,
    ],
    [
      '1.4.0',
      /Client: 1\.4\.0\n[\s\S]*Direction: server is too old; upgrade the worker \(vgi-silo\) to a version supporting protocol_version 1\.4\.0\./,
    ],
  ])('should refuse generation-A version %s as protocol_version_mismatch naming both versions', (version, message) => {
    const result = decode('catalog_catalogs', version);
    if (result.ok) throw new Error('expected a refusal');
    expect(result.refusal.error.errorKind).toBe(ErrorKind.protocolVersionMismatch);
    expect(result.refusal.error.exceptionType).toBe('ProtocolVersionError');
    expect(result.refusal.error.message).toMatch(/^\[SILO406\] VGI client\/worker protocol_version mismatch\.\n {2}/);
    expect(result.refusal.error.message).toMatch(message);
  });

  it('should check the method before the version, as the reference does', () => {
    const result = decode('frobnicate', '1.1.0');
    if (result.ok) throw new Error('expected a refusal');
    expect(result.refusal.error.errorKind).toBe(ErrorKind.methodNotImplemented);
    expect(result.refusal.error.message).toMatch(/protocol_version 1\.0\.0 has no method 'frobnicate'/);
  });

  it('should refuse a request stream with two batches instead of answering the first', () => {
    const batch = makeZeroColumnBatch(1, metadata('catalog_catalogs', '1.0.0'));
    const result = decodeRequest({ schema: batch.schema, batches: [batch, batch] });
    if (result.ok) throw new Error('expected a refusal');
    expect(result.refusal.error.message).toBe(
      "[SILO401] The request stream of 'catalog_catalogs' holds 2 record batches. Send exactly one request batch per stream; each call is its own stream.",
    );
  });
});

/** An in-memory connection that also reads a call's raw nested result record, as the extension sees it. */
function connect(handler: RequestHandler, protocol: ProtocolSpec) {
  const c = connectInMemory(handler, protocol);
  return {
    ...c,
    resultSchema: async <M extends MethodName>(method: M, params: RequestInputs[M]): Promise<Schema> => {
      c.write(encodeRequest(method, params, { wire: protocol }));
      const { data } = sortBatches((await c.read()).batches);
      return deserializeSchema(readRow(data[data.length - 1]).result as Uint8Array);
    },
  };
}

describe.each([
  ['1.0.0', VGI_A10_PROTOCOL],
  ['1.3.0', VGI_A13_PROTOCOL],
  ['2.0.0 (vgi.v2)', VGI_V2_PROTOCOL],
])('RequestHandler at protocol %s', (_label, protocol) => {
  let worker: SiloWorker;
  let handler: RequestHandler;
  const INPUT = schemaOf([field('x', wire.int64(), true)]);

  beforeAll(async () => {
    worker = await bootstrapInMemoryWorker('example', [ConformanceModule]);
    handler = new RequestHandler(worker);
  });

  afterAll(() => worker.close());

  it("should answer the catalog with the version's record shapes", async () => {
    const c = connect(handler, protocol);
    const attached = await c.call('catalog_attach', { name: 'example' });
    const attachSchema = await c.resultSchema('catalog_attach', { name: 'example' });
    expect(lines(attachSchema)).toEqual(lines(recordSchema(protocol, 'catalog_attach', 'result')));
    const schemas = await c.call('catalog_schemas', { attachOpaqueData: attached.result.attachOpaqueData });
    expect(schemas.result.map((s) => s.path)).toEqual([['main'], ['data']]);
    const functions = await c.call('catalog_schema_contents_functions', {
      attachOpaqueData: attached.result.attachOpaqueData,
      path: ['main'],
      type: 'TABLE_FUNCTION',
    });
    const bufferInput = functions.result.find((f) => f.name === 'buffer_input');
    expect(bufferInput?.functionType).toBe('TABLE_BUFFERING');
    expect(bufferInput?.schemaPath).toEqual(['main']);
    c.end();
  });

  it('should run buffer_input through bind, sink, combine, finalize and the destructor', async () => {
    const c = connect(handler, protocol);
    const bindInput = {
      functionName: 'buffer_input',
      inputSchema: INPUT,
      schemaPath: protocol === VGI_A10_PROTOCOL ? null : ['main'],
    };
    const bound = await c.call('bind', bindInput);
    const outputSchema = bound.result.outputSchema;
    const bindCall = encodeBindRequest(bindInput, protocol);
    c.write(encodeRequest('init', { bindCall, outputSchema, phase: 'TABLE_BUFFERING' }, { wire: protocol }));
    const { executionId } = decodeInitHeader(await c.read()).result;
    c.write(new IpcStreamWriter(INPUT, 'sink input').end());
    await c.read();
    const batch = batchFromColumns(INPUT, { x: [3n, 1n, 2n] });
    const processed = await c.call('table_buffering_process', {
      functionName: 'buffer_input',
      executionId,
      inputBatch: serializeBatch(batch),
    });
    const combined = await c.call('table_buffering_combine', {
      functionName: 'buffer_input',
      executionId,
      stateIds: [processed.result],
    });
    const rows: bigint[] = [];
    for (const fid of combined.result) {
      c.write(
        encodeRequest(
          'init',
          { bindCall, outputSchema, phase: 'TABLE_BUFFERING_FINALIZE', executionId, finalizeStateId: fid },
          { wire: protocol },
        ),
      );
      decodeInitHeader(await c.read());
      const ticks = new IpcStreamWriter(schemaOf([]), 'ticks');
      c.write(ticks.write(batchFromColumns(schemaOf([]), {})));
      const output = (await c.framer.openStream())!;
      for (;;) {
        const answer = await readTickAnswer(output);
        if (answer.batch === null) break;
        for (let i = 0; i < answer.batch.numRows; i++) rows.push(answer.batch.getChildAt(0)!.get(i) as bigint);
        c.write(ticks.write(batchFromColumns(schemaOf([]), {})));
      }
      // The extension sends one more tick after the output's end, then closes its ticks.
      c.write(ticks.write(batchFromColumns(schemaOf([]), {})));
      c.write(ticks.end());
    }
    expect(rows.sort()).toEqual([1n, 2n, 3n]);
    await c.call('table_buffering_destructor', { functionName: 'buffer_input', executionId });
    c.end();
  });
});
