/**
 * The hot path of the byte layer: record batches to and from IPC messages without a
 * stream writer or reader in between.
 *
 * `apache-arrow`'s stream writer re-encodes the schema for every stream and hands out
 * each buffer separately, and its reader re-parses a whole stream (schema included) to
 * decode one batch; on a worker that answers thousands of calls a second that
 * bookkeeping costs more than moving the data. Here the schema message is encoded once
 * per `Schema` object, a stream is written into one buffer sized up front (each column
 * buffer copied exactly once), and a record-batch message is loaded straight from its
 * body. Dictionary batches are written the way apache-arrow's writer writes them (see
 * {@link DictionaryTracker}). Reading dictionary-encoded or compressed streams is left to
 * `apache-arrow` (callers fall back when {@link canDecodeDirectly} says no).
 */
import {
  type Data,
  DataType,
  type Field,
  makeData,
  Message,
  type RecordBatch as ArrowBatch,
  RecordBatch,
  type Schema,
  Struct,
  Vector,
} from 'apache-arrow';
import {
  BufferRegion,
  DictionaryBatch as DictionaryBatchHeader,
  FieldNode,
  RecordBatch as RecordBatchHeader,
} from 'apache-arrow/ipc/metadata/message';
import { VectorAssembler } from 'apache-arrow/visitor/vectorassembler';
import { VectorLoader } from 'apache-arrow/visitor/vectorloader';
import { assembleRecordBatch } from './assemble-batch';
import { CONTINUATION_MARKER, EOS_BYTES } from './ipc-frame';
import { type BatchLayout } from './ipc-message.verifier';

/** The framed schema message (prefix, flatbuffer, padding) of each schema object seen. */
const schemaMessages = new WeakMap<Schema, Uint8Array>();

/**
 * The schema message of `schema` in the modern framing, encoded once per schema object
 * (and reused for a fresh schema object holding the same fields). The returned bytes are
 * shared: do not modify them.
 */
export function schemaMessage(schema: Schema): Uint8Array {
  let framed = schemaMessages.get(schema) ?? byFields(schema);
  if (framed === undefined) {
    framed = frameFlatbuffer(Message.encode(Message.from(schema)));
    if (schema.fields.length > 0) {
      const entries = schemaMessagesByFirstField.get(schema.fields[0]) ?? [];
      entries.push({ schema, bytes: framed });
      schemaMessagesByFirstField.set(schema.fields[0], entries.slice(-8));
    }
  }
  schemaMessages.set(schema, framed);
  return framed;
}

/**
 * Every `new RecordBatch(schema, data)` gets a fresh `Schema` object holding the same
 * `Field` objects, so batches built one after another (a function staging batches, a
 * producer emitting them) are matched to an earlier schema by their fields' identity
 * and equal metadata.
 */
const schemaMessagesByFirstField = new WeakMap<Field, { schema: Schema; bytes: Uint8Array }[]>();

function byFields(schema: Schema): Uint8Array | undefined {
  if (schema.fields.length === 0) return undefined;
  const entries = schemaMessagesByFirstField.get(schema.fields[0]);
  return entries?.find((e) => sameFields(e.schema, schema))?.bytes;
}

function sameFields(a: Schema, b: Schema): boolean {
  if (a.fields.length !== b.fields.length || a.metadata.size !== b.metadata.size) return false;
  for (let i = 0; i < a.fields.length; i++) if (a.fields[i] !== b.fields[i]) return false;
  for (const [key, value] of a.metadata) if (b.metadata.get(key) !== value) return false;
  return true;
}

/** A record batch (or dictionary batch) laid out as one IPC message, ready to be copied into place. */
interface PlannedBatch {
  /** Prefix + flatbuffer + padding. */
  readonly head: Uint8Array;
  readonly buffers: readonly ArrayBufferView[];
  /** Offset of each buffer within the body. */
  readonly offsets: readonly number[];
  readonly bodyLength: number;
}

/**
 * `data` with every null count known. apache-arrow slices a column with an unknown null
 * count (-1) and computes it later from the validity bitmap; a column without one — every
 * null-type column, and a column with no nulls — keeps the -1, which the assembler would
 * write as the field node's null count: a message no reader accepts. A null-type column
 * is all nulls; any other column without a bitmap has none.
 */
function withKnownNullCounts<T extends DataType>(data: Data<T>): Data<T> {
  let children: Data[] | undefined;
  data.children.forEach((child, i) => {
    const known = withKnownNullCounts(child);
    if (known !== child) (children ??= [...data.children])[i] = known;
  });
  const unknown = data.nullCount < 0;
  if (!unknown && children === undefined) return data;
  const nullCount = !unknown ? data.nullCount : DataType.isNull(data.type) ? data.length : 0;
  return data.clone(data.type, data.offset, data.length, nullCount, data.buffers, children ?? data.children);
}

function planBatch(batch: ArrowBatch): PlannedBatch {
  const data = withKnownNullCounts(batch.data);
  const assembled = VectorAssembler.assemble(
    data === batch.data ? batch : new RecordBatch(batch.schema, data, batch.metadata),
  );
  const header = new RecordBatchHeader(
    batch.numRows,
    assembled.nodes,
    assembled.bufferRegions,
    null,
    assembled.variadicBufferCounts,
    batch.metadata,
  );
  const head = frameFlatbuffer(Message.encode(Message.from(header, assembled.byteLength)));
  return {
    head,
    buffers: assembled.buffers,
    offsets: assembled.bufferRegions.map((r) => r.offset),
    bodyLength: assembled.byteLength,
  };
}

function planDictionaryBatch(chunk: Data, id: number, isDelta: boolean): PlannedBatch {
  const assembled = VectorAssembler.assemble(new Vector([chunk]));
  const data = new RecordBatchHeader(
    chunk.length,
    assembled.nodes,
    assembled.bufferRegions,
    null,
    assembled.variadicBufferCounts,
  );
  const head = frameFlatbuffer(
    Message.encode(Message.from(new DictionaryBatchHeader(data, id, isDelta), assembled.byteLength)),
  );
  return {
    head,
    buffers: assembled.buffers,
    offsets: assembled.bufferRegions.map((r) => r.offset),
    bodyLength: assembled.byteLength,
  };
}

/**
 * The dictionaries one stream has written so far, so each batch sends only what the
 * reader lacks, exactly as apache-arrow's stream writer decides it: a dictionary seen for
 * the first time (or one that shares no chunk with the last one sent under its id) is
 * sent whole, as a replacement; a dictionary that grew by chunks sends the new chunks as
 * deltas; an unchanged one sends nothing.
 */
export class DictionaryTracker {
  private readonly sent = new Map<number, { first: Data | undefined; chunks: number }>();

  /** The dictionary messages `batch` needs before it, and records them as sent. */
  plan(batch: ArrowBatch): PlannedBatch[] {
    const out: PlannedBatch[] = [];
    for (const [id, dictionary] of batch.dictionaries) {
      const chunks: readonly Data[] = dictionary?.data ?? [];
      const previous = this.sent.get(id);
      if (previous === undefined || previous.first !== chunks[0]) {
        chunks.forEach((chunk, i) => out.push(planDictionaryBatch(chunk, id, i > 0)));
      } else {
        for (let i = previous.chunks; i < chunks.length; i++) out.push(planDictionaryBatch(chunks[i], id, true));
      }
      this.sent.set(id, { first: chunks[0], chunks: chunks.length });
    }
    return out;
  }
}

/**
 * Writes an IPC stream — the schema message (unless `withSchema` is false), per batch the
 * dictionary batches it needs and its record batch, the EOS marker (unless `withEos` is
 * false) — into one new buffer. Every batch must already be on `schema` (see
 * `conformBatchToSchema`). A stream written in several calls passes one
 * {@link DictionaryTracker} to all of them.
 */
export function encodeStream(
  schema: Schema,
  batches: readonly ArrowBatch[],
  options: {
    readonly withSchema?: boolean;
    readonly withEos?: boolean;
    readonly dictionaries?: DictionaryTracker;
  } = {},
): Uint8Array {
  const head = options.withSchema === false ? null : schemaMessage(schema);
  const dictionaries = schema.dictionaries.size === 0 ? null : (options.dictionaries ?? new DictionaryTracker());
  const planned = batches.flatMap((b) =>
    dictionaries === null ? [planBatch(b)] : [...dictionaries.plan(b), planBatch(b)],
  );
  let total = (head?.length ?? 0) + (options.withEos === false ? 0 : EOS_BYTES.length);
  for (const p of planned) total += p.head.length + p.bodyLength;
  // Zero-filled, so the padding between and after body buffers needs no writes.
  const out = new Uint8Array(total);
  let at = 0;
  if (head !== null) {
    out.set(head, 0);
    at = head.length;
  }
  for (const p of planned) {
    out.set(p.head, at);
    at += p.head.length;
    p.buffers.forEach((buffer, i) => {
      out.set(
        buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
        at + p.offsets[i],
      );
    });
    at += p.bodyLength;
  }
  if (options.withEos !== false) out.set(EOS_BYTES, at);
  return out;
}

/** Prefixes a flatbuffer with the continuation marker and its padded length; pads to 8 bytes. */
function frameFlatbuffer(flatbuffer: Uint8Array): Uint8Array {
  const padded = (flatbuffer.length + 7) & ~7;
  const out = new Uint8Array(8 + padded);
  const view = new DataView(out.buffer);
  view.setUint32(0, CONTINUATION_MARKER, true);
  view.setInt32(4, padded, true);
  out.set(flatbuffer, 8);
  return out;
}

/**
 * The record-batch message (prefix, flatbuffer, body) of `batch` as it stands inside the
 * stream it was decoded from, when that stream's schema message is byte-for-byte the
 * schema message of `schema`: a producer replaying stored batches then writes the stored
 * message as it is, with no re-encoding and no copy. `undefined` otherwise.
 */
export function storedMessageOf(batch: ArrowBatch, schema: Schema): Uint8Array | undefined {
  const stream = sourceStreams.get(batch);
  if (stream === undefined) return undefined;
  const head = schemaMessage(schema);
  if (stream.length < head.length + EOS_BYTES.length) return undefined;
  // A native comparison: this runs on every replayed tick, mostly in code V8 has not optimized yet.
  const storedHead = Buffer.from(stream.buffer, stream.byteOffset, head.length);
  if (!storedHead.equals(head)) return undefined;
  return stream.subarray(head.length, stream.length - EOS_BYTES.length);
}

/**
 * True when record batches of `schema` can be loaded by {@link loadRecordBatch}: no
 * dictionary-encoded field (those need the dictionaries in force).
 */
export function canDecodeDirectly(schema: Schema): boolean {
  return schema.dictionaries.size === 0;
}

/**
 * Loads one record-batch message's body as a `RecordBatch` on `schema`, sharing the
 * body's memory (the body is copied only when it is not 8-byte aligned, as typed-array
 * views require). Returns `null` for a compressed body, which the caller leaves to
 * `apache-arrow`'s reader. With the message's verified `layout` (see `verifyMessage`), its
 * field nodes and buffers are taken from there instead of decoding the flatbuffer again.
 */
export function loadRecordBatch(
  schema: Schema,
  message: Message,
  body: Uint8Array,
  layout?: BatchLayout,
): ArrowBatch | null {
  const shape = layout === undefined ? shapeOf(message.header() as RecordBatchHeader) : shapeFromLayout(layout);
  if (shape === null) return null;
  // A copy (a Node Buffer's own `slice()` would return a view, as unaligned as the body).
  const aligned = body.byteOffset % 8 === 0 ? body : new Uint8Array(body);
  const children = new VectorLoader(
    aligned,
    shape.nodes,
    shape.buffers,
    new Map(),
    schema.metadataVersion,
    shape.variadicBufferCounts,
  ).visitMany(schema.fields);
  const data = makeData({ type: new Struct(schema.fields), length: shape.length, children });
  return assembleRecordBatch(schema, data, message.metadata);
}

/** What loading a batch needs of its header; `null` when the body is compressed. */
interface BatchShape {
  readonly length: number;
  readonly nodes: FieldNode[];
  readonly buffers: BufferRegion[];
  readonly variadicBufferCounts: number[];
}

function shapeOf(header: RecordBatchHeader): BatchShape | null {
  if (header.compression != null) return null;
  return header;
}

function shapeFromLayout(layout: BatchLayout): BatchShape | null {
  if (layout.compressed) return null;
  const nodes: FieldNode[] = [];
  for (let i = 0; i < layout.nodes.length; i += 2) nodes.push(new FieldNode(layout.nodes[i], layout.nodes[i + 1]));
  const buffers: BufferRegion[] = [];
  for (let i = 0; i < layout.buffers.length; i += 2)
    buffers.push(new BufferRegion(layout.buffers[i], layout.buffers[i + 1]));
  return { length: layout.length, nodes, buffers, variadicBufferCounts: [...layout.variadicCounts] };
}

/** Schemas decoded from schema messages, by the message bytes: request schemas repeat call after call. */
const schemaCache = new Map<string, Schema>();
const SCHEMA_CACHE_SIZE = 256;

/**
 * The schema a schema message's flatbuffer (`metadata`) describes, decoded by `decode`
 * once per distinct message: schemas are immutable, so equal bytes share one `Schema`
 * object. A bounded cache (the oldest entry goes first).
 */
export function cachedSchema(metadata: Uint8Array, decode: () => Schema): Schema {
  const key = Buffer.from(metadata.buffer, metadata.byteOffset, metadata.byteLength).toString('latin1');
  let schema = schemaCache.get(key);
  if (schema === undefined) {
    schema = decode();
    if (schemaCache.size >= SCHEMA_CACHE_SIZE) schemaCache.delete(schemaCache.keys().next().value as string);
    schemaCache.set(key, schema);
  }
  return schema;
}

/** One message of an in-memory stream: its decoded header and its body (a view). */
interface SplitMessage {
  readonly message: Message;
  /** The message's flatbuffer bytes. */
  readonly metadata: Uint8Array;
  readonly body: Uint8Array;
}

/**
 * Splits a complete in-memory IPC stream into its messages without copying: the schema
 * message first, then every dictionary and record-batch message, up to the EOS (or the
 * end of the bytes). Returns `null` for anything irregular — a truncated message, an
 * unknown header, a second schema — so the caller can hand the bytes to `apache-arrow`'s
 * reader, which reports the problem in its own words.
 */
export function splitStream(bytes: Uint8Array): { messages: SplitMessage[]; canonical: boolean } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: SplitMessage[] = [];
  let at = 0;
  // Canonical: every message in the modern framing, and the EOS marker ends the bytes.
  let canonical = true;
  try {
    for (;;) {
      if (at + 4 > bytes.length) {
        // The bytes end between messages (no EOS), or inside a length prefix.
        if (at < bytes.length) return null;
        canonical = false;
        break;
      }
      let length = view.getInt32(at, true);
      at += 4;
      if (length === -1) {
        if (at + 4 > bytes.length) return null;
        length = view.getInt32(at, true);
        at += 4;
      } else {
        canonical = false;
      }
      if (length === 0) {
        canonical &&= at === bytes.length;
        break;
      }
      if (length < 0 || at + length > bytes.length) return null;
      const metadata = bytes.subarray(at, at + length);
      const message = Message.decode(metadata);
      at += length;
      const bodyLength = Number(message.bodyLength);
      if (!Number.isSafeInteger(bodyLength) || bodyLength < 0 || at + bodyLength > bytes.length) return null;
      const isSchema = message.isSchema();
      if (isSchema !== (out.length === 0) || !(isSchema || message.isRecordBatch() || message.isDictionaryBatch()))
        return null;
      out.push({ message, metadata, body: bytes.subarray(at, at + bodyLength) });
      at += bodyLength;
    }
  } catch {
    return null;
  }
  return out.length === 0 ? null : { messages: out, canonical };
}

/** The canonical single-batch stream each directly decoded batch came from. */
const sourceStreams = new WeakMap<ArrowBatch, Uint8Array>();

/**
 * The bytes `batch` was decoded from by {@link decodeStreamDirectly}, when they are a
 * canonical stream of exactly that batch on `schema`: serializing such a batch again
 * would reproduce them, so writers hand these out instead (e.g. a process hook staging
 * its input batch stores the bytes the request carried). `undefined` otherwise.
 */
export function sourceStreamOf(batch: ArrowBatch, schema: Schema): Uint8Array | undefined {
  return batch.schema === schema ? sourceStreams.get(batch) : undefined;
}

/**
 * Decodes a complete in-memory stream whose schema has no dictionaries straight from its
 * bytes (sharing them). `null` when the fast path does not apply; the caller then uses
 * `apache-arrow`'s reader.
 */
export function decodeStreamDirectly(
  bytes: Uint8Array,
  /** The verified layout of each message, in stream order (see `verifiedStreamMessages`), when known. */
  layouts?: readonly (BatchLayout | undefined)[],
): { schema: Schema; batches: ArrowBatch[] } | null {
  const split = splitStream(bytes);
  if (split === null) return null;
  const { messages } = split;
  const schema = cachedSchema(messages[0].metadata, () => messages[0].message.header() as Schema);
  if (!canDecodeDirectly(schema)) return null;
  const known = layouts !== undefined && layouts.length === messages.length ? layouts : undefined;
  const batches: ArrowBatch[] = [];
  for (let i = 1; i < messages.length; i++) {
    const { message, body } = messages[i];
    if (!message.isRecordBatch()) return null;
    const batch = loadRecordBatch(schema, message, body, known?.[i]);
    if (batch === null) return null;
    batches.push(batch);
  }
  if (split.canonical && batches.length === 1) sourceStreams.set(batches[0], bytes);
  return { schema, batches };
}
