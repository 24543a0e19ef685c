import 'reflect-metadata';
import type { RecordBatch } from 'apache-arrow';
import { Matches } from 'class-validator';
import {
  BufferingFunction,
  Combine,
  Finalize,
  Named,
  Positional,
  Process,
  TableInput,
  defineModule,
  type Output,
  type SinkContext,
} from '../../../src';
import { decodeFunctionInfo, encodeFunctionInfo } from '../../../src/protocol';
import { FunctionRegistry } from '../../../src/registration/function-registry';
import { CatalogService } from '../../../src/server/catalog.service';
import { advertisesFilterPushdown, toFunctionDescriptor } from '../../../src/server/function-descriptor.mapper';

class ReportArgs {
  @Positional(0, 'utf8', { doc: 'Report title' }) @Matches(/^[a-z]+$/) title!: string;
  @TableInput({ position: 1 }) data!: unknown;
  @Named('int64', { default: 5n }) zeta!: bigint;
  @Named('bool', { name: 'alpha' }) alphaFlag!: boolean | null;
}

@BufferingFunction({
  name: 'report',
  schema: 'reports',
  description: 'Builds a report',
  args: ReportArgs,
  tags: { team: 'data' },
  examples: [{ sql: "SELECT * FROM report('q', (SELECT 1))" }],
  stability: 'volatile',
  maxWorkers: 4,
  requiredSettings: ['threads'],
  requiredSecrets: [
    { type: 's3', scope: 's3://bucket/' },
    { type: 'http', name: 'api' },
  ],
  filterPushdown: true,
  projectionPushdown: true,
})
class ReportFunction {
  @Process() process(_b: RecordBatch, ctx: SinkContext): Uint8Array {
    return ctx.executionId;
  }
  @Combine() combine(): Uint8Array[] {
    return [];
  }
  @Finalize() finalize(_s: unknown, out: Output): void {
    out.finish();
  }
}

describe('toFunctionDescriptor', () => {
  const registry = FunctionRegistry.build(
    defineModule({ name: 'reports', functions: [ReportFunction] }).functions,
    () => true,
  );
  const definition = registry.require('report');

  it('should publish every declared option in the FunctionInfo DuckDB reads', () => {
    const info = decodeFunctionInfo(encodeFunctionInfo(toFunctionDescriptor(definition)));
    expect(info).toMatchObject({
      name: 'report',
      schemaPath: ['reports'],
      functionType: 'TABLE_BUFFERING',
      description: 'Builds a report',
      tags: { team: 'data' },
      examples: [{ sql: "SELECT * FROM report('q', (SELECT 1))", description: '', expectedOutput: null }],
      stability: 'VOLATILE',
      maxWorkers: 4,
      requiredSettings: ['threads'],
      requiredSecrets: [
        { secretType: 's3', scope: 's3://bucket/', secretName: null },
        { secretType: 'http', scope: null, secretName: 'api' },
      ],
      projectionPushdown: true,
      hasFinalize: true,
    });
  });

  it('should order positional, TABLE, then named arguments by name, with defaults and patterns as metadata', () => {
    const info = decodeFunctionInfo(encodeFunctionInfo(toFunctionDescriptor(definition)));
    expect(
      info.arguments.fields.map((f) => [f.name, String(f.type), f.nullable, Object.fromEntries(f.metadata)]),
    ).toEqual([
      ['title', 'Utf8', true, { vgi_doc: 'Report title', vgi_pattern: '^[a-z]+$' }],
      ['data', 'Null', true, { vgi_type: 'table' }],
      ['alpha', 'Bool', true, { vgi_arg: 'named' }],
      ['zeta', 'Int64', true, { vgi_arg: 'named', vgi_default: '5' }],
    ]);
  });

  it('should not advertise filter pushdown when the framework would not apply the filters', () => {
    expect(advertisesFilterPushdown(definition)).toBe(false);
    expect(toFunctionDescriptor(definition)).toMatchObject({
      filterPushdown: false,
      filterSemanticProfiles: [],
      filtersExactlyApplied: false,
    });
  });
});

describe('CatalogService', () => {
  const catalog = new CatalogService(
    'reports_catalog',
    FunctionRegistry.build([ReportFunction], () => true),
  );

  it('should list functions only in their own schema and only for TABLE_FUNCTION listings', () => {
    const params = { attachOpaqueData: Uint8Array.of(1), transactionOpaqueData: null };
    expect(catalog.functions({ ...params, path: ['reports'], type: 'TABLE_FUNCTION' })).toHaveLength(1);
    expect(catalog.functions({ ...params, path: ['main'], type: 'TABLE_FUNCTION' })).toEqual([]);
    expect(catalog.functions({ ...params, path: ['reports'], type: 'AGGREGATE_FUNCTION' })).toEqual([]);
    expect(catalog.functions({ ...params, path: [], type: 'TABLE_FUNCTION' })).toEqual([]);
  });

  it('should make the only schema the default schema and echo the attach bytes in SchemaInfo', () => {
    const attach = catalog.attach({
      name: 'reports_catalog',
      options: {},
      dataVersionSpec: null,
      implementationVersion: null,
      clientCapabilities: null,
    });
    expect(attach.defaultSchema).toBe('reports');
    const [info] = catalog.schemas({ attachOpaqueData: attach.attachOpaqueData, transactionOpaqueData: null });
    expect(info.attachOpaqueData).toBe(attach.attachOpaqueData);
    expect(info.estimatedObjectCount).toMatchObject({ table_function: 1n, table: 0n });
  });
});
