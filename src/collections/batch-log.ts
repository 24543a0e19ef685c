// BatchLogCursor is decorated when this module loads; load the polyfill before it.
import 'reflect-metadata';
import type { RecordBatch, Schema } from 'apache-arrow';
import { StateField } from '../decorators/state-field.decorator';
import type { BoundStorage } from '../providers/storage';
import type { Output } from '../definition/contexts';
import { type Codec, arrowBatchCodec } from './codec';
import {
  CollectionError,
  checkCodec,
  checkCollectionName,
  decodeStored,
  encodeValue,
  invalidArgument,
} from './collection.error';
import { messages } from '../errors';

/** Where a reader is in a {@link BatchLog}: the id of the last entry it consumed. */
export interface LogCursor {
  /** Entries with a greater id come next; `-1n` (or any id below the first) reads from the start. */
  afterId: bigint;
}

/**
 * A {@link LogCursor} as a finalize-state class: use it as a function's `state`, or
 * extend it with more `@StateField()`s.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'replay_rows', state: BatchLogCursor })
 * class ReplayRows {
 *   constructor(@InjectCollection(BatchLog, 'rows') private readonly rows: BatchLog) {}
 *   @Finalize() finalize(cursor: BatchLogCursor, out: Output) { return this.rows.replay(cursor, out); }
 * }
 * ```
 */
export class BatchLogCursor implements LogCursor {
  @StateField('int64', { doc: 'Id of the last log entry emitted' }) afterId: bigint = -1n;
}

/** One entry of a {@link BatchLog}. */
export interface BatchLogEntry {
  readonly id: bigint;
  readonly batch: RecordBatch;
}

/** Options of a {@link BatchLog}. */
export interface BatchLogOptions {
  /** Every batch written must have it, and every batch read is checked against it. */
  readonly schema?: Schema;
  /** Another batch codec (default {@link arrowBatchCodec}); not together with `schema`. */
  readonly codec?: Codec<RecordBatch>;
  /** Open one partition directly: the same log as `.partition(key)`. */
  readonly partition?: string | number;
}

/** Options of {@link BatchLog.batches} and {@link BatchLog.entries}. */
export interface BatchLogReadOptions {
  /** Only entries after this id (default: from the start). */
  readonly afterId?: bigint;
  /** Entries fetched per storage round trip (default 16): at most this many batches are in memory. */
  readonly pageSize?: number;
}

/** Options of {@link BatchLog.replay}. */
export interface ReplayOptions {
  /** Turns each stored batch into the batch to emit (project, compute, rename). */
  readonly map?: (batch: RecordBatch) => RecordBatch | Promise<RecordBatch>;
}

const DEFAULT_PAGE_SIZE = 16;
const UNPARTITIONED = '';

function partitionKeyOf(name: string, key: unknown): string {
  if (typeof key === 'number' && Number.isSafeInteger(key) && key >= 0) return String(key);
  if (typeof key === 'string' && key.length > 0 && key.length <= 256) return key;
  throw invalidArgument(
    `BatchLog "${name}"`,
    'partition',
    'a partition key is a non-negative integer or a string of 1 to 256 characters',
    key,
  );
}

/**
 * An append-only log of Arrow batches with a row count: what a sink appends and a
 * finalize stream replays. Appends from any number of processes at once are safe: each
 * is one atomic storage append, ids increase in the order appends commit, and the row
 * and entry counts are atomic storage counters.
 *
 * The counts are updated right after each append, so they are exact once every append
 * has returned (in combine and finalize), and may lag behind the log during the sink.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'buffer_rows', state: BatchLogCursor })
 * class BufferRows {
 *   constructor(@InjectCollection(BatchLog, 'rows') private readonly rows: BatchLog) {}
 *   @Process() async process(batch: RecordBatch, ctx: SinkContext) {
 *     await this.rows.append(batch);
 *     return ctx.executionId;
 *   }
 *   @Finalize() finalize(cursor: BatchLogCursor, out: Output) {
 *     return this.rows.replay(cursor, out); // one batch per tick, then finish
 *   }
 * }
 * ```
 */
export class BatchLog {
  /** The collection's name. */
  readonly name: string;
  /** The partition this log is (`''` for the unpartitioned log). */
  readonly partitionKey: string;
  private readonly codec: Codec<RecordBatch>;
  private readonly ns: string;

  constructor(
    private readonly storage: BoundStorage,
    name: string,
    private readonly options: BatchLogOptions = {},
  ) {
    this.name = checkCollectionName('BatchLog', name);
    if (options.schema && options.codec) {
      throw new CollectionError(
        'SILO522',
        messages.invalidCollectionArgument(
          `BatchLog "${name}"`,
          'pass "schema" or "codec", not both: a custom codec checks its own schema',
          'both',
        ),
        `BatchLog "${name}"`,
      );
    }
    this.codec = checkCodec(`BatchLog "${name}"`, options.codec) ?? arrowBatchCodec(options.schema);
    this.ns = `@log:${name}`;
    this.partitionKey = options.partition === undefined ? UNPARTITIONED : partitionKeyOf(name, options.partition);
  }

  private get label(): string {
    return this.partitionKey === UNPARTITIONED
      ? `BatchLog "${this.name}"`
      : `BatchLog "${this.name}" partition ${JSON.stringify(this.partitionKey)}`;
  }

  private get rowsKey(): string {
    return `rows/${this.partitionKey}`;
  }

  private get entriesKey(): string {
    return `entries/${this.partitionKey}`;
  }

  /**
   * A sibling log with the same name, schema and codec under another storage key: one
   * log per partition, for fan-out to parallel finalize streams. `partition(3)` and
   * `partition('3')` are the same log; partitions never see each other's batches, and
   * the unpartitioned log is none of them.
   *
   * @example
   * ```ts
   * await this.parts.partition(hash(key) % 4).append(rows); // in process
   * await this.parts.partition(bytesToText(ctx.finalizeStateId)).replay(cursor, out); // in finalize
   * ```
   */
  partition(key: string | number): BatchLog {
    return new BatchLog(this.storage, this.name, { ...this.options, partition: key });
  }

  /**
   * Appends one batch; returns its entry id. Atomic; safe from concurrent processes.
   *
   * @example
   * ```ts
   * const id = await this.rows.append(batch);
   * ```
   */
  async append(batch: RecordBatch): Promise<bigint> {
    const bytes = encodeValue(this.codec, batch, this.label, 'the appended batch');
    const id = await this.storage.append(this.ns, this.partitionKey, bytes);
    await this.count(1, batch.numRows);
    return id;
  }

  /**
   * Appends batches in order (each its own atomic append); returns their entry ids. Other
   * processes' appends may interleave with them.
   *
   * @example
   * ```ts
   * await this.runs.partition(run).appendAll(sortedChunks);
   * ```
   */
  async appendAll(batches: Iterable<RecordBatch> | AsyncIterable<RecordBatch>): Promise<bigint[]> {
    const ids: bigint[] = [];
    let rows = 0;
    try {
      for await (const batch of batches) {
        const bytes = encodeValue(this.codec, batch, this.label, `batch ${ids.length} of appendAll()`);
        ids.push(await this.storage.append(this.ns, this.partitionKey, bytes));
        rows += batch.numRows;
      }
    } finally {
      // Count what was appended even when a later batch failed, so the counts match the log.
      if (ids.length > 0) await this.count(ids.length, rows);
    }
    return ids;
  }

  private async count(entries: number, rows: number): Promise<void> {
    await Promise.all([
      this.storage.counterAdd(this.ns, this.entriesKey, entries),
      this.storage.counterAdd(this.ns, this.rowsKey, rows),
    ]);
  }

  /** Rows appended so far (an atomic storage counter; exact once every append returned). */
  rowCount(): Promise<bigint> {
    return this.storage.counterGet(this.ns, this.rowsKey);
  }

  /** Batches appended so far (an atomic storage counter; exact once every append returned). */
  entryCount(): Promise<bigint> {
    return this.storage.counterGet(this.ns, this.entriesKey);
  }

  /**
   * Every entry with its id, in append order, fetched `pageSize` at a time.
   *
   * @example
   * ```ts
   * for await (const { id, batch } of this.rows.entries({ afterId: cursor.afterId })) { ... }
   * ```
   */
  async *entries(options: BatchLogReadOptions = {}): AsyncGenerator<BatchLogEntry> {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1)
      throw invalidArgument(this.label, 'entries', 'pageSize must be a positive integer', pageSize);
    for await (const entry of this.storage.logEntries(this.ns, this.partitionKey, {
      afterId: options.afterId,
      pageSize,
    })) {
      yield { id: entry.id, batch: decodeStored(this.codec, entry.value, this.label, `entry ${entry.id}`) };
    }
  }

  /**
   * Every batch in append order, fetched `pageSize` at a time (bounded memory).
   *
   * @example
   * ```ts
   * let total = 0;
   * for await (const batch of this.rows.batches()) total += batch.numRows;
   * ```
   */
  async *batches(options: BatchLogReadOptions = {}): AsyncGenerator<RecordBatch> {
    for await (const entry of this.entries(options)) yield entry.batch;
  }

  /**
   * The batch after `cursor`, advancing the cursor past it; `undefined` at the end of
   * the log (the cursor is left as it is).
   *
   * @example
   * ```ts
   * const batch = await this.rows.next(cursor);
   * if (batch) out.emit(batch); else out.finish();
   * ```
   */
  async next(cursor: LogCursor): Promise<RecordBatch | undefined> {
    if (typeof cursor?.afterId !== 'bigint')
      throw invalidArgument(
        this.label,
        'next',
        'the cursor needs a bigint afterId (use BatchLogCursor as the finalize state)',
        cursor?.afterId,
      );
    const [entry] = await this.storage.logScan(this.ns, this.partitionKey, { afterId: cursor.afterId, limit: 1 });
    if (!entry) return undefined;
    const batch = decodeStored(this.codec, entry.value, this.label, `entry ${entry.id}`);
    cursor.afterId = entry.id;
    return batch;
  }

  /**
   * One finalize tick: emits the batch after `cursor` (through `map` when given) and
   * advances the cursor, or finishes the stream when the log is exhausted.
   *
   * @example
   * ```ts
   * @Finalize() finalize(cursor: BatchLogCursor, out: Output) {
   *   return this.rows.replay(cursor, out, { map: (batch) => batch.select(['id', 'score']) });
   * }
   * ```
   */
  async replay(cursor: LogCursor, out: Pick<Output, 'emit' | 'finish'>, options: ReplayOptions = {}): Promise<void> {
    const batch = await this.next(cursor);
    if (batch === undefined) return out.finish();
    out.emit(options.map ? await options.map(batch) : batch);
  }

  /**
   * Deletes this log's entries and counts (this partition only). Do not run it while
   * another process still appends.
   */
  async clear(): Promise<void> {
    await this.storage.logDelete(this.ns, this.partitionKey);
    await Promise.all([
      this.storage.counterDelete(this.ns, this.rowsKey),
      this.storage.counterDelete(this.ns, this.entriesKey),
    ]);
  }

  toString(): string {
    return this.label;
  }
}
