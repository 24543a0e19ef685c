import { field, readIpcStream, readRow, schemaOf, wire, deserializeSchema } from '../../../src/arrow';
import {
  decodeCatalogAttachResult,
  decodeCatalogInfo,
  decodeSettingSpec,
  encodeCatalogAttachResult,
  encodeCatalogInfo,
  encodeSecretTypeSpec,
  encodeSettingSpec,
  SECRET_TYPE_SPEC_SCHEMA,
} from '../../../src/protocol';
import { renderWireSchema } from './schema-notation';

describe('catalog records', () => {
  it('should carry catalog releases with microsecond UTC timestamps', () => {
    const releasedAt = Date.UTC(2025, 5, 1, 12, 0, 0);
    const info = decodeCatalogInfo(
      encodeCatalogInfo({
        name: 'demo',
        implementationVersion: '1.2.0',
        releases: [{ version: '1.2.0', releasedAt, summary: 'faster', notesUrl: null }],
      }),
    );
    expect(info.releases).toEqual([{ version: '1.2.0', releasedAt, summary: 'faster', notesUrl: null }]);
    expect(info.implementationVersion).toBe('1.2.0');
  });

  it("should refuse catalog_version 0, which would clear DuckDB's catalog cache on every transaction", () => {
    expect(() => encodeCatalogAttachResult({ attachOpaqueData: Uint8Array.of(1), catalogVersion: 0 })).toThrow(
      /catalogVersion 0 means "unknown"/,
    );
  });

  it('should serialize setting specs with a one-field `value` schema and a nested default', () => {
    const spec = encodeSettingSpec({
      name: 'sort_memory',
      description: 'bytes per sort',
      type: wire.int64(),
      defaultValue: 1024n,
    });
    const row = readRow(readIpcStream(spec).batches[0]);
    expect(renderWireSchema(deserializeSchema(row.type as Uint8Array))).toEqual(['value:int64?']);
    expect(decodeSettingSpec(spec)).toMatchObject({
      name: 'sort_memory',
      description: 'bytes per sort',
      defaultValue: 1024n,
    });
    const attach = decodeCatalogAttachResult(
      encodeCatalogAttachResult({
        attachOpaqueData: Uint8Array.of(1),
        settings: [{ name: 's', description: '', type: wire.utf8() }],
      }),
    );
    expect(decodeSettingSpec(attach.settings[0]).defaultValue).toBeNull();
  });

  it('should serialize secret types with their parameters schema and redact metadata', () => {
    const bytes = encodeSecretTypeSpec({
      name: 'acme',
      description: 'ACME API',
      parametersSchema: schemaOf([field('token', wire.utf8(), true, { redact: 'true' })]),
    });
    const { schema, batches } = readIpcStream(bytes);
    expect(schema.fields.map((f) => f.name)).toEqual(SECRET_TYPE_SPEC_SCHEMA.fields.map((f) => f.name));
    const params = deserializeSchema(readRow(batches[0]).parameters_schema as Uint8Array);
    expect(params.fields[0].metadata.get('redact')).toBe('true');
  });
});
