import { SiloError, messages } from '../errors';
import type { Codec } from './codec';

/**
 * What the collections throw: a stored value that cannot be read (`SILO520`), a value
 * that cannot be written (`SILO521`), a bad name or argument (`SILO522`).
 *
 * @example
 * ```ts
 * try { await totals.get('a'); }
 * catch (e) { if (e instanceof CollectionError && e.code === 'SILO520') await totals.delete('a'); }
 * ```
 */
export class CollectionError extends SiloError {
  constructor(
    code: 'SILO520' | 'SILO521' | 'SILO522',
    message: string,
    /** The collection, e.g. `BatchLog "rows"`. */
    readonly collection: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Letters, digits, `_ . : / -`; no NUL, no spaces, nothing that needs quoting in a message. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;

/** Refuses a name that is not a collection name (SILO522). */
export function checkCollectionName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new CollectionError(
      'SILO522',
      messages.invalidCollectionName(kind, typeof name === 'string' ? name : String(name)),
      `${kind} ${String(name)}`,
    );
  }
  return name;
}

/** Refuses a codec option that is not a {@link Codec} (SILO522). */
export function checkCodec<T>(collection: string, codec: Codec<T> | undefined): Codec<T> | undefined {
  if (codec === undefined) return undefined;
  const c = codec as Partial<Codec<T>> | null;
  if (
    c === null ||
    typeof c !== 'object' ||
    typeof c.name !== 'string' ||
    typeof c.encode !== 'function' ||
    typeof c.decode !== 'function'
  ) {
    throw new CollectionError(
      'SILO522',
      messages.invalidCollectionArgument(
        collection,
        'the codec option must be a Codec: { name, encode(value), decode(bytes) }, such as jsonCodec()',
        describe(codec),
      ),
      collection,
    );
  }
  return codec;
}

/** A bad argument of a collection method (SILO522). */
export function invalidArgument(collection: string, method: string, rule: string, got: unknown): CollectionError {
  return new CollectionError(
    'SILO522',
    messages.invalidCollectionArgument(`${collection}.${method}()`, rule, describe(got)),
    collection,
  );
}

/** A short, safe rendering of a value for a message. */
export function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  if (typeof value === 'function') return `a function ${value.name || ''}`.trim();
  const type = (value as object).constructor?.name;
  if (!type || type === 'Object') return 'an object';
  return `a ${type}`;
}

/** The thrown message without its final period: the message goes on after it. */
function reason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\.+$/, '');
}

/** Decodes a stored value, turning any failure into SILO520 naming the collection and where. */
export function decodeStored<T>(codec: Codec<T>, bytes: Uint8Array, collection: string, where: string): T {
  try {
    return codec.decode(bytes);
  } catch (e) {
    throw new CollectionError(
      'SILO520',
      messages.collectionValueUnreadable(collection, where, codec.name, reason(e)),
      collection,
      { cause: e },
    );
  }
}

/** Encodes a value to store, turning any failure into SILO521 naming the collection and where. */
export function encodeValue<T>(codec: Codec<T>, value: T, collection: string, where: string): Uint8Array {
  let bytes: unknown;
  try {
    bytes = codec.encode(value);
  } catch (e) {
    throw new CollectionError(
      'SILO521',
      messages.collectionValueUnwritable(collection, where, codec.name, reason(e)),
      collection,
      { cause: e },
    );
  }
  if (!(bytes instanceof Uint8Array)) {
    throw new CollectionError(
      'SILO521',
      messages.collectionValueUnwritable(
        collection,
        where,
        codec.name,
        `the codec returned ${describe(bytes)} instead of a Uint8Array`,
      ),
      collection,
    );
  }
  return bytes;
}
