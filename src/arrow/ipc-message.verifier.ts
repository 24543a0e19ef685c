/**
 * Checks an untrusted Arrow IPC `Message` flatbuffer against the layouts of Arrow's
 * `Message.fbs` and `Schema.fbs` before apache-arrow decodes it: every offset and vector
 * inside the buffer, the schema's nesting depth capped, the body length within the limit,
 * and each record batch's buffers inside its body. What a schema message says about its
 * columns is kept, so each record batch can then be checked against its schema: as many
 * field nodes and buffers as the columns need, and every declared length backed by bytes
 * of the body (a few bytes cannot announce two billion values).
 */
import { DEFAULT_MAX_DEPTH, type FlatTable, FlatbufferFault, FlatbufferReader } from './flatbuffer.verifier';

/** What an IPC message carries. */
export type IpcMessageKind = 'schema' | 'dictionary' | 'record-batch';

/** Limits of {@link verifyMessage}. */
interface MessageLimits {
  /** The largest acceptable `bodyLength`. Default: no limit beyond the safe-integer range. */
  readonly maxBodyBytes?: number;
  /** How deep schema fields may nest. Default 64. */
  readonly maxDepth?: number;
}

/** How one column's buffers back its length (Arrow columnar format). */
type BufferRole = 'validity' | 'bits' | 'offsets32' | 'offsets64' | 'type-ids' | 'bytes' | { readonly width: number };

/** The shape one column takes in a record batch: its buffers, then its children's nodes. */
interface ColumnLayout {
  readonly name: string;
  readonly buffers: readonly BufferRole[];
  /** View columns: their data buffers follow, as many as `variadicBufferCounts` says. */
  readonly variadic: boolean;
  readonly children: readonly ColumnLayout[];
  /** How long children must be: as long as this column, `listSize` times that, or free (offsets decide). */
  readonly childLength: 'same' | 'times-list-size' | 'free';
  readonly listSize: number;
  /** Unions carried a validity bitmap before metadata V5. */
  readonly union?: boolean;
}

/** What a schema message says record batches and dictionaries of its stream look like. */
export interface SchemaLayout {
  readonly columns: readonly ColumnLayout[];
  /** The value column of each dictionary id. */
  readonly dictionaries: ReadonlyMap<number, ColumnLayout>;
}

/** The numbers of a record batch (or a dictionary's data) needed to check it against its schema. */
export interface BatchLayout {
  readonly length: number;
  /** Field nodes as [length, nullCount] pairs. */
  readonly nodes: Float64Array;
  /** Buffers as [offset, length] pairs. */
  readonly buffers: Float64Array;
  readonly variadicCounts: readonly number[];
  readonly compressed: boolean;
}

/** A message that passed {@link verifyMessage}. */
export interface VerifiedMessage {
  readonly kind: IpcMessageKind;
  readonly version: number;
  readonly bodyLength: number;
  /** Set for schema messages. */
  readonly schema?: SchemaLayout;
  /** Set for record-batch and dictionary messages. */
  readonly batch?: BatchLayout;
  /** Set for dictionary messages. */
  readonly dictionaryId?: number;
}

const METADATA_V4 = 3;
const METADATA_V5 = 4;
const MAX_ROWS = 2 ** 31 - 1;
/** IPC bodies are little-endian; typed arrays read in the host's order. */
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** `Type` union members apache-arrow can read (RunEndEncoded and the list views it cannot). */
const TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'NONE',
  1: 'Null',
  2: 'Int',
  3: 'FloatingPoint',
  4: 'Binary',
  5: 'Utf8',
  6: 'Bool',
  7: 'Decimal',
  8: 'Date',
  9: 'Time',
  10: 'Timestamp',
  11: 'Interval',
  12: 'List',
  13: 'Struct_',
  14: 'Union',
  15: 'FixedSizeBinary',
  16: 'FixedSizeList',
  17: 'Map',
  18: 'Duration',
  19: 'LargeBinary',
  20: 'LargeUtf8',
  21: 'LargeList',
  23: 'BinaryView',
  24: 'Utf8View',
};

/**
 * Verifies one flatbuffer `Message` (the bytes after the length prefix) in time linear in
 * its size. Throws a {@link FlatbufferFault} saying what is wrong.
 */
export function verifyMessage(metadata: Uint8Array, limits: MessageLimits = {}): VerifiedMessage {
  const fb: FlatbufferReader = new FlatbufferReader(metadata, 'Message');
  const message = fb.root();
  const version = fb.int16(message, 0, 0);
  if (version < METADATA_V4) fb.fail(`Message.version is ${version}; only Arrow metadata V4 and V5 (3 and 4) are read`);
  const headerType = fb.uint8(message, 1, 0);
  const bodyLength = fb.int64(message, 3, 0, 'bodyLength');
  if (bodyLength < 0) fb.fail(`Message.bodyLength is negative (${bodyLength})`);
  const maxBody = limits.maxBodyBytes ?? Number.MAX_SAFE_INTEGER;
  if (bodyLength > maxBody) fb.fail(`Message.bodyLength ${bodyLength} exceeds the limit of ${maxBody} bytes`);
  keyValues(fb, message, 4);
  const kind = headerType === 1 ? 'schema' : headerType === 2 ? 'dictionary' : headerType === 3 ? 'record-batch' : null;
  if (kind === null)
    fb.fail(
      `Message.header_type is ${headerType}; a stream carries only Schema (1), DictionaryBatch (2) and RecordBatch (3) messages`,
    );
  const header = fb.table(
    message,
    2,
    'header',
    kind === 'schema' ? 'Schema' : kind === 'dictionary' ? 'DictionaryBatch' : 'RecordBatch',
  );
  if (header === null) fb.fail(`the ${kind} Message has no header table`);
  if (kind === 'schema')
    return { kind, version, bodyLength, schema: verifySchema(fb, header, limits.maxDepth ?? DEFAULT_MAX_DEPTH) };
  if (kind === 'record-batch') return { kind, version, bodyLength, batch: verifyRecordBatch(fb, header, bodyLength) };
  const dictionaryId = fb.int64(header, 0, 0, 'id');
  const data = fb.table(header, 1, 'data');
  if (data === null) fb.fail('the DictionaryBatch has no data');
  return { kind, version, bodyLength, dictionaryId, batch: verifyRecordBatch(fb, data, bodyLength) };
}

/** A `[KeyValue]` custom metadata vector: each entry a table of two strings. */
function keyValues(fb: FlatbufferReader, table: FlatTable, field: number): void {
  const entries = fb.vector(table, field, 'custom_metadata', 4);
  if (entries === null) return;
  for (let i = 0; i < entries.length; i++) {
    const entry = fb.tableIn(entries, i);
    fb.string(entry, 0, 'key');
    fb.string(entry, 1, 'value');
  }
}

function verifySchema(fb: FlatbufferReader, schema: FlatTable, maxDepth: number): SchemaLayout {
  keyValues(fb, schema, 2);
  fb.vector(schema, 3, 'features', 8);
  const dictionaries = new Map<number, ColumnLayout>();
  const columns = fieldList(fb, schema, 1, 'fields', { maxDepth, dictionaries }, 1);
  return { columns, dictionaries };
}

interface SchemaWalk {
  readonly maxDepth: number;
  readonly dictionaries: Map<number, ColumnLayout>;
}

function fieldList(
  fb: FlatbufferReader,
  parent: FlatTable,
  field: number,
  name: string,
  walk: SchemaWalk,
  depth: number,
): ColumnLayout[] {
  const vector = fb.vector(parent, field, name, 4);
  if (vector === null) return [];
  if (vector.length > 0 && depth > walk.maxDepth)
    fb.fail(`${vector.path}: schema fields nest deeper than ${walk.maxDepth} levels`);
  const out: ColumnLayout[] = [];
  for (let i = 0; i < vector.length; i++) out.push(verifyField(fb, fb.tableIn(vector, i), walk, depth));
  return out;
}

function verifyField(fb: FlatbufferReader, field: FlatTable, walk: SchemaWalk, depth: number): ColumnLayout {
  fb.string(field, 0, 'name');
  keyValues(fb, field, 6);
  const children = fieldList(fb, field, 5, 'children', walk, depth + 1);
  const values = typeLayout(fb, field, children);
  const dictionary = fb.table(field, 4, 'dictionary');
  if (dictionary === null) return values;
  const id = fb.int64(dictionary, 0, 0, 'id');
  const indexType = fb.table(dictionary, 1, 'indexType');
  const indexWidth = indexType === null ? 4 : intWidth(fb, indexType);
  // The first field naming an id defines its values, as apache-arrow reads it.
  if (!walk.dictionaries.has(id)) walk.dictionaries.set(id, values);
  return leaf(field.path, [{ width: indexWidth }]);
}

function leaf(name: string, data: readonly BufferRole[]): ColumnLayout {
  return { name, buffers: ['validity', ...data], variadic: false, children: [], childLength: 'free', listSize: 0 };
}

function intWidth(fb: FlatbufferReader, table: FlatTable): number {
  const bits = fb.int32(table, 0, 0);
  if (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64)
    fb.fail(`${table.path}.bitWidth is ${bits}; an Int is 8, 16, 32 or 64 bits`);
  return bits / 8;
}

/** The layout of a field's own type (ignoring a dictionary encoding). */
function typeLayout(fb: FlatbufferReader, field: FlatTable, children: readonly ColumnLayout[]): ColumnLayout {
  const typeId = fb.uint8(field, 2, 0);
  const typeName = TYPE_NAMES[typeId];
  if (typeName === undefined)
    fb.fail(`${field.path}.type_type is ${typeId}, which is not an Arrow type this worker can read`);
  const type = fb.table(field, 3, 'type');
  const name = field.path;
  const params = (): FlatTable => type ?? fb.fail(`${name} has type ${typeName} but no type table`);
  const fixed = (width: number): ColumnLayout => leaf(name, [{ width }]);
  const nested = (
    buffers: readonly BufferRole[],
    childLength: ColumnLayout['childLength'],
    listSize = 0,
  ): ColumnLayout => {
    if (childLength !== 'same' && children.length !== 1)
      fb.fail(`${name} has type ${typeName} and ${children.length} children; it needs exactly one`);
    return { name, buffers, variadic: false, children, childLength, listSize };
  };
  switch (typeId) {
    case 0:
    case 1:
      return { name, buffers: [], variadic: false, children: [], childLength: 'free', listSize: 0 };
    case 2:
      return fixed(intWidth(fb, params()));
    case 3: {
      const precision = fb.int16(params(), 0, 0);
      if (precision < 0 || precision > 2)
        fb.fail(`${name}: FloatingPoint precision ${precision} is not HALF, SINGLE or DOUBLE`);
      return fixed(2 ** (precision + 1));
    }
    case 4:
    case 5:
      return leaf(name, ['offsets32', 'bytes']);
    case 19:
    case 20:
      return leaf(name, ['offsets64', 'bytes']);
    case 23:
    case 24:
      return { ...leaf(name, [{ width: 16 }]), variadic: true };
    case 6:
      return leaf(name, ['bits']);
    case 7: {
      const bits = fb.int32(params(), 2, 128);
      if (![32, 64, 128, 256].includes(bits)) fb.fail(`${name}: Decimal bitWidth ${bits} is not 32, 64, 128 or 256`);
      return fixed(bits / 8);
    }
    case 8:
      return fixed(fb.int16(params(), 0, 1) === 0 ? 4 : 8);
    case 9: {
      const bits = fb.int32(params(), 1, 32);
      if (bits !== 32 && bits !== 64) fb.fail(`${name}: Time bitWidth ${bits} is not 32 or 64`);
      return fixed(bits / 8);
    }
    case 10:
      fb.string(params(), 1, 'timezone');
      return fixed(8);
    case 11: {
      const unit = fb.int16(params(), 0, 0);
      return fixed(unit === 0 ? 4 : unit === 1 ? 8 : 16);
    }
    case 18:
      params();
      return fixed(8);
    case 15: {
      const width = fb.int32(params(), 0, 0);
      if (width < 0) fb.fail(`${name}: FixedSizeBinary byteWidth is negative (${width})`);
      return fixed(width);
    }
    case 12:
    case 17:
      if (typeId === 17) params();
      return nested(['validity', 'offsets32'], 'free');
    case 21:
      return nested(['validity', 'offsets64'], 'free');
    case 16: {
      const size = fb.int32(params(), 0, 0);
      if (size < 0) fb.fail(`${name}: FixedSizeList listSize is negative (${size})`);
      return nested(['validity'], 'times-list-size', size);
    }
    case 13:
      return nested(['validity'], 'same');
    default: {
      // Union: type ids, plus offsets when dense; children as long as the union when sparse.
      const union = params();
      fb.vector(union, 1, 'typeIds', 4);
      const dense = fb.int16(union, 0, 0) === 1;
      return {
        name,
        buffers: dense ? ['type-ids', 'offsets32'] : ['type-ids'],
        variadic: false,
        children,
        childLength: dense ? 'free' : 'same',
        listSize: 0,
        union: true,
      };
    }
  }
}

function verifyRecordBatch(fb: FlatbufferReader, batch: FlatTable, bodyLength: number): BatchLayout {
  const length = fb.int64(batch, 0, 0, 'length');
  if (length < 0 || length > MAX_ROWS)
    fb.fail(`${batch.path}.length is ${length}; a record batch holds 0 to ${MAX_ROWS} rows`);
  const nodeVector = fb.vector(batch, 1, 'nodes', 16);
  const nodes = new Float64Array(2 * (nodeVector?.length ?? 0));
  for (let i = 0; nodeVector !== null && i < nodeVector.length; i++) {
    const at = nodeVector.start + 16 * i;
    const nodeLength = fb.int64At(at, `${nodeVector.path}[${i}].length`);
    const nullCount = fb.int64At(at + 8, `${nodeVector.path}[${i}].null_count`);
    if (nodeLength < 0 || nodeLength > MAX_ROWS)
      fb.fail(`${nodeVector.path}[${i}].length is ${nodeLength}; a column holds 0 to ${MAX_ROWS} values`);
    if (nullCount < 0 || nullCount > nodeLength)
      fb.fail(`${nodeVector.path}[${i}].null_count is ${nullCount} for ${nodeLength} values`);
    nodes[2 * i] = nodeLength;
    nodes[2 * i + 1] = nullCount;
  }
  const bufferVector = fb.vector(batch, 2, 'buffers', 16);
  const buffers = new Float64Array(2 * (bufferVector?.length ?? 0));
  for (let i = 0; bufferVector !== null && i < bufferVector.length; i++) {
    const at = bufferVector.start + 16 * i;
    const offset = fb.int64At(at, `${bufferVector.path}[${i}].offset`);
    const size = fb.int64At(at + 8, `${bufferVector.path}[${i}].length`);
    if (offset < 0 || size < 0 || offset + size > bodyLength) {
      fb.fail(
        `${bufferVector.path}[${i}] spans bytes ${offset} to ${offset + size}, outside the ${bodyLength}-byte message body`,
      );
    }
    buffers[2 * i] = offset;
    buffers[2 * i + 1] = size;
  }
  const compression = fb.table(batch, 3, 'compression');
  if (compression !== null) {
    const codec = fb.uint8(compression, 0, 0);
    if (codec > 1) fb.fail(`${compression.path}.codec is ${codec}; Arrow knows LZ4_FRAME (0) and ZSTD (1)`);
  }
  const variadic = fb.vector(batch, 4, 'variadicBufferCounts', 8);
  const variadicCounts: number[] = [];
  let variadicTotal = 0;
  for (let i = 0; variadic !== null && i < variadic.length; i++) {
    const count = fb.int64At(variadic.start + 8 * i, `${variadic.path}[${i}]`);
    variadicTotal += count;
    if (count < 0 || variadicTotal > buffers.length / 2)
      fb.fail(
        `${variadic.path}[${i}] is ${count}: more variadic buffers than the batch's ${buffers.length / 2} buffers`,
      );
    variadicCounts.push(count);
  }
  return { length, nodes, buffers, variadicCounts, compressed: compression !== null };
}

/**
 * Checks a verified record batch (or a dictionary's data) against the columns of its
 * stream's schema: enough field nodes and buffers for every column, children as long as
 * their parent needs, each length backed by the bytes its buffers hold, and the offsets
 * of variable-length columns in order and within their values (`body` is the message
 * body; one pass over the offsets). Throws a {@link FlatbufferFault}.
 */
export function checkBatchAgainstSchema(schema: SchemaLayout, message: VerifiedMessage, body: Uint8Array): void {
  const batch = message.batch;
  if (batch === undefined) return;
  let columns: readonly ColumnLayout[] = schema.columns;
  if (message.kind === 'dictionary') {
    const values = schema.dictionaries.get(message.dictionaryId ?? 0);
    if (values === undefined)
      throw new FlatbufferFault(
        `the DictionaryBatch has id ${message.dictionaryId}, which no field of the stream's schema uses`,
      );
    columns = [values];
  }
  const walk = {
    batch,
    node: 0,
    buffer: 0,
    variadic: 0,
    version: message.version,
    body: new DataView(body.buffer, body.byteOffset, body.byteLength),
  };
  for (const column of columns) {
    const length = checkColumn(column, walk);
    if (length < batch.length)
      throw new FlatbufferFault(
        `column ${column.name} holds ${length} values, fewer than the batch's ${batch.length} rows`,
      );
  }
}

interface BatchWalk {
  readonly batch: BatchLayout;
  node: number;
  buffer: number;
  variadic: number;
  readonly version: number;
  readonly body: DataView;
}

function checkColumn(column: ColumnLayout, walk: BatchWalk): number {
  const { batch } = walk;
  if (walk.node >= batch.nodes.length / 2) {
    throw new FlatbufferFault(
      `the batch has ${batch.nodes.length / 2} field nodes, too few for the schema (none left for ${column.name})`,
    );
  }
  const length = batch.nodes[2 * walk.node];
  const nullCount = batch.nodes[2 * walk.node + 1];
  walk.node += 1;
  if (column.union === true && walk.version < METADATA_V5) walk.buffer += 1;
  // The last offset of an offsets buffer: how many values (bytes, or child values) it spans.
  let spanned = 0;
  for (const role of column.buffers) {
    if (walk.buffer >= batch.buffers.length / 2) {
      throw new FlatbufferFault(
        `the batch has ${batch.buffers.length / 2} buffers, too few for the schema (none left for ${column.name})`,
      );
    }
    const start = batch.buffers[2 * walk.buffer];
    const held = batch.buffers[2 * walk.buffer + 1];
    walk.buffer += 1;
    const needed = bytesNeeded(role, length, nullCount);
    // A compressed buffer's size says nothing about its decoded size, nor its bytes about offsets.
    if (batch.compressed) continue;
    if (held < needed) {
      throw new FlatbufferFault(
        `column ${column.name} declares ${length} values, which need ${needed} bytes of ${describe(role)}, but its buffer holds ${held}`,
      );
    }
    if ((role === 'offsets32' || role === 'offsets64') && length > 0)
      spanned = checkOffsets(walk.body, start, length, role === 'offsets64' ? 8 : 4, column.name);
    if (role === 'bytes' && held < spanned)
      throw new FlatbufferFault(
        `column ${column.name}: its offsets span ${spanned} bytes of values, but its value buffer holds ${held}`,
      );
  }
  if (column.variadic) {
    walk.buffer += batch.variadicCounts[walk.variadic] ?? 0;
    walk.variadic += 1;
    if (walk.buffer > batch.buffers.length / 2)
      throw new FlatbufferFault(
        `the batch has ${batch.buffers.length / 2} buffers, too few for the variadic buffers of ${column.name}`,
      );
  }
  for (const child of column.children) {
    const childLength = checkColumn(child, walk);
    const needed =
      column.childLength === 'same'
        ? length
        : column.childLength === 'times-list-size'
          ? length * column.listSize
          : column.union === true
            ? 0
            : spanned;
    if (childLength < needed)
      throw new FlatbufferFault(
        `column ${child.name} holds ${childLength} values, its parent ${column.name} needs ${needed}`,
      );
  }
  return length;
}

/** Offsets must start at or above 0 and never decrease; returns the last one. */
function checkOffsets(body: DataView, start: number, length: number, width: 4 | 8, name: string): number {
  const at = body.byteOffset + start;
  // The hot case (int32 offsets, aligned as writers align buffers): one tight loop over a
  // typed array, which even unoptimized code runs quickly (a batch has thousands of rows).
  if (width === 4 && at % 4 === 0 && LITTLE_ENDIAN_HOST) {
    const offsets = new Int32Array(body.buffer, at, length + 1);
    if (offsets[0] < 0) offsetFault(name, 0, offsets[0], 0);
    let i = 1;
    while (i <= length && offsets[i] >= offsets[i - 1]) i++;
    if (i <= length) offsetFault(name, i, offsets[i], offsets[i - 1]);
    return offsets[length];
  }
  const read = (i: number): number =>
    width === 4 ? body.getInt32(start + 4 * i, true) : Number(body.getBigInt64(start + 8 * i, true));
  let previous = read(0);
  if (previous < 0) offsetFault(name, 0, previous, 0);
  for (let i = 1; i <= length; i++) {
    const next = read(i);
    if (next < previous) offsetFault(name, i, next, previous);
    previous = next;
  }
  return previous;
}

/** Offset `i` (`value`) is negative (`i` 0) or below the one before it (`previous`). */
function offsetFault(name: string, i: number, value: number, previous: number): never {
  if (i === 0) throw new FlatbufferFault(`column ${name}: its first offset is negative (${value})`);
  throw new FlatbufferFault(
    `column ${name}: offset ${i} (${value}) is below offset ${i - 1} (${previous}); offsets never decrease`,
  );
}

function bytesNeeded(role: BufferRole, length: number, nullCount: number): number {
  if (role === 'validity') return nullCount > 0 ? Math.ceil(length / 8) : 0;
  if (role === 'bits') return Math.ceil(length / 8);
  if (role === 'offsets32') return length > 0 ? 4 * (length + 1) : 0;
  if (role === 'offsets64') return length > 0 ? 8 * (length + 1) : 0;
  if (role === 'type-ids') return length;
  // Variable-length values: their offsets say how many bytes, and reads stay inside the buffer.
  if (role === 'bytes') return 0;
  return length * role.width;
}

function describe(role: BufferRole): string {
  if (typeof role === 'object') return `${role.width}-byte values`;
  return {
    validity: 'validity bitmap',
    bits: 'bit-packed values',
    offsets32: 'int32 offsets',
    offsets64: 'int64 offsets',
    'type-ids': 'union type ids',
    bytes: 'value bytes',
  }[role];
}
