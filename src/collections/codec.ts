import { RecordBatch, type Schema } from 'apache-arrow';
import { conformBatchToSchema, describeSchemaDifference } from '../arrow/schema-compare';
import { deserializeBatch, serializeBatch } from '../arrow/batch-utils';
import { fromTaggedValue, toTaggedJson } from '../common/tagged-json';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The start of some bytes for a message: as text when printable, else as hex. */
function preview(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 24);
  const more = bytes.length > head.length ? '…' : '';
  const printable = head.every((b) => b >= 0x20 && b < 0x7f);
  const shown = printable
    ? JSON.stringify(Buffer.from(head).toString('latin1'))
    : `0x${Buffer.from(head).toString('hex')}`;
  return `${shown}${more} (${bytes.length} bytes)`;
}

/** Parses UTF-8 JSON, saying what the bytes were rather than quoting the engine's parser. */
function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(bytes)) as unknown;
  } catch {
    throw new SyntaxError(`the bytes are not UTF-8 JSON: ${preview(bytes)}`);
  }
}

/**
 * How a collection turns values into stored bytes and back. `decode` throws on bytes it
 * cannot read; the collection reports that as `SILO520`, naming the collection and the
 * key or entry, so a codec only says what was wrong.
 *
 * @example
 * ```ts
 * const utf8: Codec<string> = {
 *   name: 'utf8',
 *   encode: (s) => new TextEncoder().encode(s),
 *   decode: (b) => new TextDecoder('utf-8', { fatal: true }).decode(b),
 * };
 * const names = new KeyValue(storage, 'names', { codec: utf8 });
 * ```
 */
export interface Codec<T> {
  /** Named in error messages, e.g. `json` or `arrow-batch`. */
  readonly name: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/**
 * Stores bytes as they are.
 *
 * @example
 * ```ts
 * const blobs = new KeyValue(storage, 'blobs', { codec: bytesCodec });
 * await blobs.put('a', new Uint8Array([1, 2, 3]));
 * ```
 */
export const bytesCodec: Codec<Uint8Array> = {
  name: 'bytes',
  encode(value) {
    if (!(value instanceof Uint8Array)) throw new TypeError(`expected a Uint8Array, got ${typeof value}`);
    return value;
  },
  decode: (bytes) => bytes,
};

/** Options of {@link jsonCodec}. */
export interface JsonCodecOptions<T> {
  /**
   * Checks (and may convert) every decoded value; throw to refuse it. The collection
   * reports a refusal as `SILO520` with the thrown message.
   */
  readonly validate?: (value: unknown) => T;
}

/**
 * JSON that round-trips what JSON alone loses: bigint, Uint8Array, Date, Map, typed
 * arrays, NaN/±Infinity/-0, nested in objects and arrays (Silo's tagged JSON, the same
 * format the framework persists arguments in). `undefined` values inside objects are
 * dropped, as in JSON; a top-level `undefined` is refused.
 *
 * @example
 * ```ts
 * interface Partial { sum: number; count: bigint }
 * const isPartial = (v: unknown): Partial => {
 *   const p = v as Partial;
 *   if (typeof p?.sum !== 'number' || typeof p?.count !== 'bigint') throw new Error('expected { sum: number, count: bigint }');
 *   return p;
 * };
 * const partials = new KeyValue(storage, 'partials', { codec: jsonCodec({ validate: isPartial }) });
 * ```
 */
export function jsonCodec<T = unknown>(options: JsonCodecOptions<T> = {}): Codec<T> {
  const validate = options.validate;
  return {
    name: 'json',
    encode(value) {
      if (value === undefined) throw new TypeError('undefined has no JSON form; store null instead');
      return toTaggedJson(value);
    },
    decode(bytes) {
      const value = fromTaggedValue(parseJson(bytes));
      return validate ? validate(value) : (value as T);
    },
  };
}

/**
 * One Arrow `RecordBatch` per value, as an Arrow IPC stream ({@link serializeBatch}).
 * With a `schema`, writing a batch of another schema is refused and every read checks
 * that the stored batch has exactly that schema (names, types, nullability, order), then
 * returns it typed with the declared field types.
 *
 * @example
 * ```ts
 * const log = new BatchLog(storage, 'rows', { schema: ctx.inputSchema });
 * ```
 */
export function arrowBatchCodec(schema?: Schema): Codec<RecordBatch> {
  return {
    name: 'arrow-batch',
    encode(batch) {
      if (!(batch instanceof RecordBatch))
        throw new TypeError(`expected an apache-arrow RecordBatch, got ${batch === null ? 'null' : typeof batch}`);
      if (schema) {
        const difference = describeSchemaDifference(schema, batch.schema);
        if (difference !== null) throw new TypeError(`the batch does not have the collection's schema: ${difference}`);
      }
      return serializeBatch(batch);
    },
    decode(bytes) {
      const batch = deserializeBatch(bytes);
      if (!schema) return batch;
      const difference = describeSchemaDifference(schema, batch.schema);
      if (difference !== null)
        throw new TypeError(`the stored batch does not have the collection's schema: ${difference}`);
      return conformBatchToSchema(batch, schema, 'stored batch');
    },
  };
}
