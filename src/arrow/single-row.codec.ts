/**
 * One-row IPC streams without apache-arrow objects: the nested records of every request
 * and answer (vgi-wire §3.4) and the outer `request` / `result` batches are streams of a
 * single row of a few scalar columns. Building a `Data` per column, a `RecordBatch` and a
 * flatbuffer through apache-arrow's object model costs far more than the bytes involved,
 * so for the column types records use — utf8, binary, int64, int32, bool, float64 and
 * lists of utf8 or binary — the stream is written straight into one buffer, and read
 * straight from the verified message's field nodes and buffers.
 *
 * Both directions give up (return `null`) on anything else: another type, a value of the
 * wrong kind, a null where the field is not nullable, a stream that is not exactly one
 * schema and one one-row batch. The caller then takes the general path, which either
 * handles it or reports the problem in its own words, so the fast path never changes what
 * is accepted or refused.
 */
import { type DataType, type Field, Message, type Schema, Type } from 'apache-arrow';
import { cachedSchema, schemaMessage } from './batch-message.codec';
import { CONTINUATION_MARKER, EOS_BYTES, type IpcFrame } from './ipc-frame';
import { type BatchLayout } from './ipc-message.verifier';
import { checkAgainstSchema, verifiedStreamMessages, verifyMessageBytes } from './verified-ipc';

/** How a column of one supported type is laid out: its buffers and child columns. */
type ColumnKind = 'utf8' | 'binary' | 'int64' | 'int32' | 'bool' | 'float64' | 'list-utf8' | 'list-binary';

/** The column kinds of each schema object seen (`null`: some field is not supported). */
const kindsBySchema = new WeakMap<Schema, readonly ColumnKind[] | null>();

function scalarKind(type: DataType): ColumnKind | null {
  switch (type.typeId) {
    case Type.Utf8:
      return 'utf8';
    case Type.Binary:
      return 'binary';
    case Type.Bool:
      return 'bool';
    case Type.Int: {
      const t = type as DataType & { isSigned: boolean; bitWidth: number };
      if (!t.isSigned) return null;
      return t.bitWidth === 64 ? 'int64' : t.bitWidth === 32 ? 'int32' : null;
    }
    case Type.Float:
      return (type as DataType & { precision: number }).precision === 2 ? 'float64' : null;
    default:
      return null;
  }
}

function columnKind(f: Field): ColumnKind | null {
  if (f.type.typeId === Type.List) {
    const item = scalarKind((f.type.children[0] as Field).type);
    return item === 'utf8' ? 'list-utf8' : item === 'binary' ? 'list-binary' : null;
  }
  return scalarKind(f.type);
}

/** The kinds of `schema`'s columns, or `null` when one of them is not a supported type. */
function kindsOf(schema: Schema): readonly ColumnKind[] | null {
  let kinds = kindsBySchema.get(schema);
  if (kinds === undefined) {
    const list: ColumnKind[] = [];
    for (const f of schema.fields) {
      const kind = columnKind(f);
      if (kind === null) {
        list.length = 0;
        break;
      }
      list.push(kind);
    }
    kinds = list.length === schema.fields.length && schema.fields.length > 0 ? list : null;
    kindsBySchema.set(schema, kinds);
  }
  return kinds;
}

// ---------------------------------------------------------------------------------------
// Writing

/** One body buffer to write: its byte length, and what goes in it. */
type Part =
  | { readonly length: number; readonly bytes: Uint8Array }
  | { readonly length: number; readonly text: string }
  | { readonly length: number; readonly offsets: readonly number[] }
  | { readonly length: number; readonly bits: number }
  | { readonly length: number; readonly int64: bigint }
  | { readonly length: number; readonly int32: number }
  | { readonly length: number; readonly float64: number };

const NO_BYTES = new Uint8Array(0);
const EMPTY: Part = { length: 0, bytes: NO_BYTES };
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** What the body of the batch holds: field nodes as [length, nullCount] pairs and the buffers. */
interface Body {
  readonly nodes: number[];
  readonly parts: Part[];
}

/** Validity of a one-value column: no buffer when valid, one zero byte when null. */
const validity = (isNull: boolean): Part => (isNull ? { length: 1, bits: 0 } : EMPTY);

/** Adds a variable-length column of `values` (one row of the parent: every item here). */
function addVarLength(body: Body, values: readonly (string | Uint8Array | null)[]): true {
  const offsets = [0];
  const items: Part[] = [];
  let bitmap: Uint8Array | null = null;
  let nulls = 0;
  let total = 0;
  values.forEach((v, i) => {
    if (v === null) {
      nulls++;
      // Set every bit, then clear the nulls'.
      bitmap ??= new Uint8Array(Math.ceil(values.length / 8)).fill(0xff);
      bitmap[i >> 3] &= ~(1 << (i & 7));
    } else {
      const length = typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
      items.push(typeof v === 'string' ? { length, text: v } : { length, bytes: v });
      total += length;
    }
    offsets.push(total);
  });
  body.nodes.push(values.length, nulls);
  body.parts.push(bitmap === null ? EMPTY : { length: (bitmap as Uint8Array).length, bytes: bitmap });
  body.parts.push({ length: 4 * offsets.length, offsets });
  body.parts.push(items.length === 1 ? items[0] : { length: total, bytes: concat(items, total) });
  return true;
}

function concat(items: readonly Part[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of items) {
    if ('text' in p) Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(p.text, at, 'utf8');
    else if ('bytes' in p) out.set(p.bytes, at);
    at += p.length;
  }
  return out;
}

const isText = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isBytes = (v: unknown): v is Uint8Array | null => v === null || v instanceof Uint8Array;

/** Adds the one value of a column; false when the value does not fit its kind exactly. */
function addColumn(body: Body, kind: ColumnKind, value: unknown): boolean {
  const v = value === undefined ? null : value;
  switch (kind) {
    case 'utf8':
      return typeof v === 'string' || v === null ? addVarLength(body, [v]) : false;
    case 'binary':
      return isBytes(v) ? addVarLength(body, [v]) : false;
    case 'list-utf8':
    case 'list-binary': {
      if (v !== null && !Array.isArray(v)) return false;
      const items = (v ?? []) as unknown[];
      if (!items.every(kind === 'list-utf8' ? isText : isBytes)) return false;
      body.nodes.push(1, v === null ? 1 : 0);
      body.parts.push(validity(v === null), { length: 8, offsets: [0, items.length] });
      return addVarLength(body, items as (string | Uint8Array | null)[]);
    }
    case 'int64': {
      let n: bigint;
      if (typeof v === 'bigint') n = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
      else if (v === null) n = 0n;
      else return false;
      if (n < -(2n ** 63n) || n >= 2n ** 63n) return false;
      body.nodes.push(1, v === null ? 1 : 0);
      body.parts.push(validity(v === null), { length: 8, int64: n });
      return true;
    }
    case 'int32':
      if (v !== null && !(Number.isInteger(v) && (v as number) >= INT32_MIN && (v as number) <= INT32_MAX))
        return false;
      body.nodes.push(1, v === null ? 1 : 0);
      body.parts.push(validity(v === null), { length: 4, int32: (v as number | null) ?? 0 });
      return true;
    case 'float64':
      if (v !== null && typeof v !== 'number') return false;
      body.nodes.push(1, v === null ? 1 : 0);
      body.parts.push(validity(v === null), { length: 8, float64: v ?? 0 });
      return true;
    case 'bool':
      if (v !== null && typeof v !== 'boolean') return false;
      body.nodes.push(1, v === null ? 1 : 0);
      body.parts.push(validity(v === null), { length: 1, bits: v === true ? 1 : 0 });
      return true;
  }
}

const pad8 = (n: number): number => (n + 7) & ~7;
const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * The flatbuffer of a RecordBatch `Message` (metadata V5), laid out front to back: the root
 * offset, the Message vtable and table, the RecordBatch vtable and table, the node and
 * buffer vectors, then the custom metadata. Every offset points forward, every scalar
 * sits at a multiple of its size, as flatbuffer verifiers require.
 */
function batchFlatbuffer(
  numRows: number,
  nodes: readonly number[],
  buffers: readonly number[],
  bodyLength: number,
  metadata: readonly (readonly [Uint8Array, Uint8Array])[],
): Uint8Array {
  const nodeCount = nodes.length / 2;
  const bufferCount = buffers.length / 2;
  const nodesAt = 92; // the vector's length; its structs start 8-aligned at 96
  const buffersAt = 96 + 16 * nodeCount + 4;
  const metadataAt = buffersAt + 4 + 16 * bufferCount;
  let size = metadata.length === 0 ? metadataAt : metadataAt + 4 + 4 * metadata.length;
  const tables: number[] = [];
  for (const [key, value] of metadata) {
    tables.push(size + 8);
    size += 8 + 12 + pad4(4 + key.length + 1) + pad4(4 + value.length + 1);
  }
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 24, true);
  // Message vtable: 5 fields (version, header_type, header, bodyLength, custom_metadata).
  v.setUint16(4, 14, true);
  v.setUint16(6, 24, true);
  v.setUint16(8, 20, true);
  v.setUint16(10, 22, true);
  v.setUint16(12, 4, true);
  v.setUint16(14, 8, true);
  v.setUint16(16, metadata.length === 0 ? 0 : 16, true);
  // Message table at 24.
  v.setInt32(24, 24 - 4, true);
  v.setUint32(28, 64 - 28, true);
  v.setBigInt64(32, BigInt(bodyLength), true);
  if (metadata.length > 0) v.setUint32(40, metadataAt - 40, true);
  v.setInt16(44, 4, true); // MetadataVersion.V5
  v.setUint8(46, 3); // MessageHeader.RecordBatch
  // RecordBatch vtable: 3 fields (length, nodes, buffers).
  v.setUint16(48, 10, true);
  v.setUint16(50, 24, true);
  v.setUint16(52, 8, true);
  v.setUint16(54, 4, true);
  v.setUint16(56, 16, true);
  // RecordBatch table at 64.
  v.setInt32(64, 64 - 48, true);
  v.setUint32(68, nodesAt - 68, true);
  v.setBigInt64(72, BigInt(numRows), true);
  v.setUint32(80, buffersAt - 80, true);
  v.setUint32(nodesAt, nodeCount, true);
  for (let i = 0; i < nodes.length; i++) v.setBigInt64(96 + 8 * i, BigInt(nodes[i]), true);
  v.setUint32(buffersAt, bufferCount, true);
  for (let i = 0; i < buffers.length; i++) v.setBigInt64(buffersAt + 4 + 8 * i, BigInt(buffers[i]), true);
  if (metadata.length > 0) {
    v.setUint32(metadataAt, metadata.length, true);
    metadata.forEach(([key, value], i) => {
      const slot = metadataAt + 4 + 4 * i;
      const table = tables[i];
      v.setUint32(slot, table - slot, true);
      // KeyValue vtable (key, value) right before its table.
      v.setUint16(table - 8, 8, true);
      v.setUint16(table - 6, 12, true);
      v.setUint16(table - 4, 4, true);
      v.setUint16(table - 2, 8, true);
      v.setInt32(table, 8, true);
      const keyAt = table + 12;
      const valueAt = keyAt + pad4(4 + key.length + 1);
      v.setUint32(table + 4, keyAt - (table + 4), true);
      v.setUint32(table + 8, valueAt - (table + 8), true);
      v.setUint32(keyAt, key.length, true);
      out.set(key, keyAt + 4);
      v.setUint32(valueAt, value.length, true);
      out.set(value, valueAt + 4);
    });
  }
  return out;
}

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/**
 * A complete IPC stream (schema, one record batch, EOS) of one row of `schema`, or `null`
 * when a column type or a value is outside what this writer handles (see the file
 * header). `values` are in field order, as plain JS: string, Uint8Array, bigint or safe
 * integer, number, boolean, arrays of strings or byte arrays, `null`.
 */
export function encodeSingleRowStream(
  schema: Schema,
  values: readonly unknown[],
  options: { readonly metadata?: ReadonlyMap<string, string>; readonly acceptNulls?: boolean } = {},
): Uint8Array | null {
  const kinds = kindsOf(schema);
  if (kinds === null || values.length !== kinds.length || schema.dictionaries.size > 0) return null;
  const body: Body = { nodes: [], parts: [] };
  for (let i = 0; i < kinds.length; i++) {
    const value = values[i] ?? null;
    if (value === null && !schema.fields[i].nullable && !options.acceptNulls) return null;
    if (!addColumn(body, kinds[i], value)) return null;
  }
  const buffers: number[] = [];
  let bodyLength = 0;
  for (const p of body.parts) {
    buffers.push(bodyLength, p.length);
    bodyLength += pad8(p.length);
  }
  const metadata: [Uint8Array, Uint8Array][] = [];
  for (const [key, value] of options.metadata ?? []) metadata.push([utf8(key), utf8(value)]);
  const flatbuffer = batchFlatbuffer(1, body.nodes, buffers, bodyLength, metadata);
  const head = schemaMessage(schema);
  const framed = 8 + pad8(flatbuffer.length);
  const out = new Uint8Array(head.length + framed + bodyLength + EOS_BYTES.length);
  const view = new DataView(out.buffer);
  out.set(head, 0);
  let at = head.length;
  view.setUint32(at, CONTINUATION_MARKER, true);
  view.setInt32(at + 4, framed - 8, true);
  out.set(flatbuffer, at + 8);
  at += framed;
  const text = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  body.parts.forEach((p, i) => {
    const start = at + buffers[2 * i];
    if ('bytes' in p) out.set(p.bytes, start);
    else if ('text' in p) text.write(p.text, start, 'utf8');
    else if ('offsets' in p) p.offsets.forEach((o, k) => view.setInt32(start + 4 * k, o, true));
    else if ('bits' in p) out[start] = p.bits;
    else if ('int64' in p) view.setBigInt64(start, p.int64, true);
    else if ('int32' in p) view.setInt32(start, p.int32, true);
    else view.setFloat64(start, p.float64, true);
  });
  out.set(EOS_BYTES, at + bodyLength);
  return out;
}

// ---------------------------------------------------------------------------------------
// Reading

/** The body and numbers of the one record batch being read. */
interface Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Where the body starts within `bytes`. */
  readonly body: number;
  readonly nodes: Float64Array;
  readonly buffers: Float64Array;
  node: number;
  buffer: number;
}

/** Whether value `index` of the current column is valid, given its node's null count. */
function valid(r: Reader, nullCount: number, validityBuffer: number, index: number): boolean {
  if (nullCount === 0) return true;
  const at = r.body + r.buffers[2 * validityBuffer];
  return (r.bytes[at + (index >> 3)] & (1 << (index & 7))) !== 0;
}

/** Values `from` to `to` (exclusive) of a variable-length column. */
function readVarLength(r: Reader, text: boolean, from: number, to: number): (string | Uint8Array | null)[] {
  const nullCount = r.nodes[2 * r.node + 1];
  const validityBuffer = r.buffer;
  const offsets = r.body + r.buffers[2 * (r.buffer + 1)];
  const data = r.body + r.buffers[2 * (r.buffer + 2)];
  r.node += 1;
  r.buffer += 3;
  const out: (string | Uint8Array | null)[] = [];
  for (let i = from; i < to; i++) {
    if (!valid(r, nullCount, validityBuffer, i)) {
      out.push(null);
      continue;
    }
    const start = data + r.view.getInt32(offsets + 4 * i, true);
    const end = data + r.view.getInt32(offsets + 4 * i + 4, true);
    out.push(
      text
        ? Buffer.from(r.bytes.buffer, r.bytes.byteOffset + start, end - start).toString('utf8')
        : r.bytes.subarray(start, end),
    );
  }
  return out;
}

/** Value 0 of the next column, as apache-arrow's `get(0)` and `toPlainValue` would give it. */
function readColumn(r: Reader, kind: ColumnKind): unknown {
  if (kind === 'utf8' || kind === 'binary') return readVarLength(r, kind === 'utf8', 0, 1)[0];
  const nullCount = r.nodes[2 * r.node + 1];
  const isValid = valid(r, nullCount, r.buffer, 0);
  const data = r.body + r.buffers[2 * (r.buffer + 1)];
  r.node += 1;
  r.buffer += 2;
  if (kind === 'list-utf8' || kind === 'list-binary') {
    const from = r.view.getInt32(data, true);
    const to = r.view.getInt32(data + 4, true);
    const items = readVarLength(r, kind === 'list-utf8', from, to);
    return isValid ? items : null;
  }
  if (!isValid) return null;
  switch (kind) {
    case 'int64':
      return r.view.getBigInt64(data, true);
    case 'int32':
      return r.view.getInt32(data, true);
    case 'float64':
      return r.view.getFloat64(data, true);
    case 'bool':
      return (r.bytes[data] & 1) !== 0;
  }
}

/** Row 0 of a verified stream: its schema and one plain value per field, in field order. */
export interface SingleRow {
  readonly schema: Schema;
  readonly values: readonly unknown[];
  /** The batch's custom metadata (empty unless asked for). */
  readonly metadata: ReadonlyMap<string, string>;
}

const NO_METADATA: ReadonlyMap<string, string> = new Map();

/** The absolute position an offset field of `table` points to, or null when the field is absent. */
function offsetField(view: DataView, table: number, field: number): number | null {
  const vtable = table - view.getInt32(table, true);
  const slot = 4 + 2 * field;
  if (slot + 2 > view.getUint16(vtable, true)) return null;
  const offset = view.getUint16(vtable + slot, true);
  if (offset === 0) return null;
  return table + offset + view.getUint32(table + offset, true);
}

function stringAt(view: DataView, at: number | null): string | null {
  if (at === null) return null;
  return Buffer.from(view.buffer, view.byteOffset + at + 4, view.getUint32(at, true)).toString('utf8');
}

/**
 * The custom metadata of a `Message` flatbuffer that passed `verifyMessage` (every offset
 * and string in it is known to be in bounds), read in place; as apache-arrow reads it, an
 * entry without a key is skipped.
 */
function customMetadataOf(metadata: Uint8Array): Map<string, string> {
  const view = new DataView(metadata.buffer, metadata.byteOffset, metadata.byteLength);
  const out = new Map<string, string>();
  const vector = offsetField(view, view.getUint32(0, true), 4);
  if (vector === null) return out;
  const count = view.getUint32(vector, true);
  for (let i = 0; i < count; i++) {
    const slot = vector + 4 + 4 * i;
    const entry = slot + view.getUint32(slot, true);
    const key = stringAt(view, offsetField(view, entry, 0));
    if (key !== null) out.set(key, stringAt(view, offsetField(view, entry, 1)) as string);
  }
  return out;
}

/**
 * Verifies a complete in-memory IPC stream (throwing `IpcFramingError` as
 * `verifyIpcStreamBytes` does) and, when it is one schema and one uncompressed one-row
 * record batch of supported column types, reads that row. `null` when the stream is valid
 * but has another shape: read it with `readIpcStream(bytes, subject, { verified: true })`.
 * Binary values are views of `bytes`.
 */
export function readSingleRowStream(
  bytes: Uint8Array,
  subject: string,
  options: {
    /** Read the batch's custom metadata too (request bodies carry their routing keys there). */
    readonly metadata?: boolean;
  } = {},
): SingleRow | null {
  const messages = verifiedStreamMessages(bytes, subject);
  if (messages.length !== 2) return null;
  const [head, batch] = messages;
  const layout = batch.message.batch;
  if (batch.message.kind !== 'record-batch' || layout === undefined || layout.compressed || layout.length !== 1)
    return null;
  const schema = cachedSchema(head.metadata, () => Message.decode(head.metadata).header() as Schema);
  const kinds = kindsOf(schema);
  if (kinds === null) return null;
  return {
    schema,
    values: readRow(bytes, batch.body.byteOffset - bytes.byteOffset, layout, kinds),
    metadata: options.metadata === true ? customMetadataOf(batch.metadata) : NO_METADATA,
  };
}

/** The values of row 0 of a verified batch whose body starts at `body` within `bytes`. */
function readRow(bytes: Uint8Array, body: number, layout: BatchLayout, kinds: readonly ColumnKind[]): unknown[] {
  const r: Reader = {
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    body,
    nodes: layout.nodes,
    buffers: layout.buffers,
    node: 0,
    buffer: 0,
  };
  const values: unknown[] = [];
  for (const kind of kinds) values.push(readColumn(r, kind));
  return values;
}

/**
 * The one row of a request read off a channel (a schema frame and one record-batch frame,
 * as the framer delivers them; both already verified there, and checked again here at
 * the cost of a cache lookup): its schema and values, read from the frame's body without
 * apache-arrow. `null` for any other shape; decode those with `decodeFrames`.
 */
export function readSingleRowFrames(frames: readonly IpcFrame[]): SingleRow | null {
  if (frames.length !== 2 || frames[0].kind !== 'schema' || frames[1].kind !== 'record-batch') return null;
  const [head, batch] = frames;
  const layout = verifyMessageBytes(batch.metadata, 0).batch;
  if (layout === undefined || layout.compressed || layout.length !== 1) return null;
  const schemaLayout = verifyMessageBytes(head.metadata, 0).schema;
  if (schemaLayout === undefined) return null;
  checkAgainstSchema(schemaLayout, verifyMessageBytes(batch.metadata, 0), batch.body, 0);
  const schema = cachedSchema(head.metadata, () => Message.decode(head.metadata).header() as Schema);
  const kinds = kindsOf(schema);
  if (kinds === null) return null;
  return { schema, values: readRow(batch.body, 0, layout, kinds), metadata: batch.customMetadata };
}
