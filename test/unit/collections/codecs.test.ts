import { Field, Float64, Int64, Schema, Utf8, tableFromArrays } from 'apache-arrow';
import { arrowBatchCodec, bytesCodec, jsonCodec, KeyValue } from '../../../src/collections';
import { BoundStorage, MemoryStorage, toBytes } from '../../../src/providers/storage';
import { batchFromColumns } from '../../../src/arrow/batch-utils';

const schema = new Schema([
  new Field('id', new Int64(), false),
  new Field('name', new Utf8(), true),
  new Field('score', new Float64(), true),
]);
const batch = () =>
  batchFromColumns(schema, {
    id: [1n, -(2n ** 63n), 2n ** 63n - 1n],
    name: ['a', null, 'ünïcode'],
    score: [1.5, null, -0],
  });

describe('Codecs', () => {
  describe('bytesCodec', () => {
    it('should store bytes as they are and refuse anything else', () => {
      const bytes = new Uint8Array([0, 255, 1]);
      expect(bytesCodec.encode(bytes)).toBe(bytes);
      expect(bytesCodec.decode(bytes)).toBe(bytes);
      expect(() => bytesCodec.encode('text' as unknown as Uint8Array)).toThrow('expected a Uint8Array, got string');
    });
  });

  describe('jsonCodec', () => {
    it('should round-trip bigint, Uint8Array, Date, Map, typed arrays and odd numbers, nested', () => {
      const codec = jsonCodec();
      const value = {
        big: -(2n ** 63n),
        huge: 2n ** 100n,
        bytes: new Uint8Array([0, 255, 7]),
        when: new Date('2026-01-02T03:04:05.678Z'),
        map: new Map<unknown, unknown>([
          ['k', 1n],
          [2n, new Uint8Array([9])],
        ]),
        typed: Float64Array.of(1.5, -2),
        numbers: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1e308],
        nested: [{ deeper: [{ when: new Date(0), big: 0n, bytes: new Uint8Array(0) }] }, null, 'text', true],
      };
      const back = codec.decode(codec.encode(value)) as typeof value;
      expect(back).toEqual(value);
      expect(back.bytes).toBeInstanceOf(Uint8Array);
      expect(back.typed).toBeInstanceOf(Float64Array);
      expect(back.when).toBeInstanceOf(Date);
      expect(Object.is(back.numbers[3], -0)).toBe(true);
      expect(Object.is(back.numbers[4], 0)).toBe(true);
    });

    it('should keep user objects whose keys look like its tags', () => {
      const codec = jsonCodec();
      const value = {
        $bigint: '12',
        inner: { $bytes: 'AAA=', $map: [1], $object: { $date: 'x' } },
        list: [{ $number: 'NaN' }],
      };
      expect(codec.decode(codec.encode(value))).toEqual(value);
    });

    it('should round-trip top-level scalars and refuse undefined', () => {
      const codec = jsonCodec();
      for (const v of [null, 0, 'text', false, 5n, [], {}]) expect(codec.decode(codec.encode(v))).toEqual(v);
      expect(() => codec.encode(undefined)).toThrow('undefined has no JSON form; store null instead');
    });

    it('should run validate on every decoded value', () => {
      const codec = jsonCodec({
        validate: (v: unknown): { n: bigint } => {
          if (typeof (v as { n?: unknown })?.n !== 'bigint') throw new Error('expected { n: bigint }');
          return v as { n: bigint };
        },
      });
      expect(codec.decode(codec.encode({ n: 3n }))).toEqual({ n: 3n });
      expect(() => codec.decode(toBytes('{"n":3}'))).toThrow('expected { n: bigint }');
    });
  });

  describe('arrowBatchCodec', () => {
    it('should round-trip a batch exactly: values, types, nullability', () => {
      const codec = arrowBatchCodec();
      const back = codec.decode(codec.encode(batch()));
      expect(back.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
        ['id', 'Int64', false],
        ['name', 'Utf8', true],
        ['score', 'Float64', true],
      ]);
      expect(back.toArray().map((r) => r.toJSON())).toEqual(
        batch()
          .toArray()
          .map((r) => r.toJSON()),
      );
    });

    it('should hand back batches with the declared field types, and refuse batches of another schema both ways', () => {
      const codec = arrowBatchCodec(schema);
      const back = codec.decode(codec.encode(batch()));
      expect(back.schema.fields.map((f) => f.type)).toEqual(schema.fields.map((f) => f.type));
      expect(back.schema.fields[0].type).toBeInstanceOf(Int64);
      const other = tableFromArrays({ id: Int32Array.of(1) }).batches[0];
      expect(() => codec.encode(other)).toThrow(
        "the batch does not have the collection's schema: schema: expected 3 field(s) [id, name, score], got 1 [id]",
      );
      expect(() => codec.decode(arrowBatchCodec().encode(other))).toThrow(
        "the stored batch does not have the collection's schema: schema: expected 3 field(s) [id, name, score], got 1 [id]",
      );
      expect(() => codec.encode({} as never)).toThrow('expected an apache-arrow RecordBatch, got object');
    });
  });

  describe('errors naming the collection and the key (SILO520, SILO521)', () => {
    const storage = BoundStorage.forUser(new MemoryStorage(), { kind: 'execution', id: toBytes('codec-errors') });

    it('should report a stored value that is not JSON as SILO520', async () => {
      await storage.put('@kv:totals', 'a', toBytes('{not json'));
      const totals = new KeyValue(storage, 'totals');
      await expect(totals.get('a')).rejects.toMatchObject({
        code: 'SILO520',
        collection: 'KeyValue "totals"',
        message:
          '[SILO520] KeyValue "totals": the value of key "a" could not be read with the json codec: the bytes are not UTF-8 JSON: "{not json" (9 bytes). It was written with another codec or schema, or by hand through the raw storage API. Read the collection with the codec and schema it was written with, or clear it and write it again.',
      });
    });

    it('should report a value validate refuses as SILO520 with its message', async () => {
      const counts = new KeyValue(storage, 'counts', {
        codec: jsonCodec({
          validate: (v) => {
            if (typeof v !== 'bigint') throw new Error(`expected a bigint, got ${typeof v}`);
            return v;
          },
        }),
      });
      await new KeyValue(storage, 'counts').put('x', 'seven');
      await expect(counts.get('x')).rejects.toThrow(
        '[SILO520] KeyValue "counts": the value of key "x" could not be read with the json codec: expected a bigint, got string.',
      );
    });

    it('should report a value the codec cannot write as SILO521', async () => {
      const totals = new KeyValue(storage, 'totals');
      await expect(totals.put('u', undefined)).rejects.toThrow(
        '[SILO521] KeyValue "totals": the value of key "u" cannot be written with the json codec: undefined has no JSON form; store null instead. Pass a value the codec accepts, or give the collection a codec for this kind of value.',
      );
      await expect(totals.has('u')).resolves.toBe(false);
    });
  });
});
