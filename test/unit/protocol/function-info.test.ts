import { type Dictionary, Type } from 'apache-arrow';
import { deserializeSchema, readIpcStream, readRow, serializeSchema, wire } from '../../../src/arrow';
import {
  buildArgumentsSchema,
  decodeFunctionInfo,
  decodeUnaryResponseBytes,
  encodeFunctionInfo,
  encodeUnaryResponse,
  FUNCTION_INFO_SCHEMA,
  type FunctionDescriptor,
  readArgumentsSchema,
} from '../../../src/protocol';
import { renderWireSchema } from './schema-notation';

const SORT_ALL: FunctionDescriptor = {
  name: 'sort_all',
  description: 'Sorts its input by the first column',
  arguments: [
    { name: 'data', kind: 'table' },
    { name: 'chunk_size', kind: 'named', type: wire.int64(), default: 3, range: { ge: 1 } },
  ],
};

describe('encodeFunctionInfo', () => {
  it('should write a FunctionInfo record on exactly the §4.6 schema', () => {
    const { schema, batches } = readIpcStream(encodeFunctionInfo(SORT_ALL));
    expect(renderWireSchema(schema)).toEqual(renderWireSchema(FUNCTION_INFO_SCHEMA));
    expect(batches).toHaveLength(1);
    expect(batches[0].numRows).toBe(1);
    expect((schema.fields[4].type as Dictionary).indices.bitWidth).toBe(16);
  });

  it('should send the reference values for a buffering function by default', () => {
    const row = readRow(readIpcStream(encodeFunctionInfo(SORT_ALL)).batches[0]);
    expect(row).toMatchObject({
      comment: null,
      tags: new Map(),
      name: 'sort_all',
      schema_path: ['main'],
      function_type: 'TABLE_BUFFERING',
      parameter_default_values: null,
      stability: 'CONSISTENT',
      null_handling: 'DEFAULT',
      argument_monotonicity: null,
      description: 'Sorts its input by the first column',
      examples: [],
      categories: [],
      projection_pushdown: false,
      filter_pushdown: false,
      sampling_pushdown: false,
      late_materialization: null,
      filter_semantic_profiles: [],
      additional_filter_functions: [],
      runtime_filter_algorithms: [],
      filter_evaluation_contexts: [],
      order_preservation: 'NO_ORDER_GUARANTEE',
      max_workers: 99999,
      supports_batch_index: false,
      supports_splits: false,
      filters_exactly_applied: false,
      supports_positions: false,
      split_token_ttl_seconds: null,
      partition_kind: 'NOT_PARTITIONED',
      order_dependent: 'NOT_ORDER_DEPENDENT',
      distinct_dependent: 'NOT_DISTINCT_DEPENDENT',
      supports_window: false,
      streaming_partitioned: false,
      has_finalize: true,
      source_order_dependent: false,
      sink_order_dependent: false,
      requires_input_batch_index: false,
      input_from_args: false,
      required_settings: [],
      required_secrets: [],
    });
    expect(deserializeSchema(row.output_schema as Uint8Array).fields).toHaveLength(0);
  });

  it('should carry flags, examples, tags, required settings and secrets', () => {
    const info = decodeFunctionInfo(
      encodeFunctionInfo({
        ...SORT_ALL,
        tags: { owner: 'team-a' },
        requiresInputBatchIndex: true,
        sourceOrderDependent: true,
        projectionPushdown: true,
        examples: [{ sql: 'SELECT * FROM sort_all((SELECT 1))', description: 'one row' }],
        requiredSettings: ['threads'],
        requiredSecrets: [{ secretType: 's3', scope: 's3://bucket' }],
      }),
    );
    expect(info.supportsBatchIndex).toBe(true);
    expect(info.requiresInputBatchIndex).toBe(true);
    expect(info.sourceOrderDependent).toBe(true);
    expect(info.projectionPushdown).toBe(true);
    expect(info.tags).toEqual({ owner: 'team-a' });
    expect(info.examples).toEqual([
      { sql: 'SELECT * FROM sort_all((SELECT 1))', description: 'one row', expectedOutput: null },
    ]);
    expect(info.requiredSettings).toEqual(['threads']);
    expect(info.requiredSecrets).toEqual([{ secretType: 's3', scope: 's3://bucket', secretName: null }]);
    expect(info.arguments.fields.map((f) => f.name)).toEqual(['data', 'chunk_size']);
  });

  it('should refuse flag combinations DuckDB rejects and a buffering function without a TABLE argument', () => {
    expect(() => encodeFunctionInfo({ ...SORT_ALL, requiresInputBatchIndex: true, supportsBatchIndex: false })).toThrow(
      /supportsBatchIndex must equal requiresInputBatchIndex/,
    );
    expect(() => encodeFunctionInfo({ ...SORT_ALL, requiresInputBatchIndex: true, sinkOrderDependent: true })).toThrow(
      /cannot be combined with sinkOrderDependent/,
    );
    expect(() =>
      encodeFunctionInfo({ name: 'f', arguments: [{ name: 'k', kind: 'positional', type: wire.int64() }] }),
    ).toThrow(/\[SILO408\] FunctionInfo "f": a TABLE_BUFFERING function needs a TABLE argument/);
  });
});

describe('catalog_schema_contents_functions result', () => {
  it('should list functions as FunctionInfo items a client decodes back, pre-encoded items passing through', () => {
    const other = encodeFunctionInfo({ ...SORT_ALL, name: 'sum_by_key' });
    const bytes = encodeUnaryResponse('catalog_schema_contents_functions', [SORT_ALL, other], {
      serverId: 's',
      requestId: null,
    });
    const { result } = decodeUnaryResponseBytes('catalog_schema_contents_functions', bytes);
    expect(result.map((f) => [f.name, f.functionType, f.hasFinalize])).toEqual([
      ['sort_all', 'TABLE_BUFFERING', true],
      ['sum_by_key', 'TABLE_BUFFERING', true],
    ]);
    expect(
      readArgumentsSchema(result[0].arguments).map((a) => [a.name, a.kind, a.metadata.get('vgi_default')]),
    ).toEqual([
      ['data', 'table', undefined],
      ['chunk_size', 'named', '3'],
    ]);
  });
});

describe('buildArgumentsSchema (§4.7)', () => {
  it('should reproduce the captured flags(factor DOUBLE, label VARCHAR, data TABLE, limit := BIGINT, verbose := VARCHAR) schema', () => {
    const schema = deserializeSchema(
      serializeSchema(
        buildArgumentsSchema([
          { name: 'verbose', kind: 'named', type: wire.utf8(), doc: 'log more' },
          { name: 'data', kind: 'table' },
          { name: 'factor', kind: 'positional', type: wire.float64(), doc: 'multiplier' },
          { name: 'limit', kind: 'named', type: wire.int64(), default: 10n },
          { name: 'label', kind: 'positional', type: wire.utf8() },
        ]),
      ),
    );
    expect(schema.fields.map((f) => [f.name, String(f.type), f.nullable, Object.fromEntries(f.metadata)])).toEqual([
      ['factor', 'Float64', true, { vgi_doc: 'multiplier' }],
      ['label', 'Utf8', true, {}],
      ['data', 'Null', true, { vgi_type: 'table' }],
      ['limit', 'Int64', true, { vgi_arg: 'named', vgi_default: '10' }],
      ['verbose', 'Utf8', true, { vgi_arg: 'named', vgi_doc: 'log more' }],
    ]);
    expect(schema.fields[2].type.typeId).toBe(Type.Null);
  });

  it('should publish constraints as vgi_choices, vgi_range and vgi_pattern', () => {
    const schema = buildArgumentsSchema([
      { name: 'data', kind: 'table' },
      { name: 'result', kind: 'named', type: wire.utf8(), default: 'all', choices: ['all', 'new', 'none'] },
      { name: 'k', kind: 'positional', type: wire.int64(), range: { gt: 0, le: 100n } },
      { name: 'rows', kind: 'positional', type: wire.int64(), range: { ge: 0 } },
      { name: 'name', kind: 'positional', type: wire.utf8(), pattern: /^[a-z]+$/ },
    ]);
    const meta = Object.fromEntries(schema.fields.map((f) => [f.name, Object.fromEntries(f.metadata)]));
    expect(meta.result).toEqual({ vgi_arg: 'named', vgi_default: '"all"', vgi_choices: '["all","new","none"]' });
    expect(meta.k).toEqual({ vgi_range: '(0, 100]' });
    expect(meta.rows).toEqual({ vgi_range: '[0, +inf)' });
    expect(meta.name).toEqual({ vgi_pattern: '^[a-z]+$' });
    expect(readArgumentsSchema(schema).map((a) => `${a.name}:${a.kind}`)).toEqual([
      'k:positional',
      'rows:positional',
      'name:positional',
      'data:table',
      'result:named',
    ]);
  });

  it('should refuse duplicate names, untyped parameters and two TABLE inputs', () => {
    expect(() =>
      buildArgumentsSchema(
        [
          { name: 'a', kind: 'positional', type: wire.int64() },
          { name: 'a', kind: 'named', type: wire.int64() },
        ],
        'f',
      ),
    ).toThrow(/"a" is declared twice/);
    expect(() => buildArgumentsSchema([{ name: 'k', kind: 'positional' }], 'f')).toThrow(/"k" has no Arrow type/);
    expect(() =>
      buildArgumentsSchema(
        [
          { name: 'a', kind: 'table' },
          { name: 'b', kind: 'table' },
        ],
        'f',
      ),
    ).toThrow(/2 TABLE arguments/);
  });
});
