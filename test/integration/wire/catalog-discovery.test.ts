/**
 * Catalog discovery against a real conformance worker process on stdio: every response's
 * outer and nested schemas compared field by field with vgi-wire §4 (names, types,
 * nullability, order), and the FunctionInfo values DuckDB reads.
 */
import { type Field, type RecordBatch, type Schema } from 'apache-arrow';
import { readIpcStream, readRow } from '../../../src/arrow';
import { decodeFunctionInfo, type FunctionInfo } from '../../../src/protocol';
import { renderField, specLines } from '../../unit/protocol/schema-notation';
import {
  ATTACH_RESULT_SPEC,
  CATALOG_INFO_SPEC,
  FUNCTION_INFO_SPEC,
  SCHEMA_INFO_SPEC,
} from '../../unit/protocol/spec-tables';
import { sharedEnvironment, type SharedEnvironment, WorkerProcess } from '../../fixtures/wire/wire-driver';

const render = (schema: Schema): string[] => schema.fields.map((f: Field) => renderField(f).replace(/\s+/g, ''));
const argumentsOf = (info: FunctionInfo): string[] =>
  info.arguments.fields.map(
    (f) => `${renderField(f).replace(/\s+/g, '')} ${JSON.stringify(Object.fromEntries(f.metadata))}`,
  );

/** The nested record of a `result: binary!` response. */
function nestedResult(batches: readonly RecordBatch[]): { schema: Schema; batches: RecordBatch[] } {
  return readIpcStream(readRow(batches[batches.length - 1]).result as Uint8Array);
}

const RESULT_OUTER = ['result:binary!'];
const ITEMS = ['items:list<binary>!'];

const CATALOG_INFO = specLines(CATALOG_INFO_SPEC);

const ATTACH_RESULT = specLines(ATTACH_RESULT_SPEC);

const SCHEMA_INFO = specLines(SCHEMA_INFO_SPEC);

const FUNCTION_INFO = specLines(FUNCTION_INFO_SPEC);

describe('catalog discovery over stdio', () => {
  let shared: SharedEnvironment;
  let worker: WorkerProcess;
  let attach: Uint8Array;
  const functions = new Map<string, FunctionInfo>();

  beforeAll(async () => {
    shared = sharedEnvironment();
    worker = WorkerProcess.spawn(shared);
  });

  afterAll(async () => {
    worker.closeStdin();
    await worker.exited;
    shared.dispose();
  });

  it('should list one catalog, with 1-row (extension) and 0-row (TS client) parameterless requests', async () => {
    for (const rows of [1, 0] as const) {
      const response = await worker.request(
        'catalog_catalogs',
        {},
        { parameterlessRows: rows, requestId: `000000000000000${rows}` },
      );
      expect(render(response.schema)).toEqual(RESULT_OUTER);
      expect(response.batches.at(-1)!.metadata.get('vgi_rpc.request_id')).toBe(`000000000000000${rows}`);
      expect(response.batches.at(-1)!.metadata.get('vgi_rpc.server_id')).toMatch(/^[0-9a-f]{12}$/);
      const items = nestedResult(response.batches);
      expect(render(items.schema)).toEqual(ITEMS);
      const list = readRow(items.batches[0]).items as Uint8Array[];
      expect(list).toHaveLength(1);
      const info = readIpcStream(list[0]);
      expect(render(info.schema)).toEqual(CATALOG_INFO);
      expect(readRow(info.batches[0])).toMatchObject({ name: 'example', attach_option_specs: [], releases: [] });
    }
  });

  it('should attach with fresh opaque bytes each time, a frozen non-zero version, transactions and the 17-field result', async () => {
    const first = nestedResult((await worker.request('catalog_attach', { name: 'example' })).batches);
    expect(render(first.schema)).toEqual(ATTACH_RESULT);
    const row = readRow(first.batches[0]);
    expect(row).toMatchObject({
      catalog_version: 1n,
      catalog_version_frozen: true,
      supports_transactions: true,
      default_schema: 'main',
      settings: [],
      secret_types: [],
    });
    attach = row.attach_opaque_data as Uint8Array;
    expect(attach.length).toBe(16 + 'example'.length);
    const second = (await worker.call('catalog_attach', { name: 'example' })).result;
    expect(Buffer.from(second.attachOpaqueData).equals(Buffer.from(attach))).toBe(false);
  });

  it('should refuse to attach a catalog it does not serve, naming the one it does', async () => {
    await expect(worker.call('catalog_attach', { name: 'nope' })).rejects.toThrow(
      /Catalog "nope" is not served by this worker; it serves "example"/,
    );
  });

  it('should answer copy formats, version, transactions and the other listings', async () => {
    expect((await worker.call('catalog_copy_from_formats', { attachOpaqueData: attach })).result).toEqual([]);
    expect((await worker.call('catalog_version', { attachOpaqueData: attach })).result).toBe(1n);
    // Transactions are advertised: each begin mints a fresh id that DuckDB passes with every bind of the transaction.
    const transaction = (await worker.call('catalog_transaction_begin', { attachOpaqueData: attach })).result;
    expect(transaction).toHaveLength(16);
    expect((await worker.call('catalog_transaction_begin', { attachOpaqueData: attach })).result).not.toEqual(
      transaction,
    );
    const commit = await worker.request('catalog_transaction_commit', {
      attachOpaqueData: attach,
      transactionOpaqueData: Uint8Array.of(1),
    });
    expect([commit.schema.fields.length, commit.batches.length, commit.batches[0].numRows]).toEqual([0, 1, 0]);
    for (const method of [
      'catalog_schema_contents_tables',
      'catalog_schema_contents_views',
      'catalog_schema_contents_indexes',
    ] as const) {
      expect((await worker.call(method, { attachOpaqueData: attach, path: ['main'] })).result).toEqual([]);
    }
    expect(
      (
        await worker.call('catalog_schema_contents_macros', {
          attachOpaqueData: attach,
          path: ['main'],
          type: 'TABLE_MACRO',
        })
      ).result,
    ).toEqual([]);
    expect(
      (await worker.call('catalog_table_get', { attachOpaqueData: attach, schemaPath: ['main'], name: 'buffer_input' }))
        .result,
    ).toEqual([]);
  });

  it('should list the schemas with all seven object counts', async () => {
    const response = nestedResult((await worker.request('catalog_schemas', { attachOpaqueData: attach })).batches);
    const items = readRow(response.batches[0]).items as Uint8Array[];
    const infos = items.map((i) => readIpcStream(i));
    expect(render(infos[0].schema)).toEqual(SCHEMA_INFO);
    const rows = infos.map((i) => readRow(i.batches[0]));
    expect(rows.map((r) => r.path)).toEqual([['main'], ['data']]);
    const counts = rows[0].estimated_object_count as Map<string, bigint>;
    expect(Object.fromEntries(counts)).toEqual({
      table: 0n,
      view: 0n,
      index: 0n,
      scalar_function: 0n,
      aggregate_function: 0n,
      table_function: 20n,
      macro: 0n,
    });
    expect(Object.fromEntries(rows[1].estimated_object_count as Map<string, bigint>).table_function).toBe(1n);
    expect(
      (await worker.call('catalog_schema_get', { attachOpaqueData: attach, path: ['data'] })).result.map((s) => s.path),
    ).toEqual([['data']]);
    expect((await worker.call('catalog_schema_get', { attachOpaqueData: attach, path: ['nope'] })).result).toEqual([]);
  });

  it('should list the functions as table functions only, each FunctionInfo with the 41 spec fields', async () => {
    const response = nestedResult(
      (
        await worker.request('catalog_schema_contents_functions', {
          attachOpaqueData: attach,
          path: ['main'],
          type: 'TABLE_FUNCTION',
        })
      ).batches,
    );
    const items = readRow(response.batches[0]).items as Uint8Array[];
    expect(items).toHaveLength(20);
    for (const item of items) {
      expect(render(readIpcStream(item).schema)).toEqual(FUNCTION_INFO);
      const info = decodeFunctionInfo(item);
      functions.set(info.name, info);
    }
    expect(
      (
        await worker.call('catalog_schema_contents_functions', {
          attachOpaqueData: attach,
          path: ['main'],
          type: 'SCALAR_FUNCTION',
        })
      ).result,
    ).toEqual([]);
    const data = (
      await worker.call('catalog_schema_contents_functions', {
        attachOpaqueData: attach,
        path: ['data'],
        type: 'TABLE_FUNCTION',
      })
    ).result;
    expect(data.map((f) => [f.name, f.schemaPath])).toEqual([['test_same_name_buffered', ['data']]]);
  });

  it('should describe buffer_input as the reference describes a buffering function', () => {
    const info = functions.get('buffer_input')!;
    expect(argumentsOf(info)).toEqual(['data:null? {"vgi_type":"table","vgi_doc":"Input table"}']);
    expect(info.outputSchema.fields).toEqual([]);
    expect(info).toMatchObject({
      comment: null,
      tags: {},
      schemaPath: ['main'],
      functionType: 'TABLE_BUFFERING',
      parameterDefaultValues: null,
      stability: 'CONSISTENT',
      nullHandling: 'DEFAULT',
      argumentMonotonicity: null,
      description: 'Collects all input batches and emits during finalization',
      examples: [
        {
          sql: 'SELECT * FROM buffer_input((SELECT * FROM input_table))',
          description: 'Buffer all input and emit on finalize',
          expectedOutput: null,
        },
      ],
      categories: ['utility', 'buffer'],
      projectionPushdown: false,
      filterPushdown: false,
      samplingPushdown: false,
      filterSemanticProfiles: [],
      orderPreservation: 'NO_ORDER_GUARANTEE',
      maxWorkers: 99999,
      supportsBatchIndex: false,
      supportsSplits: false,
      filtersExactlyApplied: false,
      partitionKind: 'NOT_PARTITIONED',
      orderDependent: 'NOT_ORDER_DEPENDENT',
      distinctDependent: 'NOT_DISTINCT_DEPENDENT',
      hasFinalize: true,
      sourceOrderDependent: false,
      sinkOrderDependent: false,
      requiresInputBatchIndex: false,
      inputFromArgs: false,
      requiredSettings: [],
      requiredSecrets: [],
    });
  });

  it('should advertise supports_batch_index exactly when the function requires the batch index', () => {
    expect(functions.get('batch_index_buffer_input')).toMatchObject({
      supportsBatchIndex: true,
      requiresInputBatchIndex: true,
      sinkOrderDependent: false,
    });
    expect(functions.get('ordered_buffer_input')).toMatchObject({
      supportsBatchIndex: false,
      requiresInputBatchIndex: false,
      sinkOrderDependent: true,
    });
    expect(functions.get('ordered_source')).toMatchObject({ sourceOrderDependent: true });
  });

  it('should put positional scalars before the TABLE input and sorted named arguments after it, with docs and constraints', () => {
    expect(argumentsOf(functions.get('buffer_emit_wide')!)).toEqual([
      'rows:int64? {"vgi_doc":"Number of rows to emit in one finalize batch","vgi_range":"[0, +inf)"}',
      'data:null? {"vgi_type":"table","vgi_doc":"Input table (content ignored)"}',
    ]);
    expect(argumentsOf(functions.get('accumulate')!).map((a) => a.split(' ')[0])).toEqual([
      'name:utf8?',
      'data:null?',
      'max_row_size:int64?',
      'result:utf8?',
      'ttl:Interval<MONTH_DAY_NANO>?',
    ]);
    const result = functions.get('accumulate')!.arguments.fields.find((f) => f.name === 'result')!;
    expect(Object.fromEntries(result.metadata)).toEqual({
      vgi_arg: 'named',
      vgi_default: '"all"',
      vgi_choices: '["all","new","none"]',
      vgi_doc: "What to return: 'all' accumulated rows (default), only the 'new' rows, or 'none'",
    });
  });

  it('should advertise projection and filter pushdown for echo_buffering, filters not exactly applied', () => {
    expect(functions.get('echo_buffering')).toMatchObject({
      projectionPushdown: true,
      filterPushdown: true,
      filterSemanticProfiles: ['vgi.duckdb.standard.v1'],
      filtersExactlyApplied: false,
    });
  });

  it('should host vgi_rpc.Reflection.v1 with vgi.v2 first among the non-reserved protocols', async () => {
    const list = (await worker.call('list_protocols', {}, { parameterlessRows: 0 })).result;
    expect(list.protocols.map((p) => p.protocol)).toEqual(['vgi.v2', 'vgi_rpc.Reflection.v1']);
    expect(list).toMatchObject({ requestVersion: '1', serverVersion: '0.1.0' });
    const described = (await worker.call('describe', { protocol: 'vgi.v2' })).result;
    expect(described.methods.find((m) => m.name === 'init')).toMatchObject({ methodType: 'stream', hasHeader: true });
    await expect(worker.call('describe', { protocol: 'vgi.v9' })).rejects.toMatchObject({
      errorKind: 'protocol_not_supported',
    });
  });
});
