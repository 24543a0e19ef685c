import { Readable } from 'node:stream';
import {
  compressionRegistry,
  CompressionType,
  Dictionary,
  Field,
  Int32,
  makeData,
  Message,
  Null,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Utf8,
} from 'apache-arrow';
import {
  buildBinaryData,
  conformBatchToSchema,
  decodeFrames,
  describeSchemaDifference,
  EMPTY_SCHEMA,
  EOS_BYTES,
  field,
  IpcFramingError,
  IpcStreamWriter,
  makeEmptyBatch,
  makeRecordBatch,
  makeRowsBatch,
  makeZeroColumnBatch,
  MessageFramer,
  readColumn,
  readIpcStream,
  readRow,
  readValue,
  schemaOf,
  serializeBatch,
  serializeBatches,
  serializeSchema,
  withBatchMetadata,
  wire,
} from '../../../src/arrow';
import {
  canDecodeDirectly,
  decodeStreamDirectly,
  encodeStream,
  loadRecordBatch,
  schemaMessage,
  sourceStreamOf,
  splitStream,
  storedMessageOf,
} from '../../../src/arrow/batch-message.codec';

/** Every column kind the hot path handles: fixed width, var width, bit-packed, nested. */
const WIDE = schemaOf(
  [
    field('id', wire.int64(), false),
    field('score', wire.float64(), true),
    field('name', wire.utf8(), true),
    field('blob', wire.binary(), true),
    field('flag', wire.bool(), true),
    field('point', wire.struct([field('x', wire.int32(), true), field('label', wire.utf8(), false)]), true),
    field('tags', wire.list(wire.utf8()), true),
  ],
  { owner: 'codec-test' },
);

function wideRow(k: number): Record<string, unknown> {
  return {
    // Beyond 2^53 and negative: int64 must travel as 8 exact bytes.
    id: k === 1 ? -(2n ** 62n) : BigInt(k) * 1_000_000_007_000n - 3n,
    score: k % 3 === 0 ? null : k === 4 ? Number.NaN : k === 5 ? -Infinity : k / 7,
    name: k % 5 === 0 ? null : `name-${k}-é✓`,
    blob: k % 4 === 0 ? null : Uint8Array.of(k, 255 - k, k ^ 0x5a),
    flag: k % 6 === 0 ? null : k % 2 === 0 || k % 7 === 1,
    point: k % 7 === 0 ? null : { x: k % 2 === 1 ? k * 3 : null, label: `p${k}` },
    tags: k % 9 === 0 ? null : Array.from({ length: k % 4 }, (_, j) => (j === 1 ? null : `${k}.${j}`)),
  };
}

const ROWS = Array.from({ length: 70 }, (_, k) => wideRow(k));

/** Every row of a batch as plain JS (bigint, Uint8Array, arrays, objects). */
function rowsOf(batch: RecordBatch): Record<string, unknown>[] {
  return Array.from({ length: batch.numRows }, (_, i) => readRow(batch, i));
}

function expectSameSchema(actual: Schema, expected: Schema): void {
  expect(describeSchemaDifference(expected, actual, { compareMetadata: true })).toBeNull();
  expect([...actual.metadata]).toEqual([...expected.metadata]);
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Reads the messages of `bytes` (modern framing) by hand: kind and total framed length of each, EOS excluded. */
function framedMessages(bytes: Uint8Array): { kind: string; length: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { kind: string; length: number }[] = [];
  let at = 0;
  while (at < bytes.length) {
    expect(view.getUint32(at, true)).toBe(0xffffffff);
    const metaLength = view.getInt32(at + 4, true);
    if (metaLength === 0) {
      out.push({ kind: 'eos', length: 8 });
      at += 8;
      continue;
    }
    const message = Message.decode(bytes.subarray(at + 8, at + 8 + metaLength));
    const length = 8 + metaLength + Number(message.bodyLength);
    out.push({ kind: message.isSchema() ? 'schema' : message.isRecordBatch() ? 'record-batch' : 'other', length });
    at += length;
  }
  expect(at).toBe(bytes.length);
  return out;
}

/** `bytes` copied into a fresh buffer at byte offset `offset` (binary cells are such views). */
function atOffset(bytes: Uint8Array, offset: number): Uint8Array {
  const holder = new Uint8Array(bytes.length + offset + 5);
  holder.set(bytes, offset);
  return holder.subarray(offset, offset + bytes.length);
}

/** The legacy framing of a modern stream: each message without its 0xFFFFFFFF marker, EOS as 4 zero bytes. */
function withoutContinuationMarkers(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const { kind, length } of framedMessages(bytes)) {
    parts.push(kind === 'eos' ? new Uint8Array(4) : bytes.subarray(at + 4, at + length));
    at += length;
  }
  return concat(...parts);
}

function sourceOf(chunks: readonly Uint8Array[]): Readable {
  return Readable.from(chunks.map((c) => Buffer.from(c)));
}

describe('encodeStream', () => {
  it('should write a stream apache-arrow reads back with identical schema, values and per-batch metadata', () => {
    const first = makeRowsBatch(WIDE, ROWS.slice(0, 40), { seq: '1', 'vgi_rpc.log_message': 'héllo ✓' });
    const second = makeRowsBatch(WIDE, ROWS.slice(40), { seq: '2' });
    // The fixture really has nulls in every nullable column, so validity bitmaps are written.
    for (const name of ['score', 'name', 'blob', 'flag', 'point', 'tags'])
      expect(first.getChild(name)!.nullCount).toBeGreaterThan(0);

    const read = RecordBatchReader.from(encodeStream(WIDE, [first, second])).readAll();

    expect(read).toHaveLength(2);
    expectSameSchema(read[0].schema, WIDE);
    expect(rowsOf(read[0])).toEqual(ROWS.slice(0, 40));
    expect(rowsOf(read[1])).toEqual(ROWS.slice(40));
    expect(read[0].metadata).toEqual(
      new Map([
        ['seq', '1'],
        ['vgi_rpc.log_message', 'héllo ✓'],
      ]),
    );
    expect(read[1].metadata).toEqual(new Map([['seq', '2']]));
  });

  it("should write the same stream apache-arrow's RecordBatchStreamWriter writes", () => {
    const cases: [Schema, RecordBatch[]][] = [
      [WIDE, [makeRowsBatch(WIDE, ROWS.slice(0, 33), { seq: '1' }), makeRowsBatch(WIDE, ROWS.slice(33), { seq: '2' })]],
      [WIDE, [makeEmptyBatch(WIDE, { 'vgi_rpc.log_level': 'INFO' })]],
      [EMPTY_SCHEMA, [makeZeroColumnBatch(1, { 'vgi_rpc.method': 'catalog_catalogs' })]],
    ];
    for (const [schema, batches] of cases) {
      const ours = encodeStream(schema, batches);
      const theirs = RecordBatchStreamWriter.writeAll(batches).toUint8Array(true);

      const a = readIpcStream(ours);
      const b = RecordBatchReader.from(theirs).readAll();
      expectSameSchema(a.schema, b[0].schema);
      expect(a.batches.map((x) => x.numRows)).toEqual(b.map((x) => x.numRows));
      expect(a.batches.map(rowsOf)).toEqual(b.map(rowsOf));
      expect(a.batches.map((x) => [...x.metadata])).toEqual(b.map((x) => [...x.metadata]));
      // Same framing, padding and buffer layout: a drop-in replacement, byte for byte.
      expect(sameBytes(ours, theirs)).toBe(true);
    }
  });

  it('should write exactly the schema message, the batch messages and the EOS that withSchema / withEos ask for', () => {
    const batch = makeRowsBatch(WIDE, ROWS.slice(0, 12), { seq: '7' });
    const other = makeRowsBatch(WIDE, ROWS.slice(12, 15));

    const head = encodeStream(WIDE, [], { withEos: false });
    const one = encodeStream(WIDE, [batch], { withSchema: false, withEos: false });
    const two = encodeStream(WIDE, [batch, other], { withSchema: false, withEos: false });
    const eos = encodeStream(WIDE, [], { withSchema: false });

    expect(sameBytes(head, schemaMessage(WIDE))).toBe(true);
    expect(framedMessages(head).map((m) => m.kind)).toEqual(['schema']);
    expect(framedMessages(one).map((m) => m.kind)).toEqual(['record-batch']);
    expect(framedMessages(two).map((m) => m.kind)).toEqual(['record-batch', 'record-batch']);
    expect(Array.from(eos)).toEqual(Array.from(EOS_BYTES));
    expect(encodeStream(WIDE, [batch, other], { withSchema: false, withEos: false }).subarray(0, one.length)).toEqual(
      one,
    );
    expect(encodeStream(WIDE, [], { withSchema: false, withEos: false })).toHaveLength(0);

    const pieced = concat(head, one, EOS_BYTES);
    expect(sameBytes(pieced, encodeStream(WIDE, [batch]))).toBe(true);
    const { schema, batches } = readIpcStream(pieced);
    expectSameSchema(schema, WIDE);
    expect(batches).toHaveLength(1);
    expect(rowsOf(batches[0])).toEqual(ROWS.slice(0, 12));
    expect(batches[0].metadata.get('seq')).toBe('7');
    expect(
      RecordBatchReader.from(concat(head, two, eos))
        .readAll()
        .map(rowsOf),
    ).toEqual([ROWS.slice(0, 12), ROWS.slice(12, 15)]);
  });

  it('should let IpcStreamWriter hand out the pieces of exactly the stream encodeStream writes in one go', () => {
    const first = makeRowsBatch(WIDE, ROWS.slice(0, 5), { seq: '1' });
    const second = makeRowsBatch(WIDE, ROWS.slice(5, 9), { seq: '2' });
    const whole = encodeStream(WIDE, [first, second]);

    const started = new IpcStreamWriter(WIDE);
    const explicit = concat(
      started.start(),
      started.start(),
      started.write(first),
      started.write(second),
      started.end(),
    );
    expect(sameBytes(explicit, whole)).toBe(true);

    const lazy = new IpcStreamWriter(WIDE);
    const firstWrite = lazy.write(first);
    expect(framedMessages(firstWrite).map((m) => m.kind)).toEqual(['schema', 'record-batch']);
    expect(sameBytes(concat(firstWrite, lazy.write(second), lazy.end()), whole)).toBe(true);

    expect(sameBytes(new IpcStreamWriter(WIDE).end(), serializeSchema(WIDE))).toBe(true);
  });

  it('should encode sliced batches (non-zero offsets, validity and bool bitmaps starting mid-byte) to the sliced values', () => {
    const full = makeRowsBatch(WIDE, ROWS, { origin: 'full' });
    for (const [begin, end] of [
      [10, 50],
      [3, 29],
      [1, 2],
      [63, 70],
    ]) {
      const sliced = full.slice(begin, end);
      expect(sliced.getChild('name')!.data[0].offset).toBe(begin);
      const expected = ROWS.slice(begin, end);

      for (const bytes of [encodeStream(WIDE, [sliced]), serializeBatch(sliced)]) {
        const viaArrow = RecordBatchReader.from(bytes).readAll();
        const direct = decodeStreamDirectly(bytes);
        expect(direct).not.toBeNull();
        for (const decoded of [viaArrow[0], direct!.batches[0]]) {
          expect(decoded.numRows).toBe(end - begin);
          expect(rowsOf(decoded)).toEqual(expected);
          expect(decoded.getChild('name')!.nullCount).toBe(expected.filter((r) => r.name === null).length);
          expect(decoded.getChild('flag')!.nullCount).toBe(expected.filter((r) => r.flag === null).length);
          expect(decoded.metadata.get('origin')).toBe('full');
        }
      }
    }
  });

  it('should write a slice of a null-type column (and of a struct holding one) with known null counts', () => {
    // apache-arrow slices these with a null count of -1 it never resolves: there is no bitmap.
    const schema = new Schema([
      new Field('nothing', new Null(), true),
      new Field('n', new Int32(), true),
      new Field('s', new Struct([new Field('inner', new Null(), true), new Field('x', new Int32(), false)]), true),
    ]);
    const ints = makeData({ type: new Int32(), length: 10, data: Int32Array.from({ length: 10 }, (_, i) => i) });
    const struct = makeData({
      type: schema.fields[2].type,
      length: 10,
      nullCount: 0,
      children: [makeData({ type: new Null(), length: 10 }), ints],
    });
    const batch = new RecordBatch(
      schema,
      makeData({
        type: new Struct(schema.fields),
        length: 10,
        nullCount: 0,
        children: [makeData({ type: new Null(), length: 10 }), ints, struct],
      }),
    );
    const sliced = batch.slice(2, 5);
    expect(sliced.getChildAt(0)!.data[0].nullCount).toBe(-1);

    for (const bytes of [encodeStream(schema, [sliced]), serializeBatch(sliced)]) {
      // readIpcStream verifies every field node, as a worker does with what it reads.
      for (const decoded of [readIpcStream(bytes, 'sliced').batches[0], decodeStreamDirectly(bytes)!.batches[0]]) {
        expect(decoded.numRows).toBe(3);
        expect(decoded.getChildAt(0)!.nullCount).toBe(3);
        expect([...decoded.getChildAt(1)!]).toEqual([2, 3, 4]);
        expect(decoded.getChildAt(2)!.nullCount).toBe(0);
        expect(decoded.getChildAt(2)!.data[0].children[0].nullCount).toBe(3);
        expect([...decoded.getChildAt(2)!.getChild('x')!]).toEqual([2, 3, 4]);
      }
    }
  });
});

describe('schemaMessage', () => {
  it('should encode each schema object once and hand out the same bytes afterwards', () => {
    const first = schemaMessage(WIDE);
    expect(schemaMessage(WIDE)).toBe(first);
    expect(framedMessages(first).map((m) => m.kind)).toEqual(['schema']);
    // encodeStream and serializeSchema start with exactly these bytes.
    expect(sameBytes(encodeStream(WIDE, []).subarray(0, first.length), first)).toBe(true);
    expect(sameBytes(serializeSchema(WIDE), concat(first, EOS_BYTES))).toBe(true);
  });

  it('should encode different schemas differently, and equal schema objects alike', () => {
    const a = schemaOf([field('x', wire.int64(), false)]);
    const nullable = schemaOf([field('x', wire.int64(), true)]);
    const renamed = schemaOf([field('y', wire.int64(), false)]);
    const withMeta = schemaOf([field('x', wire.int64(), false)], { k: 'v' });
    const twin = schemaOf([field('x', wire.int64(), false)]);

    for (const other of [nullable, renamed, withMeta])
      expect(sameBytes(schemaMessage(a), schemaMessage(other))).toBe(false);
    expect(schemaMessage(twin)).not.toBe(schemaMessage(a));
    expect(sameBytes(schemaMessage(twin), schemaMessage(a))).toBe(true);

    const back = readIpcStream(serializeSchema(withMeta)).schema;
    expect(back.fields[0].name).toBe('x');
    expect(back.metadata.get('k')).toBe('v');
  });
});

describe('loadRecordBatch / decodeStreamDirectly', () => {
  const NUMBERS = schemaOf([
    field('big', wire.int64(), false),
    field('real', wire.float64(), true),
    field('s', wire.utf8(), true),
  ]);
  const NUMBER_ROWS = [
    { big: 9_007_199_254_740_993n, real: 0.1, s: 'a' },
    { big: -(2n ** 63n), real: null, s: null },
    { big: 2n ** 63n - 1n, real: -1.5e300, s: 'ccc' },
  ];

  it('should decode a stream whose bytes start at an unaligned offset with int64 and float64 values intact', () => {
    const bytes = encodeStream(NUMBERS, [makeRowsBatch(NUMBERS, NUMBER_ROWS, { at: 'odd' })]);
    const view = atOffset(bytes, 3);
    expect(view.byteOffset % 8).toBe(3);

    const direct = decodeStreamDirectly(view);
    expect(direct).not.toBeNull();
    expect(rowsOf(direct!.batches[0])).toEqual(NUMBER_ROWS);

    const { batches } = readIpcStream(view);
    expect(rowsOf(batches[0])).toEqual(NUMBER_ROWS);
    expect(batches[0].metadata.get('at')).toBe('odd');
  });

  it("should load a record-batch message from an unaligned body, and share an aligned body's memory", () => {
    const bytes = encodeStream(NUMBERS, [makeRowsBatch(NUMBERS, NUMBER_ROWS)]);
    const split = splitStream(bytes)!;
    const schema = split.messages[0].message.header() as Schema;
    const { message, body } = split.messages[1];
    expect(body.byteOffset % 8).toBe(0);

    const shared = loadRecordBatch(schema, message, body)!;
    expect(rowsOf(shared)).toEqual(NUMBER_ROWS);
    expect(shared.getChild('big')!.data[0].values.buffer).toBe(bytes.buffer);

    for (const offset of [1, 3, 4, 7]) {
      const unaligned = atOffset(body, offset);
      const loaded = loadRecordBatch(schema, message, unaligned)!;
      expect(rowsOf(loaded)).toEqual(NUMBER_ROWS);
      expect(loaded.getChild('big')!.toArray()).toEqual(BigInt64Array.from(NUMBER_ROWS.map((r) => r.big)));
      expect(loaded.getChild('real')!.get(2)).toBe(-1.5e300);
    }
  });
});

describe('splitStream', () => {
  const SMALL = schemaOf([field('x', wire.int64(), true), field('s', wire.utf8(), true)]);
  const small = (rows: number): RecordBatch =>
    makeRowsBatch(
      SMALL,
      Array.from({ length: rows }, (_, i) => ({ x: BigInt(i), s: i % 2 ? null : `v${i}` })),
    );
  const stream = serializeBatches(SMALL, [small(3), small(2)]);
  const schemaEnd = framedMessages(schemaMessage(SMALL))[0].length;
  const firstBatchLength = framedMessages(stream)[1].length;

  it('should split a complete stream into views of its messages and call it canonical', () => {
    const split = splitStream(stream)!;
    expect(split.canonical).toBe(true);
    expect(
      split.messages.map(({ message }) =>
        message.isSchema() ? 'schema' : message.isRecordBatch() ? 'record-batch' : '?',
      ),
    ).toEqual(['schema', 'record-batch', 'record-batch']);
    for (const { body } of split.messages) expect(body.buffer).toBe(stream.buffer);
    expect(split.messages[1].body.byteOffset).toBe(schemaEnd + firstBatchLength - split.messages[1].body.length);
  });

  it('should call a stream without EOS, with bytes after the EOS or in the legacy framing not canonical', () => {
    const noEos = stream.subarray(0, stream.length - 8);
    const trailing = concat(stream, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0));
    const legacy = new RecordBatchStreamWriter({ writeLegacyIpcFormat: true }).writeAll([small(3)]).toUint8Array(true);
    expect(Array.from(legacy.subarray(0, 4))).not.toEqual([0xff, 0xff, 0xff, 0xff]);
    for (const bytes of [noEos, trailing, legacy]) {
      const split = splitStream(bytes);
      expect(split).not.toBeNull();
      expect(split!.canonical).toBe(false);
    }
    expect(readColumn(readIpcStream(legacy).batches[0], 's')).toEqual(['v0', null, 'v2']);
  });

  it('should return null for truncated bytes, a stream starting with a record batch, a second schema and garbage', () => {
    const cases: Record<string, Uint8Array> = {
      'cut inside a body': stream.subarray(0, schemaEnd + firstBatchLength - 5),
      'cut inside a flatbuffer': stream.subarray(0, schemaEnd + 20),
      'cut inside a length prefix': stream.subarray(0, schemaEnd + 6),
      'cut inside a continuation marker': stream.subarray(0, schemaEnd + 2),
      'cut inside the schema': stream.subarray(0, 40),
      'record batch first': stream.subarray(schemaEnd),
      'two schema messages': concat(schemaMessage(SMALL), schemaMessage(SMALL), EOS_BYTES),
      'EOS only': EOS_BYTES,
      garbage: new Uint8Array(Buffer.from('HELLO WORLD, NOT ARROW AT ALL!!!')),
      'all 0xff': new Uint8Array(32).fill(0xff),
    };
    for (const [what, bytes] of Object.entries(cases)) {
      expect([what, splitStream(bytes)]).toEqual([what, null]);
      expect([what, decodeStreamDirectly(bytes)]).toEqual([what, null]);
    }
  });

  it('should leave readIpcStream throwing IpcFramingError for bytes the fast path refuses', () => {
    for (const bytes of [
      stream.subarray(0, schemaEnd + firstBatchLength - 5),
      stream.subarray(0, schemaEnd + 20),
      stream.subarray(schemaEnd),
      new Uint8Array(Buffer.from('HELLO WORLD, NOT ARROW AT ALL!!!')),
      new Uint8Array(32).fill(0xff),
    ]) {
      let error: unknown;
      try {
        readIpcStream(bytes, 'nested input');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(IpcFramingError);
      // The offset names the message that is cut short or unreadable, within the nested bytes.
      expect(error).toMatchObject({ code: 'SILO410' });
      expect(['bad-message', 'bad-sequence']).toContain((error as IpcFramingError).failure);
      expect((error as IpcFramingError).offset).toBeLessThan(bytes.length);
      expect((error as Error).message).toMatch(/nested input/);
    }
  });
});

describe('storedMessageOf', () => {
  const SCHEMA = schemaOf([field('x', wire.int64(), false), field('label', wire.utf8(), true)]);
  const stored = serializeBatch(
    makeRowsBatch(
      SCHEMA,
      [
        { x: 1n, label: 'a' },
        { x: 2n, label: null },
      ],
      { seq: '7' },
    ),
  );

  it('should write a batch read back from storage as the stored message when the stream schema is byte-identical', () => {
    const [decoded] = readIpcStream(stored).batches;
    const message = storedMessageOf(decoded, SCHEMA)!;
    expect(message.buffer).toBe(stored.buffer);
    const writer = new IpcStreamWriter(SCHEMA, 'replay');
    const first = writer.write(decoded);
    const second = writer.write(decoded);
    // The first write carries the schema and is encoded; later ones reuse the stored message as is.
    expect([second.buffer === stored.buffer, second.byteOffset, second.byteLength]).toEqual([
      true,
      message.byteOffset,
      message.byteLength,
    ]);
    const back = readIpcStream(concat(first, second, writer.end()));
    expect(back.batches.map(rowsOf)).toEqual([rowsOf(decoded), rowsOf(decoded)]);
    expect(back.batches[1].metadata.get('seq')).toBe('7');
  });

  it('should re-encode when the stream schema differs in any byte (here: nullability)', () => {
    const [decoded] = readIpcStream(stored).batches;
    const relaxed = schemaOf([field('x', wire.int64(), true), field('label', wire.utf8(), true)]);
    expect(storedMessageOf(decoded, relaxed)).toBeUndefined();
    const writer = new IpcStreamWriter(relaxed, 'replay');
    writer.write(decoded);
    const again = writer.write(decoded);
    expect(again.buffer).not.toBe(stored.buffer);
    expect(
      readIpcStream(
        concat(serializeSchema(relaxed).subarray(0, schemaMessage(relaxed).length), again, EOS_BYTES),
      ).batches.map(rowsOf),
    ).toEqual([rowsOf(decoded)]);
  });

  it('should still refuse a stored batch holding nulls in a field the stream declares non-nullable', () => {
    // Another writer's stream: its schema says `x` is non-nullable, its data says otherwise.
    const strict = new Schema([new Field('x', new Int32(), false)]);
    const x = makeData({
      type: new Int32(),
      length: 2,
      nullCount: 1,
      nullBitmap: Uint8Array.of(0b01),
      data: Int32Array.of(4, 0),
    });
    const bad = new RecordBatch(
      strict,
      makeData({ type: new Struct(strict.fields), length: 2, nullCount: 0, children: [x] }),
    );
    const bytes = serializeBatch(bad);
    const [decoded] = readIpcStream(bytes).batches;
    const writer = new IpcStreamWriter(decoded.schema, 'replay');
    writer.start();
    expect(storedMessageOf(decoded, decoded.schema)).toBeDefined();
    expect(() => writer.write(decoded)).toThrow(/replay.*field 0 "x" is declared non-nullable but holds 1 null/);
  });

  it('should not apply to batches that were not decoded from a stored stream', () => {
    expect(storedMessageOf(makeRowsBatch(SCHEMA, [{ x: 1n, label: 'a' }]), SCHEMA)).toBeUndefined();
  });
});

describe('sourceStreamOf', () => {
  const SCHEMA = schemaOf([field('x', wire.int64(), false), field('label', wire.utf8(), true)]);
  const batch = (rows: number, metadata?: Record<string, string>): RecordBatch =>
    makeRowsBatch(
      SCHEMA,
      Array.from({ length: rows }, (_, i) => ({ x: BigInt(i * 11), label: i === 1 ? null : `l${i}` })),
      metadata,
    );

  it('should hand back the exact bytes a canonical single-batch stream was decoded from', () => {
    const bytes = serializeBatch(batch(3, { seq: '1' }));
    const { schema, batches } = readIpcStream(bytes);
    const [decoded] = batches;
    expect(sourceStreamOf(decoded, decoded.schema)).toBe(bytes);
    expect(serializeBatch(decoded)).toBe(bytes);
    expect(serializeBatches(decoded.schema, [decoded])).toBe(bytes);
    // On the stream's schema object (not the batch's own) the batch is re-encoded, to the same bytes.
    expect(sameBytes(serializeBatches(schema, batches), bytes)).toBe(true);

    // Also for a view at an unaligned offset (a binary cell): the view itself comes back.
    const view = atOffset(bytes, 3);
    const [fromView] = readIpcStream(view).batches;
    expect(serializeBatch(fromView)).toBe(view);
    expect(readColumn(fromView, 'x')).toEqual([0n, 11n, 22n]);
  });

  it('should not reuse the bytes of a two-batch stream for one of its batches', () => {
    const bytes = serializeBatches(SCHEMA, [batch(3, { seq: '1' }), batch(2, { seq: '2' })]);
    const { batches } = readIpcStream(bytes);
    expect(batches).toHaveLength(2);
    for (const decoded of batches) {
      expect(sourceStreamOf(decoded, decoded.schema)).toBeUndefined();
      const again = serializeBatch(decoded);
      expect(again).not.toBe(bytes);
      const back = readIpcStream(again).batches;
      expect(back).toHaveLength(1);
      expect(rowsOf(back[0])).toEqual(rowsOf(decoded));
      expect(back[0].metadata).toEqual(decoded.metadata);
    }
  });

  it('should not reuse the bytes of a stream without EOS, with trailing bytes, or in the legacy framing', () => {
    const canonical = serializeBatch(batch(3));
    const legacy = new RecordBatchStreamWriter({ writeLegacyIpcFormat: true }).writeAll([batch(3)]).toUint8Array(true);
    const stripped = withoutContinuationMarkers(canonical);
    const cases: Record<string, Uint8Array> = {
      'no EOS': canonical.subarray(0, canonical.length - 8),
      'trailing bytes': concat(canonical, new Uint8Array(8)),
      'legacy writer': legacy,
      'markers stripped': stripped,
    };
    for (const [what, bytes] of Object.entries(cases)) {
      const { batches } = readIpcStream(bytes);
      expect([what, batches.length]).toEqual([what, 1]);
      expect([what, readColumn(batches[0], 'label')]).toEqual([what, ['l0', null, 'l2']]);
      expect([what, sourceStreamOf(batches[0], batches[0].schema)]).toEqual([what, undefined]);
      const again = serializeBatch(batches[0]);
      expect(again).not.toBe(bytes);
      expect([what, sameBytes(again, canonical)]).toEqual([what, true]);
    }
  });

  it('should not reuse the bytes once the batch is re-bound to another schema object or given other metadata', () => {
    const bytes = serializeBatch(batch(2, { seq: '1' }));
    const [decoded] = readIpcStream(bytes).batches;
    const twin = schemaOf([field('x', wire.int64(), false), field('label', wire.utf8(), true)]);

    expect(sourceStreamOf(decoded, twin)).toBeUndefined();
    const viaTwin = serializeBatch(decoded, twin);
    expect(viaTwin).not.toBe(bytes);
    expect(sameBytes(viaTwin, bytes)).toBe(true);

    const rebound = conformBatchToSchema(decoded, twin);
    expect(rebound).not.toBe(decoded);
    expect(sourceStreamOf(rebound, twin)).toBeUndefined();
    expect(serializeBatch(rebound)).not.toBe(bytes);

    const retagged = withBatchMetadata(decoded, { seq: '2' });
    const retaggedBytes = serializeBatch(retagged);
    expect(retaggedBytes).not.toBe(bytes);
    expect(readIpcStream(retaggedBytes).batches[0].metadata.get('seq')).toBe('2');
  });
});

describe('fallbacks to apache-arrow', () => {
  const ENUM = schemaOf([
    field('id', wire.int64(), false),
    field('kind', new Dictionary(new Utf8(), new Int32()), true),
  ]);

  it('should leave reading dictionary-encoded schemas, nested dictionaries included, to apache-arrow', () => {
    const nested = schemaOf([
      field('s', wire.struct([field('k', wire.dict(), true)]), true),
      field('l', wire.list(wire.dict()), true),
    ]);
    for (const schema of [ENUM, nested]) expect(canDecodeDirectly(schema)).toBe(false);
    expect(canDecodeDirectly(WIDE)).toBe(true);

    const bytes = serializeBatch(
      makeRowsBatch(nested, [
        { s: { k: 'A' }, l: ['B', null, 'A'] },
        { s: null, l: null },
      ]),
    );
    expect(decodeStreamDirectly(bytes)).toBeNull();
    expect(rowsOf(readIpcStream(bytes).batches[0])).toEqual([
      { s: { k: 'A' }, l: ['B', null, 'A'] },
      { s: null, l: null },
    ]);
  });

  it("should write dictionary streams byte for byte as apache-arrow's writer does: first sends, replacements, deltas, nothing for an unchanged dictionary", () => {
    const first = makeRowsBatch(ENUM, [
      { id: 1n, kind: 'TABLE' },
      { id: 2n, kind: null },
      { id: 3n, kind: 'VIEW' },
    ]);
    const replaced = makeRowsBatch(ENUM, [{ id: 4n, kind: 'MACRO' }]);
    // The same dictionary object again (nothing to send), then the dictionary grown by a chunk (a delta).
    const unchanged = new RecordBatch(replaced.schema, replaced.data);
    const kind = replaced.getChild('kind')!;
    const grownDictionary = kind.data[0].dictionary!.concat(
      makeRowsBatch(schemaOf([field('v', wire.utf8(), true)]), [{ v: 'SEQUENCE' }]).getChild('v')!,
    );
    const grownKind = makeData({
      type: kind.type,
      length: 1,
      nullCount: 0,
      data: Int32Array.of(1),
      dictionary: grownDictionary,
    });
    const grown = new RecordBatch(
      replaced.schema,
      makeData({ type: replaced.data.type, length: 1, nullCount: 0, children: [replaced.data.children[0], grownKind] }),
    );
    const batches = [first, replaced, unchanged, grown];

    const reference = new RecordBatchStreamWriter();
    reference.reset(undefined, ENUM);
    for (const b of batches) reference.write(conformBatchToSchema(b, ENUM));
    reference.finish();
    const expected = reference.toUint8Array(true);

    const writer = new IpcStreamWriter(ENUM);
    const ours = concat(...batches.map((b) => writer.write(b)), writer.end());
    expect(sameBytes(ours, expected)).toBe(true);
    expect(
      sameBytes(
        encodeStream(
          ENUM,
          batches.map((b) => conformBatchToSchema(b, ENUM)),
        ),
        expected,
      ),
    ).toBe(true);
    expect(readIpcStream(ours).batches.map((b) => readColumn(b, 'kind'))).toEqual([
      ['TABLE', null, 'VIEW'],
      ['MACRO'],
      ['MACRO'],
      ['SEQUENCE'],
    ]);
    // 'other' is a dictionary batch: the first send, the replacement, none for the unchanged dictionary, the delta.
    expect(framedMessages(ours).map((m) => m.kind)).toEqual([
      'schema',
      'other',
      'record-batch',
      'other',
      'record-batch',
      'record-batch',
      'other',
      'record-batch',
      'eos',
    ]);
  });

  it('should write a dictionary stream with IpcStreamWriter that decodes to the right strings', () => {
    const writer = new IpcStreamWriter(ENUM);
    const bytes = concat(
      writer.write(
        makeRowsBatch(
          ENUM,
          [
            { id: 1n, kind: 'TABLE' },
            { id: 2n, kind: null },
            { id: 3n, kind: 'VIEW' },
          ],
          { seq: '1' },
        ),
      ),
      writer.write(
        makeRowsBatch(
          ENUM,
          [
            { id: 4n, kind: 'MACRO' },
            { id: 5n, kind: 'TABLE' },
          ],
          { seq: '2' },
        ),
      ),
      writer.end(),
    );
    expect(decodeStreamDirectly(bytes)).toBeNull();

    const expected = [
      ['TABLE', null, 'VIEW'],
      ['MACRO', 'TABLE'],
    ];
    const ours = readIpcStream(bytes);
    expect(ours.schema.fields[1].type).toBeInstanceOf(Dictionary);
    expect(ours.batches.map((b) => readColumn(b, 'kind'))).toEqual(expected);
    expect(ours.batches.map((b) => b.metadata.get('seq'))).toEqual(['1', '2']);
    expect(
      RecordBatchReader.from(bytes)
        .readAll()
        .map((b) => readColumn(b, 'kind')),
    ).toEqual(expected);
  });

  it('should decode dictionary streams read by the MessageFramer, whole (decodeFrames) and batch by batch', async () => {
    const writer = new IpcStreamWriter(ENUM);
    const bytes = concat(
      writer.write(
        makeRowsBatch(ENUM, [
          { id: 1n, kind: 'TABLE' },
          { id: 2n, kind: 'VIEW' },
        ]),
      ),
      writer.write(
        makeRowsBatch(ENUM, [
          { id: 3n, kind: 'MACRO' },
          { id: 4n, kind: null },
        ]),
      ),
      writer.end(),
    );

    const frames = await new MessageFramer(sourceOf([bytes])).readStream();
    expect(frames!.messages.map((m) => m.kind)).toContain('dictionary');
    const whole = decodeFrames([frames!.schema, ...frames!.messages]);
    expect(whole.batches.map((b) => readColumn(b, 'kind'))).toEqual([
      ['TABLE', 'VIEW'],
      ['MACRO', null],
    ]);
    expect(whole.batches.map((b) => readColumn(b, 'id'))).toEqual([
      [1n, 2n],
      [3n, 4n],
    ]);

    // Odd-sized chunks put bodies at unaligned offsets too.
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 13) chunks.push(bytes.subarray(at, at + 13));
    const input = await new MessageFramer(sourceOf(chunks)).openStream();
    expect(readColumn((await input!.next())!, 'kind')).toEqual(['TABLE', 'VIEW']);
    expect(readColumn((await input!.next())!, 'kind')).toEqual(['MACRO', null]);
    expect(await input!.next()).toBeNull();
  });

  it("should leave compressed bodies to apache-arrow's reader", async () => {
    // A toy run-length "zstd" (zstd magic so the registry accepts it): enough to make real compressed buffers.
    const MAGIC = [40, 181, 47, 253];
    compressionRegistry.set(CompressionType.ZSTD, {
      encode(data: Uint8Array): Uint8Array {
        const out = [...MAGIC];
        for (let i = 0; i < data.length;) {
          let run = 1;
          while (i + run < data.length && run < 255 && data[i + run] === data[i]) run += 1;
          out.push(run, data[i]);
          i += run;
        }
        return Uint8Array.from(out);
      },
      decode(data: Uint8Array): Uint8Array {
        const out: number[] = [];
        for (let i = MAGIC.length; i < data.length; i += 2) for (let r = 0; r < data[i]; r++) out.push(data[i + 1]);
        return Uint8Array.from(out);
      },
    });
    const schema = schemaOf([field('x', wire.int64(), false), field('s', wire.utf8(), true)]);
    const rows = Array.from({ length: 64 }, (_, i) => ({ x: BigInt(i % 3), s: i % 5 === 0 ? null : 'aaaa' }));
    const bytes = new RecordBatchStreamWriter({ compressionType: CompressionType.ZSTD })
      .writeAll([makeRowsBatch(schema, rows, { z: '1' })])
      .toUint8Array(true);

    const split = splitStream(bytes)!;
    expect(split.messages[1].message.header()).toMatchObject({ compression: { type: CompressionType.ZSTD } });
    expect(
      loadRecordBatch(split.messages[0].message.header() as Schema, split.messages[1].message, split.messages[1].body),
    ).toBeNull();
    expect(decodeStreamDirectly(bytes)).toBeNull();

    const { batches } = readIpcStream(bytes);
    expect(rowsOf(batches[0])).toEqual(rows);
    expect(batches[0].metadata.get('z')).toBe('1');

    const frames = await new MessageFramer(sourceOf([bytes])).readStream();
    expect(rowsOf(decodeFrames([frames!.schema, ...frames!.messages]).batches[0])).toEqual(rows);
  });
});

describe('decodeFrames', () => {
  it('should decode plain streams from the MessageFramer and share one Schema object per schema message', async () => {
    const batches = [
      makeRowsBatch(WIDE, ROWS.slice(0, 20), { seq: '1' }),
      makeRowsBatch(WIDE, ROWS.slice(20, 31), { seq: '2' }),
    ];
    const bytes = encodeStream(WIDE, batches);
    const other = serializeSchema(schemaOf([field('only', wire.utf8(), true)]));
    const chunks: Uint8Array[] = [];
    const twice = concat(bytes, bytes, other);
    for (let at = 0; at < twice.length; at += 37) chunks.push(twice.subarray(at, at + 37));

    const framer = new MessageFramer(sourceOf(chunks));
    const decoded = [];
    for (let s = await framer.readStream(); s !== null; s = await framer.readStream())
      decoded.push(decodeFrames([s.schema, ...s.messages]));

    expect(decoded).toHaveLength(3);
    for (const { schema, batches: read } of decoded.slice(0, 2)) {
      expectSameSchema(schema, WIDE);
      expect(read.map(rowsOf)).toEqual([ROWS.slice(0, 20), ROWS.slice(20, 31)]);
      expect(read.map((b) => b.metadata.get('seq'))).toEqual(['1', '2']);
    }
    expect(decoded[1].schema).toBe(decoded[0].schema);
    expect(decoded[2].schema).not.toBe(decoded[0].schema);
    expect(decoded[2].schema.fields.map((f) => f.name)).toEqual(['only']);
    expect(decoded[2].batches).toHaveLength(0);
  });
});

describe('buildBinaryData', () => {
  it('should share the memory of a single value instead of copying it', () => {
    const backing = new Uint8Array(64);
    const value = backing.subarray(5, 21);
    value.set(Array.from({ length: 16 }, (_, i) => i * 3));

    const data = buildBinaryData([value]);
    expect(data.length).toBe(1);
    expect(data.nullCount).toBe(0);
    expect(data.values.buffer).toBe(backing.buffer);
    expect(data.values.byteOffset).toBe(5);
    expect(Array.from(data.valueOffsets)).toEqual([0, 16]);

    // Encoding a batch of that column writes only the value's bytes.
    const schema = schemaOf([field('b', wire.binary(), false)]);
    const [back] = readIpcStream(encodeStream(schema, [makeRecordBatch(schema, { b: data })])).batches;
    expect(readColumn(back, 'b')).toEqual([Uint8Array.from(value)]);
  });

  it('should copy several values into one buffer', () => {
    const a = Uint8Array.of(1, 2, 3);
    const b = new Uint8Array(Buffer.from('hello'));
    const data = buildBinaryData([a, null, b]);
    expect(data.values.buffer).not.toBe(a.buffer);
    expect(data.values.buffer).not.toBe(b.buffer);
    expect(Array.from(data.valueOffsets)).toEqual([0, 3, 3, 8]);
    expect(data.nullCount).toBe(1);

    a[0] = 99;
    const schema = schemaOf([field('b', wire.binary(), true)]);
    const column = makeRecordBatch(schema, { b: data }).getChild('b')!;
    expect([0, 1, 2].map((i) => readValue(column, i))).toEqual([
      Uint8Array.of(1, 2, 3),
      null,
      Uint8Array.from(Buffer.from('hello')),
    ]);
  });

  it('should still build a null-only column and a large binary column of one value correctly', () => {
    const nullOnly = buildBinaryData([null]);
    expect(nullOnly.length).toBe(1);
    expect(nullOnly.nullCount).toBe(1);

    const large = buildBinaryData([Uint8Array.of(7, 8)], true);
    expect(large.length).toBe(1);
    expect(Array.from(large.values.subarray(0, 2))).toEqual([7, 8]);
  });
});
