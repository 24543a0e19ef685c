import type { BoundStorage } from '../providers/storage';
import { type Codec, jsonCodec } from './codec';
import { checkCodec, checkCollectionName, decodeStored, encodeValue } from './collection.error';

/**
 * What a collection of typed values ({@link KeyValue}, {@link Queue}) shares: a checked
 * name, its storage namespace, and the codec every value goes through (default
 * {@link jsonCodec}), with coded errors (SILO520/521) that name the collection.
 */
export abstract class TypedCollection<T> {
  readonly name: string;
  protected readonly ns: string;
  protected readonly label: string;
  private readonly codec: Codec<T>;

  protected constructor(
    protected readonly storage: BoundStorage,
    kind: string,
    namespacePrefix: string,
    name: string,
    codec: Codec<T> | undefined,
  ) {
    this.name = checkCollectionName(kind, name);
    this.label = `${kind} "${name}"`;
    this.codec = checkCodec(this.label, codec) ?? jsonCodec<T>();
    this.ns = `${namespacePrefix}${name}`;
  }

  /** `value` as stored bytes; `where` names it in the error (SILO521). */
  protected encode(value: T, where: string): Uint8Array {
    return encodeValue(this.codec, value, this.label, where);
  }

  /** Stored bytes as a value; `where` names them in the error (SILO520). */
  protected decode(bytes: Uint8Array, where: string): T {
    return decodeStored(this.codec, bytes, this.label, where);
  }
}
