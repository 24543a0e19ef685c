import { DateDay, Type, type Dictionary, type Map_ } from 'apache-arrow';
import {
  ArrowValueError,
  buildColumn,
  buildUtf8Data,
  field,
  makeRowsBatch,
  readIpcStream,
  readRow,
  schemaOf,
  serializeBatch,
  wire,
} from '../../../src/arrow';

describe('buildUtf8Data', () => {
  it('should write one value buffer plus offsets, multi-byte characters included', () => {
    const data = buildUtf8Data(['a', null, 'héllo', '', '日本']);
    expect(data.type.typeId).toBe(Type.Utf8);
    expect(Array.from(data.valueOffsets)).toEqual([0, 1, 1, 7, 7, 13]);
    expect(data.nullCount).toBe(1);
    expect(Buffer.from(data.values).toString('utf8')).toBe('ahéllo日本');
  });

  it('should refuse a non-string value with its row number', () => {
    expect(() => buildUtf8Data(['a', 5 as unknown as string])).toThrow(/utf8 value 1: expected a string, got number/);
  });
});

describe('buildColumn', () => {
  const schema = schemaOf([
    field('s', wire.utf8(), true),
    field('b', wire.binary(), true),
    field('lb', wire.largeBinary(), true),
    field('flag', wire.bool(), false),
    field('i32', wire.int32(), true),
    field('i64', wire.int64(), true),
    field('u64', wire.uint64(), false),
    field('f64', wire.float64(), true),
    field('when', wire.timestampUs(), true),
    field('path', wire.list(wire.utf8()), false),
    field('tags', wire.map(wire.utf8()), false),
    field('counts', wire.map(wire.int64()), true),
    field('ex', wire.list(wire.struct([field('sql', wire.utf8(), false), field('note', wire.utf8(), true)])), false),
    field('kind', wire.dict(), true),
    field('nothing', wire.null(), true),
  ]);

  const row = {
    s: 'text',
    b: Uint8Array.of(1, 2, 3),
    lb: Uint8Array.of(9),
    flag: true,
    i32: -5,
    i64: 1n << 40n,
    u64: 18446744073709551615n,
    f64: 2.5,
    when: Date.UTC(2024, 0, 2),
    path: ['main', null],
    tags: { a: '1', b: null },
    counts: new Map([['table_function', 2n]]),
    ex: [{ sql: 'SELECT 1', note: null }],
    kind: 'TABLE_BUFFERING',
    nothing: null,
  };

  it('should round-trip every protocol record type through IPC as plain JS', () => {
    const nullRow = {
      ...row,
      s: null,
      b: null,
      lb: null,
      i32: null,
      i64: null,
      f64: null,
      when: null,
      counts: null,
      kind: null,
      flag: false,
      path: [],
      tags: {},
      ex: [],
    };
    const { batches } = readIpcStream(serializeBatch(makeRowsBatch(schema, [row, nullRow])));
    const back = readRow(batches[0]);
    expect(back).toEqual({
      ...row,
      tags: new Map([
        ['a', '1'],
        ['b', null],
      ]),
      counts: new Map([['table_function', 2n]]),
    });
    expect(readRow(batches[0], 1)).toMatchObject({
      s: null,
      i64: null,
      kind: null,
      path: [],
      tags: new Map(),
      counts: null,
    });
  });

  it('should keep the wire shapes: int16 enum indices, nullable `item`, map `entries`', () => {
    const { schema: back } = readIpcStream(serializeBatch(makeRowsBatch(schema, [row])));
    const kind = back.fields.find((f) => f.name === 'kind')!.type as Dictionary;
    expect(kind.indices.bitWidth).toBe(16);
    expect(kind.indices.isSigned).toBe(true);
    expect(kind.dictionary.typeId).toBe(Type.Utf8);
    const path = back.fields.find((f) => f.name === 'path')!.type;
    expect(path.children[0].name).toBe('item');
    expect(path.children[0].nullable).toBe(true);
    const tags = back.fields.find((f) => f.name === 'tags')!.type as Map_;
    expect(tags.keysSorted).toBe(false);
    const entries = tags.children[0];
    expect([entries.name, entries.nullable]).toEqual(['entries', false]);
    expect(entries.type.children.map((c) => [c.name, c.nullable])).toEqual([
      ['key', false],
      ['value', true],
    ]);
  });

  it('should put only the used enum members in the dictionary, in order of first use', () => {
    const data = buildColumn(wire.dict(), ['VIEW', 'TABLE', 'VIEW', null]);
    expect(data.dictionary!.toArray()).toEqual(['VIEW', 'TABLE']);
    expect(Array.from(data.values as Int16Array)).toEqual([0, 1, 0, 0]);
  });

  it('should refuse values of the wrong kind with the column and row named', () => {
    expect(() => buildColumn(wire.int64(), [1.5], 'column "n"')).toThrow(ArrowValueError);
    expect(() => buildColumn(wire.int64(), [1.5], 'column "n"')).toThrow(/column "n" row 0: expected a bigint/);
    expect(() => buildColumn(wire.list(wire.utf8()), ['abc'])).toThrow(/expected an array/);
    expect(() => buildColumn(wire.struct([field('k', wire.utf8(), false)]), [{ k: null }])).toThrow(
      /"k" is non-nullable/,
    );
  });

  it('should fall back to apache-arrow builders for other types such as date32', () => {
    const { batches } = readIpcStream(
      serializeBatch(
        makeRowsBatch(schemaOf([field('d', new DateDay(), true)]), [{ d: new Date(Date.UTC(2024, 1, 3)) }]),
      ),
    );
    expect(new Date(readRow(batches[0]).d as number).toISOString()).toBe('2024-02-03T00:00:00.000Z');
  });
});
