import type { RecordBatch, Schema } from 'apache-arrow';
import { injectWithTransform } from 'tsyringe';
import { EXECUTION_STORAGE, type Token, tokenName } from '../container/tokens';
import { messages } from '../errors';
import { BoundStorage } from '../providers/storage';
import { BatchLog } from './batch-log';
import type { Codec } from './codec';
import { CollectionError, checkCollectionName, describe } from './collection.error';
import { Counter } from './counter';
import { KeyValue } from './key-value';
import { Queue } from './queue';

/** Where an injected collection lives: `EXECUTION_STORAGE` unless said otherwise. */
interface StorageOption {
  /** `EXECUTION_STORAGE` (default), `ATTACH_STORAGE`, `TRANSACTION_STORAGE`, or a token of your own. */
  readonly storage?: Token<BoundStorage>;
}

/** Options of `@InjectCollection(BatchLog, ...)`. */
export interface InjectBatchLogOptions extends StorageOption {
  readonly schema?: Schema;
  readonly codec?: Codec<RecordBatch>;
}

/** Options of `@InjectCollection(KeyValue, ...)` and `@InjectCollection(Queue, ...)`. */
export interface InjectCodecOptions<T> extends StorageOption {
  readonly codec?: Codec<T>;
}

/** Every option `@InjectCollection()` knows; which apply depends on the kind. */
export interface InjectCollectionOptions extends StorageOption {
  readonly codec?: Codec<unknown>;
  readonly schema?: Schema;
}

/** The collection classes `@InjectCollection()` builds. */
export type CollectionClass = typeof BatchLog | typeof KeyValue | typeof Counter | typeof Queue;

const KINDS: ReadonlyMap<unknown, { readonly name: string; readonly options: readonly string[] }> = new Map<
  unknown,
  { name: string; options: string[] }
>([
  [BatchLog, { name: 'BatchLog', options: ['schema', 'codec', 'storage'] }],
  [KeyValue, { name: 'KeyValue', options: ['codec', 'storage'] }],
  [Queue, { name: 'Queue', options: ['codec', 'storage'] }],
  [Counter, { name: 'Counter', options: ['storage'] }],
]);

/** Builds the collection from the storage the execution's container resolved. */
class CollectionTransform {
  transform(
    storage: unknown,
    kind: CollectionClass,
    name: string,
    options: InjectCollectionOptions,
    subject: string,
  ): unknown {
    if (!(storage instanceof BoundStorage)) {
      throw new CollectionError(
        'SILO522',
        messages.invalidCollectionArgument(
          subject,
          `the storage token ${tokenName(options.storage)} must provide a BoundStorage`,
          describe(storage),
        ),
        subject,
      );
    }
    if (kind === Counter) return new Counter(storage, name);
    if (kind === BatchLog)
      return new BatchLog(storage, name, {
        schema: options.schema,
        codec: options.codec as Codec<RecordBatch> | undefined,
      });
    return new (kind as typeof KeyValue)(storage, name, { codec: options.codec });
  }
}

/**
 * Injects a storage collection bound to the current execution (or to the attach or
 * transaction, with `storage`). The collection is built from the execution's own
 * container for every instance, so it always writes to the scope of the call that runs.
 *
 * @example
 * ```ts
 * constructor(
 *   @InjectCollection(BatchLog, 'rows') private readonly rows: BatchLog,
 *   @InjectCollection(KeyValue, 'totals', { codec: jsonCodec({ validate: isTotal }) }) private readonly totals: KeyValue<Total>,
 *   @InjectCollection(Counter, 'runs', { storage: ATTACH_STORAGE }) private readonly runs: Counter,
 * ) {}
 * ```
 */
export function InjectCollection(
  kind: typeof BatchLog,
  name: string,
  options?: InjectBatchLogOptions,
): ParameterDecorator;
export function InjectCollection<T>(
  kind: typeof KeyValue | typeof Queue,
  name: string,
  options?: InjectCodecOptions<T>,
): ParameterDecorator;
export function InjectCollection(kind: typeof Counter, name: string, options?: StorageOption): ParameterDecorator;
export function InjectCollection(
  kind: CollectionClass,
  name: string,
  options: InjectCollectionOptions = {},
): ParameterDecorator {
  const known = KINDS.get(kind);
  const subject = `@InjectCollection(${known?.name ?? describe(kind)}, ${JSON.stringify(name)})`;
  if (!known) {
    throw new CollectionError(
      'SILO522',
      messages.invalidCollectionArgument(
        subject,
        'the kind must be BatchLog, KeyValue, Counter or Queue',
        describe(kind),
      ),
      subject,
    );
  }
  checkCollectionName(known.name, name);
  const extra = Object.keys(options).filter((k) => !known.options.includes(k));
  if (extra.length > 0) {
    throw new CollectionError(
      'SILO522',
      messages.invalidCollectionArgument(
        subject,
        `a ${known.name} takes the options ${known.options.join(', ')}`,
        extra.join(', '),
      ),
      subject,
    );
  }
  if (options.schema && options.codec) {
    throw new CollectionError(
      'SILO522',
      messages.invalidCollectionArgument(
        subject,
        'pass "schema" or "codec", not both: a custom codec checks its own schema',
        'both',
      ),
      subject,
    );
  }
  const storage = options.storage ?? EXECUTION_STORAGE;
  if (typeof storage !== 'symbol') {
    throw new CollectionError(
      'SILO522',
      messages.invalidCollectionArgument(
        subject,
        'storage must be a storage token such as EXECUTION_STORAGE, ATTACH_STORAGE or TRANSACTION_STORAGE',
        describe(storage),
      ),
      subject,
    );
  }
  const decorate = injectWithTransform(storage, CollectionTransform, kind, name, options, subject);
  return (target, propertyKey, parameterIndex) => {
    if (propertyKey !== undefined) {
      throw new CollectionError(
        'SILO522',
        messages.invalidCollectionArgument(
          subject,
          'it decorates constructor parameters only',
          `a parameter of method ${String(propertyKey)}`,
        ),
        subject,
      );
    }
    decorate(target, propertyKey, parameterIndex);
  };
}
