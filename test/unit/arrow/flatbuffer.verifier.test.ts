/**
 * Silo's own bounds checks on IPC `Message` flatbuffers: valid streams of every column
 * kind pass, and each way a message can lie about its sizes is refused, in bounded time,
 * with a fault that says which field is wrong.
 */
import {
  Dictionary,
  Field,
  Int16,
  Int32,
  Schema,
  Struct,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import {
  field,
  makeRowsBatch,
  readIpcStream,
  schemaOf,
  serializeBatch,
  serializeSchema,
  verifyIpcStreamBytes,
  verifyMessage,
  wire,
} from '../../../src/arrow';
import { MalformedIpcMessageError } from '../../../src/arrow/ipc.error';
import { SLOT, StreamPositions, withInt64, withUint32 } from '../../fixtures/wire/flatbuffer-positions';

const SCHEMA = schemaOf([
  field('i', wire.int64(), true),
  field('s', wire.utf8(), true),
  field('l', wire.list(wire.utf8()), true),
  field('st', wire.struct([new Field('a', new Int32(), true)]), true),
  field('b', wire.bool(), true),
]);
const STREAM = serializeBatch(
  makeRowsBatch(
    SCHEMA,
    [
      { i: 1n, s: 'one', l: ['x', 'y'], st: { a: 1 }, b: true },
      { i: null, s: null, l: [], st: null, b: null },
    ],
    { note: 'kept' },
  ),
);
const at = new StreamPositions(STREAM);
const [SCHEMA_MESSAGE, BATCH_MESSAGE] = at.messages();

/** The fault a stream's verification raises, as its message. */
function faultOf(bytes: Uint8Array): string {
  try {
    verifyIpcStreamBytes(bytes, 'test stream');
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedIpcMessageError);
    return (error as Error).message;
  }
  throw new Error('the stream passed verification');
}

/** Position of a buffer's [offset, length] pair in the batch's buffers vector. */
function bufferAt(index: number): number {
  return at.vectorLength(BATCH_MESSAGE.header, SLOT.recordBatch.buffers) + 4 + 16 * index;
}

function nodeAt(index: number): number {
  return at.vectorLength(BATCH_MESSAGE.header, SLOT.recordBatch.nodes) + 4 + 16 * index;
}

describe('verifyMessage / verifyIpcStreamBytes', () => {
  it('should pass streams apache-arrow writes: every fixed-width, variable-width and nested kind, dictionaries, zero rows', () => {
    const table = new Table({
      f: vectorFromArray(Float64Array.of(1.5, 2)),
      u: vectorFromArray(Uint8Array.of(1, 2)),
      d: vectorFromArray(['a', 'b'], new Dictionary(new Utf8(), new Int16())),
    });
    const streams = [
      STREAM,
      tableToIPC(table, 'stream'),
      serializeSchema(SCHEMA),
      tableToIPC(new Table(new Schema([new Field('x', new Struct([]), true)])), 'stream'),
    ];
    for (const bytes of streams) expect(() => verifyIpcStreamBytes(bytes, 'valid')).not.toThrow();
    expect(readIpcStream(STREAM).batches[0].numRows).toBe(2);
  });

  it('should describe a valid message: its kind, version and body length', () => {
    const batch = STREAM.subarray(
      BATCH_MESSAGE.metadataStart,
      BATCH_MESSAGE.metadataStart + BATCH_MESSAGE.metadataLength,
    );
    const verified = verifyMessage(batch);
    expect([verified.kind, verified.version, verified.batch?.length, verified.bodyLength > 0]).toEqual([
      'record-batch',
      4,
      2,
      true,
    ]);
  });

  it.each([
    [
      'the batch custom_metadata count',
      () => at.vectorLength(BATCH_MESSAGE.table, SLOT.message.customMetadata),
      'Message.custom_metadata declares 2147483647 elements of 4 bytes',
    ],
    [
      'the field node count',
      () => at.vectorLength(BATCH_MESSAGE.header, SLOT.recordBatch.nodes),
      'RecordBatch.nodes declares 2147483647 elements of 16 bytes',
    ],
    [
      'the buffer count',
      () => at.vectorLength(BATCH_MESSAGE.header, SLOT.recordBatch.buffers),
      'RecordBatch.buffers declares 2147483647 elements of 16 bytes',
    ],
    [
      'the schema field count',
      () => at.vectorLength(SCHEMA_MESSAGE.header, SLOT.schema.fields),
      'Schema.fields declares 2147483647 elements of 4 bytes',
    ],
    [
      'a field name length',
      () => at.target(at.field(at.tableIn(SCHEMA_MESSAGE.header, SLOT.schema.fields, 0), SLOT.field.name)),
      'Schema.fields[0].name declares a 2147483647-byte string',
    ],
    [
      'the list field children count',
      () => at.vectorLength(at.tableIn(SCHEMA_MESSAGE.header, SLOT.schema.fields, 2), SLOT.field.children),
      'Schema.fields[2].children declares 2147483647 elements of 4 bytes',
    ],
  ])('should refuse %s set to 2^31 - 1, saying how few bytes follow', (_what, position, expected) => {
    const message = faultOf(withUint32(STREAM, position(), 0x7fffffff));
    expect(message).toContain(expected);
    expect(message).toMatch(
      /at offset \d+, (but only \d+ bytes follow in the \d+-byte flatbuffer|past the end of the \d+-byte flatbuffer)\. The sender wrote a corrupt Arrow IPC message \(or one altered in transit\); send messages produced by an Arrow IPC writer\.$/,
    );
  });

  it('should refuse offsets that leave the flatbuffer: the root, a vtable, a table field', () => {
    expect(faultOf(withUint32(STREAM, BATCH_MESSAGE.metadataStart, 0xfffffff0))).toMatch(
      /^\[SILO413\] Malformed Arrow IPC message at byte \d+: test stream: the table Message at offset 4294967280 lies outside the \d+-byte flatbuffer/,
    );
    expect(faultOf(withUint32(STREAM, BATCH_MESSAGE.table, 0x7ffffff0))).toMatch(
      /the vtable of Message \(table at offset \d+\) points to offset -\d+, outside the flatbuffer/,
    );
    expect(faultOf(withUint32(STREAM, at.field(BATCH_MESSAGE.table, SLOT.message.header), 0x00ffffff))).toMatch(
      /Message\.header points to offset \d+, outside the \d+-byte flatbuffer/,
    );
  });

  it('should refuse a vtable or table of impossible size, and a field placed outside its table', () => {
    const vtable = BATCH_MESSAGE.table - at.uint32(BATCH_MESSAGE.table);
    const odd = STREAM.slice();
    new DataView(odd.buffer).setUint16(vtable, 5, true);
    expect(faultOf(odd)).toMatch(/the vtable of Message at offset \d+ declares an impossible size of 5 bytes/);
    const wide = STREAM.slice();
    new DataView(wide.buffer).setUint16(vtable + 2, 0x7000, true);
    expect(faultOf(wide)).toMatch(
      /Message at offset \d+ declares 28672 bytes of fields, past the end of the \d+-byte flatbuffer/,
    );
    const outside = STREAM.slice();
    new DataView(outside.buffer).setUint16(vtable + SLOT.message.bodyLength, 0x0100, true);
    expect(faultOf(outside)).toMatch(/field 3 of Message sits at offset 256, outside the table's \d+ bytes/);
  });

  it('should refuse a string without its terminator', () => {
    const name = at.target(at.field(at.tableIn(SCHEMA_MESSAGE.header, SLOT.schema.fields, 0), SLOT.field.name));
    const bytes = STREAM.slice();
    bytes[name + 4 + 1] = 0x41;
    expect(faultOf(bytes)).toMatch(/Schema\.fields\[0\]\.name: the string at offset \d+ is not zero-terminated/);
  });

  it('should refuse message-level values no Arrow writer produces', () => {
    const version = at.field(BATCH_MESSAGE.table, SLOT.message.version);
    const v2 = STREAM.slice();
    new DataView(v2.buffer).setInt16(version, 1, true);
    expect(faultOf(v2)).toContain('Message.version is 1; only Arrow metadata V4 and V5 (3 and 4) are read');
    const tensor = STREAM.slice();
    tensor[at.field(BATCH_MESSAGE.table, SLOT.message.headerType)] = 4;
    expect(faultOf(tensor)).toContain(
      'Message.header_type is 4; a stream carries only Schema (1), DictionaryBatch (2) and RecordBatch (3) messages',
    );
    const bodyLength = at.field(BATCH_MESSAGE.table, SLOT.message.bodyLength);
    expect(faultOf(withInt64(STREAM, bodyLength, -8n))).toContain('Message.bodyLength is negative (-8)');
    expect(faultOf(withInt64(STREAM, bodyLength, 1n << 60n))).toContain(
      'Message.bodyLength is 1152921504606846976, beyond the range this reader handles',
    );
    const batchMeta = STREAM.subarray(
      BATCH_MESSAGE.metadataStart,
      BATCH_MESSAGE.metadataStart + BATCH_MESSAGE.metadataLength,
    );
    expect(() => verifyMessage(batchMeta, { maxBodyBytes: 8 })).toThrow(
      /Message\.bodyLength \d+ exceeds the limit of 8 bytes/,
    );
    expect(() => verifyMessage(new Uint8Array(4))).toThrow('a Message flatbuffer needs at least 8 bytes, got 4');
  });

  it('should refuse a schema whose type is unknown or whose parameters are impossible', () => {
    const first = at.tableIn(SCHEMA_MESSAGE.header, SLOT.schema.fields, 0);
    const unknown = STREAM.slice();
    unknown[at.field(first, SLOT.field.typeType)] = 22;
    expect(faultOf(unknown)).toContain(
      'Schema.fields[0].type_type is 22, which is not an Arrow type this worker can read',
    );
    const intTable = at.target(at.field(first, SLOT.field.type));
    expect(faultOf(withUint32(STREAM, at.field(intTable, 4), 7))).toContain(
      'Schema.fields[0].type.bitWidth is 7; an Int is 8, 16, 32 or 64 bits',
    );
  });

  it('should refuse a message without its header, a type without its parameters, and unknown codecs', () => {
    const noHeader = STREAM.slice();
    const vtable = BATCH_MESSAGE.table - at.uint32(BATCH_MESSAGE.table);
    new DataView(noHeader.buffer).setUint16(vtable + SLOT.message.header, 0, true);
    expect(faultOf(noHeader)).toContain('the record-batch Message has no header table');
    const first = at.tableIn(SCHEMA_MESSAGE.header, SLOT.schema.fields, 0);
    const noType = STREAM.slice();
    const fieldVtable = first - at.uint32(first);
    new DataView(noType.buffer).setUint16(fieldVtable + SLOT.field.type, 0, true);
    expect(faultOf(noType)).toContain('Schema.fields[0] has type Int but no type table');
    const float = serializeSchema(schemaOf([field('f', wire.float64(), true)])).slice();
    const floatAt = new StreamPositions(float);
    const [floatSchema] = floatAt.messages();
    const precision = floatAt.field(
      floatAt.target(floatAt.field(floatAt.tableIn(floatSchema.header, SLOT.schema.fields, 0), SLOT.field.type)),
      4,
    );
    new DataView(float.buffer).setInt16(precision, 9, true);
    expect(() => verifyIpcStreamBytes(float, 'float')).toThrow(
      'Schema.fields[0]: FloatingPoint precision 9 is not HALF, SINGLE or DOUBLE',
    );
  });

  it('should refuse schema fields nested deeper than 64 levels', () => {
    let type: Field = new Field('leaf', new Int32(), true);
    for (let depth = 0; depth < 70; depth++) type = new Field(`s${depth}`, new Struct([type]), true);
    expect(() => verifyIpcStreamBytes(serializeSchema(new Schema([type])), 'deep')).toThrow(
      /schema fields nest deeper than 64 levels/,
    );
  });

  it('should refuse offsets pointing many times at the same data (quadratic work in few bytes)', () => {
    // Every entry of the fields vector aimed at the one field with a long custom metadata list.
    const heavy = schemaOf([
      ...Array.from({ length: 300 }, (_, i) => field(`c${i}`, wire.int32(), true)),
      new Field('meta', new Int32(), true, new Map(Array.from({ length: 200 }, (_, i) => [`key${i}`, `value${i}`]))),
    ]);
    const heavyBytes = serializeSchema(heavy).slice();
    const heavyAt = new StreamPositions(heavyBytes);
    const [heavyMessage] = heavyAt.messages();
    const heavyVector = heavyAt.vectorLength(heavyMessage.header, SLOT.schema.fields);
    const heavyTarget = heavyAt.tableIn(heavyMessage.header, SLOT.schema.fields, 300);
    const heavyView = new DataView(heavyBytes.buffer);
    for (let i = 0; i < 301; i++)
      heavyView.setUint32(heavyVector + 4 + 4 * i, heavyTarget - (heavyVector + 4 + 4 * i), true);
    expect(() => verifyIpcStreamBytes(heavyBytes, 'aliased')).toThrow(
      /would visit more objects than a \d+-byte flatbuffer can hold: its offsets point many times at the same data/,
    );
  });

  it('should refuse buffers outside the body and field nodes that contradict themselves', () => {
    expect(faultOf(withInt64(STREAM, bufferAt(1) + 8, 1n << 20n))).toMatch(
      /RecordBatch\.buffers\[1\] spans bytes \d+ to \d+, outside the \d+-byte message body/,
    );
    expect(faultOf(withInt64(STREAM, nodeAt(0) + 8, 3n))).toContain(
      'RecordBatch.nodes[0].null_count is 3 for 2 values',
    );
    expect(faultOf(withInt64(STREAM, nodeAt(0), -1n))).toContain(
      'RecordBatch.nodes[0].length is -1; a column holds 0 to 2147483647 values',
    );
    const length = at.field(BATCH_MESSAGE.header, SLOT.recordBatch.length);
    expect(faultOf(withInt64(STREAM, length, 1n << 40n))).toContain(
      'RecordBatch.length is 1099511627776; a record batch holds 0 to 2147483647 rows',
    );
  });

  it('should refuse lengths the body cannot back: values, validity, offsets, children, rows', () => {
    // Column i: 2 rows of int64 need 16 bytes; claim 2^20 rows.
    const longer = withInt64(STREAM, nodeAt(0), 1n << 20n);
    expect(faultOf(longer)).toContain(
      'column Schema.fields[0] declares 1048576 values, which need 131072 bytes of validity bitmap, but its buffer holds 8',
    );
    expect(faultOf(withInt64(longer, nodeAt(0) + 8, 0n))).toContain(
      'column Schema.fields[0] declares 1048576 values, which need 8388608 bytes of 8-byte values, but its buffer holds 16',
    );
    expect(faultOf(withInt64(STREAM, bufferAt(0) + 8, 0n))).toMatch(
      /column Schema\.fields\[0\] declares 2 values, which need 1 bytes of validity bitmap, but its buffer holds 0/,
    );
    // Column s: its offsets buffer (buffer 3) emptied.
    expect(faultOf(withInt64(STREAM, bufferAt(3) + 8, 0n))).toMatch(
      /column Schema\.fields\[1\] declares 2 values, which need 12 bytes of int32 offsets, but its buffer holds 0/,
    );
    // The batch claims more rows than its columns hold.
    const length = at.field(BATCH_MESSAGE.header, SLOT.recordBatch.length);
    expect(faultOf(withInt64(STREAM, length, 3n))).toContain(
      "column Schema.fields[0] holds 2 values, fewer than the batch's 3 rows",
    );
    // The struct claims one more row than its child holds (child node 5 follows struct node 4).
    expect(faultOf(withInt64(STREAM, nodeAt(5), 1n))).toMatch(
      /column Schema\.fields\[3\]\.children\[0\] holds 1 values, its parent Schema\.fields\[3\] needs 2/,
    );
  });

  it('should refuse offsets that decrease, start below zero or run past their values', () => {
    const body = BATCH_MESSAGE.metadataStart + BATCH_MESSAGE.metadataLength;
    const offsetsOfS = body + Number(new DataView(STREAM.buffer, STREAM.byteOffset).getBigInt64(bufferAt(3), true));
    expect(faultOf(withUint32(STREAM, offsetsOfS, 0xffffffff))).toContain(
      'column Schema.fields[1]: its first offset is negative (-1)',
    );
    expect(faultOf(withUint32(STREAM, offsetsOfS + 4, 9))).toContain(
      'column Schema.fields[1]: offset 2 (3) is below offset 1 (9); offsets never decrease',
    );
    expect(faultOf(withUint32(STREAM, offsetsOfS + 8, 0x7fffffff))).toMatch(
      /column Schema\.fields\[1\]: its offsets span 2147483647 bytes of values, but its value buffer holds \d+/,
    );
    const offsetsOfL = body + Number(new DataView(STREAM.buffer, STREAM.byteOffset).getBigInt64(bufferAt(6), true));
    expect(faultOf(withUint32(STREAM, offsetsOfL + 8, 0x7fffffff))).toMatch(
      /column Schema\.fields\[2\]\.children\[0\] holds 2 values, its parent Schema\.fields\[2\] needs 2147483647/,
    );
  });

  it('should refuse a batch with fewer nodes or buffers than its schema needs', () => {
    expect(faultOf(withUint32(STREAM, at.vectorLength(BATCH_MESSAGE.header, SLOT.recordBatch.nodes), 2))).toContain(
      'the batch has 2 field nodes, too few for the schema (none left for Schema.fields[2])',
    );
    expect(faultOf(withUint32(STREAM, at.vectorLength(BATCH_MESSAGE.header, SLOT.recordBatch.buffers), 4))).toContain(
      'the batch has 4 buffers, too few for the schema (none left for Schema.fields[1])',
    );
  });

  it('should refuse a dictionary batch for an id no field uses', () => {
    const table = new Table({ d: vectorFromArray(['a', 'b'], new Dictionary(new Utf8(), new Int16())) });
    const bytes = tableToIPC(table, 'stream');
    const positions = new StreamPositions(bytes);
    const [, dictionary] = positions.messages();
    expect(faultOf(withInt64(bytes, positions.field(dictionary.header, SLOT.dictionaryBatch.id), 7n))).toContain(
      "the DictionaryBatch has id 7, which no field of the stream's schema uses",
    );
  });
});
