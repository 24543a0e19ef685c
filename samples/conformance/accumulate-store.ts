import { randomUUID } from 'node:crypto';
import { type RecordBatch, RecordBatchStreamWriter, Schema } from 'apache-arrow';
import { deserializeBatch, deserializeBatches, emptyBatch, serializeBatch, toBytes, type BoundStorage } from 'vgi-silo';

/*
 * The persistent side of `accumulate`: named collections in attach-scoped storage, so
 * they outlive the query and stay private to one ATTACH.
 *
 * - `(meta, <name>)` holds the pinned output schema (input columns + `_timestamp`), and
 *   the counter `(meta, <name>)` the collection's row count.
 * - A collection's rows live as append-only segments in the namespace `seg:<name>`,
 *   one per accumulate call, keyed by the call time (8 bytes, big-endian microseconds)
 *   followed by a uuid4. Keys therefore sort by time: a TTL is one ranged delete below
 *   a time prefix, and a scan returns the oldest segment first.
 *
 * Every step is one atomic storage operation, so no lock is needed.
 */

const META_NAMESPACE = 'meta';
const SEGMENT_PREFIX = 'seg:';

/** 8 bytes, big-endian, unsigned: memcmp order equals numeric order. */
function timeKey(micros: bigint): Uint8Array {
  const key = new Uint8Array(8);
  new DataView(key.buffer).setBigUint64(0, BigInt.asUintN(64, micros), false);
  return key;
}

function segmentKey(callMicros: bigint): Uint8Array {
  const key = new Uint8Array(24);
  key.set(timeKey(callMicros), 0);
  key.set(Buffer.from(randomUUID().replace(/-/g, ''), 'hex'), 8);
  return key;
}

/** Several batches as one IPC stream (a segment). */
function serializeSegment(schema: Schema, batches: readonly RecordBatch[]): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  for (const batch of batches) writer.write(batch);
  writer.finish();
  return writer.toUint8Array(true);
}

function rowsOf(batches: readonly RecordBatch[]): number {
  return batches.reduce((n, b) => n + b.numRows, 0);
}

/** Drops the first `count` rows of a run of batches. */
function dropOldestRows(batches: readonly RecordBatch[], count: number): RecordBatch[] {
  const kept: RecordBatch[] = [];
  let skip = count;
  for (const batch of batches) {
    if (skip >= batch.numRows) {
      skip -= batch.numRows;
      continue;
    }
    kept.push(skip > 0 ? batch.slice(skip) : batch);
    skip = 0;
  }
  return kept;
}

/**
 * One named collection of one ATTACH.
 *
 * @example
 * ```ts
 * const events = new AccumulatedCollection(attachStorage, 'events');
 * await events.append(outputSchema, stampedBatches, callMicros);
 * ```
 */
export class AccumulatedCollection {
  private readonly key: Uint8Array;
  private readonly segments: string;

  constructor(
    private readonly store: BoundStorage,
    readonly name: string,
  ) {
    this.key = toBytes(name);
    this.segments = `${SEGMENT_PREFIX}${name}`;
  }

  /** The output schema pinned by the first accumulate of this name, if any. */
  async pinnedSchema(): Promise<Schema | undefined> {
    const bytes = await this.store.get(META_NAMESPACE, this.key);
    return bytes ? deserializeBatch(bytes).schema : undefined;
  }

  async pinSchema(schema: Schema): Promise<void> {
    await this.store.put(META_NAMESPACE, this.key, serializeBatch(emptyBatch(schema)));
  }

  async rowCount(): Promise<bigint> {
    return this.store.counterGet(META_NAMESPACE, this.key);
  }

  /** Appends one segment stamped at `callMicros` and counts its rows. */
  async append(schema: Schema, batches: readonly RecordBatch[], callMicros: bigint): Promise<void> {
    const rows = rowsOf(batches);
    if (rows === 0) return;
    await this.store.put(this.segments, segmentKey(callMicros), serializeSegment(schema, batches));
    await this.store.counterAdd(META_NAMESPACE, this.key, rows);
  }

  /**
   * Removes every segment stamped before `cutoffMicros`, in one ranged delete. A
   * segment carries a single call time, so that is exactly the expired rows.
   */
  async evictBefore(cutoffMicros: bigint): Promise<void> {
    // Nothing predates the epoch.
    if (cutoffMicros <= 0n) return;
    const end = timeKey(cutoffMicros);
    const expired = await this.store.scan(this.segments, { end });
    const removed = expired.reduce((n, kv) => n + rowsOf(deserializeBatches(kv.value)), 0);
    if (removed === 0) return;
    await this.store.deleteRange(this.segments, { end });
    await this.store.counterAdd(META_NAMESPACE, this.key, -removed);
  }

  /**
   * Drops the oldest rows until at most `maxRows` remain: whole segments first, then
   * the one segment that straddles the limit is rewritten with its newest rows only.
   */
  async evictOldest(maxRows: bigint): Promise<void> {
    const total = await this.rowCount();
    if (total <= maxRows) return;
    const overflow = Number(total - maxRows);
    let removed = 0;
    const whole: Uint8Array[] = [];
    for (const { key, value } of await this.store.scan(this.segments)) {
      const batches = deserializeBatches(value);
      const rows = rowsOf(batches);
      if (removed + rows <= overflow) {
        whole.push(key);
        removed += rows;
        if (removed === overflow) break;
        continue;
      }
      const schema = batches[0]?.schema ?? new Schema([]);
      await this.store.put(this.segments, key, serializeSegment(schema, dropOldestRows(batches, overflow - removed)));
      removed = overflow;
      break;
    }
    if (whole.length > 0) await this.store.delete(this.segments, whole);
    if (removed > 0) await this.store.counterAdd(META_NAMESPACE, this.key, -removed);
  }

  /** Every stored batch, oldest segment first. */
  async *batches(): AsyncGenerator<RecordBatch> {
    for (const { value } of await this.store.scan(this.segments)) yield* deserializeBatches(value);
  }
}
