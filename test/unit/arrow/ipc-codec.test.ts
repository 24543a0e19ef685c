import {
  Int64,
  Field,
  makeVector,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Type,
  vectorFromArray,
} from 'apache-arrow';
import {
  conformBatchToSchema,
  deserializeSchema,
  EOS_BYTES,
  field,
  IpcSchemaMismatchError,
  IpcStreamWriter,
  makeEmptyBatch,
  makeRecordBatch,
  makeRowsBatch,
  makeZeroColumnBatch,
  readIpcStream,
  readRow,
  schemaOf,
  serializeBatch,
  serializeBatches,
  serializeSchema,
  wire,
} from '../../../src/arrow';

const SCHEMA = schemaOf([field('x', wire.int64(), false), field('label', wire.utf8(), true)], { owner: 'test' });

describe('IPC serialization helpers', () => {
  it('should write a schema as schema message + EOS and read it back with field metadata', () => {
    const withMeta = schemaOf([field('limit', wire.int64(), true, { vgi_arg: 'named', vgi_default: '10' })]);
    const bytes = serializeSchema(withMeta);
    expect(Array.from(bytes.subarray(bytes.length - 8))).toEqual(Array.from(EOS_BYTES));
    const back = deserializeSchema(bytes);
    expect(back.fields[0].name).toBe('limit');
    expect(back.fields[0].nullable).toBe(true);
    expect(back.fields[0].metadata.get('vgi_default')).toBe('10');
  });

  it('should read a serialized schema in all three forms: bare message, schema + EOS, full stream', () => {
    const withEos = serializeSchema(SCHEMA);
    const bare = withEos.subarray(0, withEos.length - 8);
    const fullStream = serializeBatch(makeEmptyBatch(SCHEMA));
    for (const bytes of [bare, withEos, fullStream]) {
      const schema = deserializeSchema(bytes);
      expect(schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual([
        'x:Int64:false',
        'label:Utf8:true',
      ]);
      expect(schema.metadata.get('owner')).toBe('test');
    }
  });

  it('should read nested IPC bytes that sit at an unaligned offset (binary cells are views)', () => {
    const bytes = serializeBatch(makeRowsBatch(SCHEMA, [{ x: 42n, label: 'a' }]));
    const holder = new Uint8Array(bytes.length + 3);
    holder.set(bytes, 3);
    const { batches } = readIpcStream(holder.subarray(3));
    expect(readRow(batches[0])).toEqual({ x: 42n, label: 'a' });
  });

  it('should keep per-batch custom metadata on every batch of a stream', () => {
    const bytes = serializeBatches(SCHEMA, [
      makeEmptyBatch(SCHEMA, { 'vgi_rpc.log_level': 'INFO', 'vgi_rpc.log_message': 'starting' }),
      makeRowsBatch(SCHEMA, [{ x: 1n, label: null }], { 'vgi_rpc.server_id': 'w1' }),
    ]);
    const { batches } = readIpcStream(bytes);
    expect(batches.map((b) => b.numRows)).toEqual([0, 1]);
    expect(batches[0].metadata.get('vgi_rpc.log_message')).toBe('starting');
    expect(batches[1].metadata.get('vgi_rpc.server_id')).toBe('w1');
    expect(readRow(batches[1])).toEqual({ x: 1n, label: null });
  });

  it('should round-trip a 0-column batch with 1 row and one with 0 rows', () => {
    for (const rows of [1, 0]) {
      const bytes = serializeBatch(makeZeroColumnBatch(rows, { 'vgi_rpc.method': 'catalog_catalogs' }));
      const { schema, batches } = readIpcStream(bytes);
      expect(schema.fields).toHaveLength(0);
      expect(batches[0].numRows).toBe(rows);
      expect(batches[0].metadata.get('vgi_rpc.method')).toBe('catalog_catalogs');
    }
  });
});

describe('IpcStreamWriter', () => {
  it('should refuse a batch whose schema differs instead of silently closing the stream', () => {
    const writer = new IpcStreamWriter(SCHEMA, 'finalize output');
    writer.start();
    const other = makeRowsBatch(schemaOf([field('y', wire.int64(), false)]), [{ y: 1n }]);
    expect(() => writer.write(other)).toThrow(IpcSchemaMismatchError);
    expect(() => writer.write(other)).toThrow(/finalize output: .*expected 2 field\(s\) \[x, label\], got 1 \[y\]/);
    // The stream is still usable afterwards.
    const ok = writer.write(makeRowsBatch(SCHEMA, [{ x: 5n, label: 'ok' }]));
    expect(ok.length).toBeGreaterThan(0);
  });

  it('should accept a batch whose only differences are arrow-internal (Int64 class, nullable flag without nulls)', () => {
    const looseSchema = new Schema([new Field('x', new Int64(), true), new Field('label', wire.utf8(), true)]);
    const loose = new RecordBatch(looseSchema, makeRecordBatch(looseSchema, { x: [7n], label: ['z'] }).data);
    const writer = new IpcStreamWriter(SCHEMA);
    const bytes = new Uint8Array(Buffer.concat([writer.write(loose), writer.end()]));
    const { schema, batches } = readIpcStream(bytes);
    expect(schema.fields[0].nullable).toBe(false);
    expect(readRow(batches[0])).toEqual({ x: 7n, label: 'z' });
  });

  it('should write a schema-only stream on end() when no batch was written', () => {
    const writer = new IpcStreamWriter(SCHEMA);
    const { schema, batches } = readIpcStream(writer.end());
    expect(schema.fields).toHaveLength(2);
    expect(batches).toHaveLength(0);
    expect(() => writer.write(makeEmptyBatch(SCHEMA))).toThrow(/after end\(\)/);
  });

  it('should write every batch when consecutive batches carry their own dictionaries', () => {
    const enumSchema = schemaOf([field('kind', wire.dict(), false)]);
    const writer = new IpcStreamWriter(enumSchema);
    const parts = [
      writer.write(makeRowsBatch(enumSchema, [{ kind: 'TABLE' }])),
      writer.write(makeRowsBatch(enumSchema, [{ kind: 'VIEW' }, { kind: 'TABLE' }])),
      writer.end(),
    ];
    const { batches } = readIpcStream(new Uint8Array(Buffer.concat(parts)));
    expect(batches.map((b) => b.getChild('kind')!.toArray())).toEqual([['TABLE'], ['VIEW', 'TABLE']]);
  });
});

describe('conformBatchToSchema', () => {
  it('should refuse nulls in a field the target declares non-nullable', () => {
    const loose = makeRowsBatch(schemaOf([field('x', wire.int64(), true), field('label', wire.utf8(), true)]), [
      { x: null, label: 'a' },
    ]);
    expect(() => conformBatchToSchema(loose, SCHEMA, 'output of f')).toThrow(
      /output of f: .*field 0 "x" is declared non-nullable but holds 1 null/,
    );
  });
});

describe('makeRecordBatch', () => {
  it('should refuse columns of different lengths rather than flip a field to nullable', () => {
    expect(() => makeRecordBatch(SCHEMA, { x: [1n, 2n], label: ['a'] })).toThrow(
      /"label".*1 value\(s\) but the batch has 2 row/,
    );
  });

  it('should refuse a null in a non-nullable column', () => {
    expect(() => makeRecordBatch(SCHEMA, { x: [null], label: ['a'] })).toThrow(/"x".*non-nullable/);
  });

  it('should take ready-made vectors as columns', () => {
    const batch = makeRecordBatch(SCHEMA, {
      x: makeVector(BigInt64Array.of(3n)),
      label: vectorFromArray(['q'], wire.utf8()),
    });
    expect(readRow(batch)).toEqual({ x: 3n, label: 'q' });
  });

  it('should produce exactly the requested types, never inferred dictionaries', () => {
    const batch = makeRecordBatch(SCHEMA, { x: [1n], label: ['text'] });
    expect(batch.schema.fields[1].type.typeId).toBe(Type.Utf8);
    const legacy = RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
    expect(readIpcStream(legacy).schema.fields[1].type.typeId).toBe(Type.Utf8);
  });
});

describe('readIpcStream on unaligned Node buffers', () => {
  it('should copy a body that a Buffer view leaves off an 8-byte boundary (Buffer#slice would not)', () => {
    const schema = schemaOf([field('k', wire.int64(), false), field('s', wire.utf8(), true)]);
    const bytes = serializeBatch(
      makeRowsBatch(schema, [
        { k: 5n, s: 'x' },
        { k: -1n, s: null },
      ]),
    );
    for (const offset of [1, 3, 4]) {
      // Socket chunks are Buffers, and so is every subarray of one.
      const host = Buffer.alloc(bytes.length + offset);
      host.set(bytes, offset);
      const { batches } = readIpcStream(host.subarray(offset));
      expect(batches[0].getChild('k')!.toArray()).toEqual(BigInt64Array.of(5n, -1n));
    }
  });
});
