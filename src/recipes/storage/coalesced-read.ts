/**
 * Reading a batch log in batches of a target row count, from a position that travels
 * in the finalize state: the output-coalescing half of every storage recipe.
 */
import type { RecordBatch } from 'apache-arrow';
import type { BatchLog } from '../../collections';
import { gatherRows } from '../gather';
import { badOption } from '../recipe.error';

/** Where a reader is: the last entry fully read, and rows read of the next one. */
export interface CoalescedPosition {
  afterId: bigint;
  row: number;
}

/** Copies rows `[start, end)` of batches (a slice of apache-arrow is not always written back correctly). */
function rowsOf(parts: readonly { batch: RecordBatch; start: number; end: number }[]): RecordBatch {
  if (parts.length === 1 && parts[0].start === 0 && parts[0].end === parts[0].batch.numRows) return parts[0].batch;
  const total = parts.reduce((n, p) => n + p.end - p.start, 0);
  const sourceOf = new Uint32Array(total);
  const rowOf = new Uint32Array(total);
  let at = 0;
  parts.forEach((p, s) => {
    for (let r = p.start; r < p.end; r++, at++) {
      sourceOf[at] = s;
      rowOf[at] = r;
    }
  });
  return gatherRows(
    parts[0].batch.schema,
    parts.map((p) => p.batch),
    sourceOf,
    rowOf,
    total,
  );
}

/** The most entries one storage page of a coalesced read asks for. */
const MAX_PAGE = 64;

/**
 * The next `targetRows` rows of `log` after `position` (fewer at the end of the log), as
 * one batch, advancing `position`; `undefined` when nothing is left. Without `targetRows`,
 * the rest of the next stored batch. Reads only the entries it returns rows of, give or
 * take the last page: the first page is one entry, and each further page is as many
 * entries as the rows still wanted need at the size of the last one read.
 *
 * @example
 * ```ts
 * const batch = await readCoalesced(this.log, state, 2048);
 * if (batch) out.emit(batch); else out.finish();
 * ```
 */
export async function readCoalesced(
  log: BatchLog,
  position: CoalescedPosition,
  targetRows?: number,
): Promise<RecordBatch | undefined> {
  if (targetRows !== undefined && (!Number.isSafeInteger(targetRows) || targetRows < 1))
    throw badOption(`${log}`, 'targetRows', 'a whole number of at least 1', targetRows);
  const parts: { batch: RecordBatch; start: number; end: number }[] = [];
  let taken = 0;
  const want = targetRows ?? Infinity;
  const done = (): boolean => taken >= want || (targetRows === undefined && taken > 0);
  for (let pageSize = 1; ;) {
    let read = 0;
    let lastRows = 0;
    for await (const { id, batch } of log.entries({ afterId: position.afterId, pageSize })) {
      read++;
      lastRows = batch.numRows;
      const start = position.row;
      const end = Math.min(batch.numRows, start + (want - taken));
      if (end > start) parts.push({ batch, start, end });
      taken += end - start;
      if (end >= batch.numRows) {
        position.afterId = id;
        position.row = 0;
      } else {
        position.row = end;
      }
      // Leaving at the end of the page keeps the iterator from fetching the next one.
      if (done() || read === pageSize) break;
    }
    if (done() || read < pageSize) break;
    pageSize = Math.min(MAX_PAGE, Math.max(1, Math.ceil((want - taken) / Math.max(1, lastRows))));
  }
  return parts.length === 0 ? undefined : rowsOf(parts);
}
