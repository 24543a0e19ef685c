import { RecordBatchReader } from 'apache-arrow';
import {
  encodeSingleRowStream,
  field,
  IpcFramingError,
  makeRowsBatch,
  readRow,
  readSingleRowStream,
  schemaOf,
  serializeBatch,
  verifyIpcStreamBytes,
  wire,
} from '../../../src/arrow';
import { encodeStream } from '../../../src/arrow/batch-message.codec';

/** Every column type the direct codec handles, nullable and not. */
const schema = schemaOf([
  field('name', wire.utf8(), false),
  field('blob', wire.binary(), false),
  field('count', wire.int64(), true),
  field('small', wire.int32(), true),
  field('ratio', wire.float64(), true),
  field('flag', wire.bool(), true),
  field('path', wire.list(wire.utf8()), true),
  field('ids', wire.list(wire.binary()), true),
  field('note', wire.utf8(), true),
]);

const row = {
  name: 'zürich · 東京',
  blob: Uint8Array.of(0, 1, 2, 255),
  count: -(2n ** 62n),
  small: -7,
  ratio: 0.125,
  flag: true,
  path: ['main', '', 'ünï'],
  ids: [
    Uint8Array.of(9),
    null,
    new Uint8Array(0),
    Uint8Array.of(1, 2, 3),
    null,
    null,
    null,
    null,
    null,
    Uint8Array.of(4),
  ],
  note: null,
};

const valuesOf = (r: Record<string, unknown>): unknown[] => schema.fields.map((f) => r[f.name]);

/** What apache-arrow's own reader makes of a stream: the metadata and row 0 as plain values. */
function readWithApacheArrow(bytes: Uint8Array): { metadata: Map<string, string>; row: Record<string, unknown> } {
  const reader = RecordBatchReader.from(bytes);
  const batches = reader.readAll();
  expect(batches).toHaveLength(1);
  expect(batches[0].numRows).toBe(1);
  return { metadata: batches[0].metadata, row: readRow(batches[0]) };
}

/** A binary value as a plain array, so views and copies compare equal. */
const plain = (v: unknown): unknown =>
  v instanceof Uint8Array ? [...v] : Array.isArray(v) ? v.map(plain) : v === undefined ? null : v;
const plainRow = (r: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)]));

describe('encodeSingleRowStream', () => {
  it('should write a stream apache-arrow reads back value for value, custom metadata included', () => {
    const metadata = new Map([
      ['vgi_rpc.server_id', 'srv-1'],
      ['vgi_rpc.request_id', '0123456789abcdef'],
      ['ключ', 'значение'],
    ]);
    const bytes = encodeSingleRowStream(schema, valuesOf(row), { metadata })!;
    expect(bytes).not.toBeNull();
    expect(() => verifyIpcStreamBytes(bytes, 'test')).not.toThrow();
    const back = readWithApacheArrow(bytes);
    expect(plainRow(back.row)).toEqual(plainRow(row));
    expect([...back.metadata]).toEqual([...metadata]);
  });

  it('should write every null as a null, and empty lists and values as empty', () => {
    const nulls = { ...row, count: null, small: null, ratio: null, flag: null, path: null, ids: [], name: '' };
    const back = readWithApacheArrow(encodeSingleRowStream(schema, valuesOf(nulls))!);
    expect(plainRow(back.row)).toEqual(plainRow(nulls));
    expect(back.metadata.size).toBe(0);
  });

  it('should take safe-integer numbers for int64, as the column builder does', () => {
    const bytes = encodeSingleRowStream(schema, valuesOf({ ...row, count: 42 }))!;
    expect(readWithApacheArrow(bytes).row.count).toBe(42n);
  });

  it('should leave to the general path what it does not write exactly', () => {
    const refuse = (changes: Record<string, unknown>) =>
      encodeSingleRowStream(schema, valuesOf({ ...row, ...changes }));
    expect(refuse({ name: null })).toBeNull(); // a null in a non-nullable field
    expect(refuse({ blob: 'text' })).toBeNull();
    expect(refuse({ count: 1.5 })).toBeNull();
    expect(refuse({ count: 2n ** 63n })).toBeNull();
    expect(refuse({ small: 2 ** 31 })).toBeNull();
    expect(refuse({ flag: 1 })).toBeNull();
    expect(refuse({ path: 'main' })).toBeNull();
    expect(refuse({ path: ['main', 7] })).toBeNull();
    expect(encodeSingleRowStream(schema, valuesOf(row).slice(1))).toBeNull();
    expect(encodeSingleRowStream(schemaOf([field('kind', wire.dict(), false)]), ['TABLE'])).toBeNull();
    expect(encodeSingleRowStream(schemaOf([field('id', wire.uint64(), false)]), [1n])).toBeNull();
    expect(encodeSingleRowStream(schemaOf([]), [])).toBeNull();
  });

  it('should write a null into a non-nullable field only when asked to (generation-A records)', () => {
    const bytes = encodeSingleRowStream(schema, valuesOf({ ...row, name: null }), { acceptNulls: true })!;
    expect(readWithApacheArrow(bytes).row.name).toBeNull();
  });
});

describe('readSingleRowStream', () => {
  it('should read what apache-arrow writes exactly as apache-arrow reads it', () => {
    // The general path: apache-arrow's builders and Silo's stream encoder.
    const batch = makeRowsBatch(schema, [row]);
    const bytes = encodeStream(schema, [batch]);
    const direct = readSingleRowStream(bytes, 'test')!;
    expect(direct).not.toBeNull();
    expect(direct.schema.fields.map((f) => f.name)).toEqual(schema.fields.map((f) => f.name));
    const byName = Object.fromEntries(direct.schema.fields.map((f, i) => [f.name, direct.values[i]]));
    expect(plainRow(byName)).toEqual(plainRow(readWithApacheArrow(bytes).row));
  });

  it('should read back what encodeSingleRowStream writes, binary values as views of the bytes', () => {
    const bytes = encodeSingleRowStream(schema, valuesOf(row))!;
    const direct = readSingleRowStream(bytes, 'test')!;
    expect(plain(direct.values)).toEqual(plain(valuesOf(row)));
    const blob = direct.values[1] as Uint8Array;
    expect(blob.buffer).toBe(bytes.buffer);
  });

  it('should read from a view at any offset of a larger buffer', () => {
    const bytes = encodeSingleRowStream(schema, valuesOf(row))!;
    const host = new Uint8Array(bytes.length + 3);
    host.set(bytes, 3);
    const direct = readSingleRowStream(host.subarray(3), 'test')!;
    expect(plain(direct.values)).toEqual(plain(valuesOf(row)));
  });

  it('should give up on streams of another shape, leaving them to the general reader', () => {
    const two = encodeStream(schema, [makeRowsBatch(schema, [row, row])]);
    expect(readSingleRowStream(two, 'test')).toBeNull();
    const batches = encodeStream(schema, [makeRowsBatch(schema, [row]), makeRowsBatch(schema, [row])]);
    expect(readSingleRowStream(batches, 'test')).toBeNull();
    const enumSchema = schemaOf([field('kind', wire.dict(), false)]);
    expect(readSingleRowStream(serializeBatch(makeRowsBatch(enumSchema, [{ kind: 'TABLE' }])), 'test')).toBeNull();
    expect(readSingleRowStream(encodeStream(schema, []), 'test')).toBeNull();
  });

  it('should refuse corrupt bytes with a framing error, as the general reader does', () => {
    const bytes = encodeSingleRowStream(schema, valuesOf(row))!;
    expect(() => readSingleRowStream(bytes.subarray(0, bytes.length - 40), 'the record')).toThrow(IpcFramingError);
    const lying = bytes.slice();
    // The batch's first field node: claim two values in a one-row batch's column.
    const view = new DataView(lying.buffer);
    const headLength = encodeStream(schema, []).length - 8;
    const nodes = headLength + 8 + 96;
    view.setBigInt64(nodes, 5000n, true);
    expect(() => readSingleRowStream(lying, 'the record')).toThrow(/the record/);
  });
});
