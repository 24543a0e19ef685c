/**
 * JSON rows read as a stream of record batches: NDJSON line by line, a JSON array
 * element by element (a small scanner finds each top-level element's end across
 * chunks), so only one chunk and one batch are in memory at a time. The columns and
 * their types come from the first rows (`sampleRows`); a later row with a new key or a
 * value of another type is a coded error naming it.
 */
import { type RecordBatch } from 'apache-arrow';
import { field, makeRecordBatch, schemaOf } from '../arrow';
import { CliError } from './cli.error';
import { type BatchStream, DEFAULT_SAMPLE_ROWS } from './csv-stream';
import { checkJsonRow, inferJsonKind, jsonCell, type JsonKind } from './json.reader';
import { csvArrowType } from './csv.reader';

/**
 * The rows of JSON or NDJSON text chunks as parsed objects, as they arrive. The first
 * non-blank character decides: `[` is an array of objects, anything else NDJSON.
 */
async function* jsonRows(
  chunks: AsyncIterable<string>,
  source: string,
): AsyncGenerator<Record<string, unknown>, void, undefined> {
  let mode: 'unknown' | 'ndjson' | 'array' = 'unknown';
  let buffer = '';
  let line = 1;
  let row = 0;
  // Array scanner state: position in buffer, nesting depth, inside a string, after a backslash.
  let at = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let closed = false;
  let elementStart = -1;
  let afterComma = false;
  const parse = (text: string, where: string): Record<string, unknown> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new CliError(
        mode === 'ndjson'
          ? `${source}: line ${where} is not valid JSON (${(e as Error).message}). NDJSON needs one complete object per line.`
          : `${source} is not valid JSON: element ${where} of the array (${(e as Error).message}).`,
      );
    }
    checkJsonRow(value, ++row, source);
    return value;
  };

  for await (const chunk of chunks) {
    buffer += chunk;
    if (mode === 'unknown') {
      const first = buffer.search(/\S/);
      if (first < 0) continue;
      mode = buffer[first] === '[' ? 'array' : 'ndjson';
      if (mode === 'array') {
        buffer = buffer.slice(first + 1);
        at = 0;
      }
    }
    if (mode === 'ndjson') {
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const text of lines) {
        if (text.trim() !== '') yield parse(text, String(line));
        line++;
      }
      continue;
    }
    // Array: every top-level element ends at a comma or the closing bracket outside strings.
    let consumed = 0;
    for (; at < buffer.length; at++) {
      const c = buffer[at];
      if (closed) {
        if (c.trim() !== '')
          throw new CliError(`${source} is not valid JSON: text follows the closing ] of the array.`);
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (depth === 0 && (c === ',' || c === ']')) {
        if (elementStart >= 0) yield parse(buffer.slice(elementStart, at), String(row + 1));
        else if (c === ',' || afterComma)
          throw new CliError(`${source} is not valid JSON: an empty element in the array after row ${row}.`);
        afterComma = c === ',';
        closed = c === ']';
        elementStart = -1;
        consumed = at + 1;
        continue;
      }
      if (elementStart < 0 && c.trim() !== '') elementStart = at;
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
    }
    // Drop what was consumed once per chunk, so the buffer holds about one element and one chunk.
    buffer = buffer.slice(consumed);
    at -= consumed;
    if (elementStart >= 0) elementStart -= consumed;
  }
  if (mode === 'ndjson' && buffer.trim() !== '') yield parse(buffer, String(line));
  if (mode === 'array' && !closed) throw new CliError(`${source} is not valid JSON: the array is never closed with ].`);
  if (mode === 'unknown')
    throw new CliError(`${source} is empty. Give an array of objects, or one object per line (NDJSON).`);
}

/**
 * Opens JSON or NDJSON text chunks as a {@link BatchStream}: the first `sampleRows` rows
 * fix the columns (keys in order of first appearance) and their types, then batches of
 * `batchRows` rows are built as they are read.
 */
export async function openJsonStream(
  chunks: AsyncIterable<string>,
  source: string,
  options: { batchRows?: number; sampleRows?: number } = {},
): Promise<BatchStream> {
  const batchRows = options.batchRows ?? 2048;
  const sampleRows = options.sampleRows ?? DEFAULT_SAMPLE_ROWS;
  const rows = jsonRows(chunks, source);
  const pending: Record<string, unknown>[] = [];
  let ended = false;
  let rowNumber = 0;
  const fill = async (count: number): Promise<void> => {
    while (!ended && pending.length < count) {
      const next = await rows.next();
      if (next.done === true) ended = true;
      else pending.push(next.value);
    }
  };
  await fill(sampleRows);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of pending) {
    for (const key of Object.keys(r)) {
      if (seen.has(key)) continue;
      seen.add(key);
      names.push(key);
    }
  }
  if (names.length === 0) throw new CliError(`${source} has no columns: every row is an empty object.`);
  const kinds: JsonKind[] = names.map((name) =>
    inferJsonKind(
      name,
      pending.map((r) => (r[name] === undefined ? null : r[name])),
      source,
    ),
  );
  const schema = schemaOf(names.map((name, c) => field(name, csvArrowType(kinds[c]), true)));
  const sampled = pending.length;

  const build = (records: readonly Record<string, unknown>[]): RecordBatch => {
    const columns: Record<string, unknown[]> = {};
    for (const name of names) columns[name] = new Array<unknown>(records.length);
    records.forEach((record, r) => {
      const n = rowNumber + r + 1;
      for (const key of Object.keys(record)) {
        if (!seen.has(key)) {
          throw new CliError(
            `${source}: row ${n} has the key "${key}", which none of the first ${sampled} rows has; the columns are ${names.join(', ')}. Give every column in the first rows (null where there is no value), or give the input as .parquet or .arrow.`,
          );
        }
      }
      names.forEach((name, c) => {
        const value = jsonCell(kinds[c], record[name]);
        if (value === undefined) {
          throw new CliError(
            `${source}: row ${n} has ${JSON.stringify(record[name])} in column "${name}", which its first ${sampled} rows made ${kinds[c]}. Give each column one type in every row, or give the input as .parquet or .arrow, which carry their column types.`,
          );
        }
        columns[name][r] = value;
      });
    });
    rowNumber += records.length;
    return makeRecordBatch(schema, columns, { numRows: records.length });
  };

  async function* batches(): AsyncGenerator<RecordBatch, void, undefined> {
    for (;;) {
      await fill(batchRows);
      if (pending.length === 0) return;
      yield build(pending.splice(0, Math.min(batchRows, pending.length)));
    }
  }
  return { schema, batches: batches(), ...(ended ? { numRows: pending.length } : {}) };
}
