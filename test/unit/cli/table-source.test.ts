/**
 * The streaming readers of `silo run --input`: CSV and JSON cut across chunk boundaries
 * anywhere (inside quotes, strings, escapes, multi-byte characters) read the same rows
 * as the whole-text readers; types fixed by the first rows are enforced with a coded
 * error; Arrow IPC files and streams are read batch by batch from the file handle.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordBatch, Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import { readCsv } from '../../../src/cli/csv.reader';
import { openCsvStream } from '../../../src/cli/csv-stream';
import { readJson } from '../../../src/cli/json.reader';
import { openJsonStream } from '../../../src/cli/json-stream';
import { openTableSource } from '../../../src/cli/table-source';

/** `text` in pieces of `size` characters. */
async function* pieces(text: string, size: number): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

async function drain(batches: AsyncIterator<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for (let next = await batches.next(); next.done !== true; next = await batches.next()) out.push(next.value);
  return out;
}

const rowsOf = (table: Table) => table.toArray().map((r) => ({ ...r!.toJSON() }));

describe('openCsvStream', () => {
  const csv =
    'id,name,fare,paid\n1,"Kyoto, JP",12.5,true\n2,"say ""hi""\nsecond line",8,false\r\n\n3,Zürich — 東京,,TRUE\n4,"",-1e3,false';

  it.each([1, 2, 3, 7, 64])(
    'should read the same rows and types as readCsv when the text comes in pieces of %i characters',
    async (size) => {
      const { schema, batches, numRows } = await openCsvStream(pieces(csv, size), 'CSV input', { batchRows: 3 });
      const whole = readCsv(csv);
      expect(schema.fields.map((f) => String(f.type))).toEqual(whole.schema.fields.map((f) => String(f.type)));
      const read = await drain(batches);
      expect(read.map((b) => b.numRows)).toEqual([3, 1]);
      expect(rowsOf(new Table(read))).toEqual(rowsOf(whole));
      expect(numRows).toBe(4);
    },
  );

  it('should fix the types from the first rows and refuse a later value of a wider type, naming the row', async () => {
    const text = `n,label\n${Array.from({ length: 30 }, (_, i) => `${i},x${i}`).join('\n')}\n1.5,late\n`;
    const { schema, batches, numRows } = await openCsvStream(pieces(text, 16), 'input file "n.csv"', {
      batchRows: 8,
      sampleRows: 10,
    });
    expect(String(schema.fields[0].type)).toBe('Int64');
    expect(numRows).toBeUndefined();
    await expect(drain(batches)).rejects.toThrow(
      '[SILO610] input file "n.csv": data row 31 has "1.5" in column "n", which its first 10 rows made int64. Give the input as .parquet or .arrow, which carry their column types, or put a row with a value of the wider type among the first rows.',
    );
  });

  it('should name the line of a broken row across chunks, and refuse an empty input', async () => {
    const text = 'a,b\n1,2\n3,4\n5\n';
    const { batches } = await openCsvStream(pieces(text, 3), 'CSV input', { sampleRows: 1, batchRows: 1 });
    await expect(drain(batches)).rejects.toThrow(
      '[SILO610] CSV input: data row 3 has 1 field(s), but the header has 2 (a, b). Quote fields that contain commas.',
    );
    await expect(openCsvStream(pieces('', 4), 'CSV input')).rejects.toThrow('[SILO610] CSV input is empty.');
    await expect(openCsvStream(pieces('a,b\n1,"x\n', 4), 'CSV input')).rejects.toThrow(
      '[SILO610] CSV input: the quoted field starting on line 2 is never closed.',
    );
  });
});

describe('openJsonStream', () => {
  const array =
    '[ {"id": 1, "city": "Lima", "fare": 12.5, "paid": true},\n {"id": 2, "city": "a \\"quoted\\" ] , { city", "fare": 8, "paid": null},{"id":3,"fare":null,"city":"Zürich"} ]\n';
  const ndjson =
    '{"id": 1, "city": "Lima", "fare": 12.5, "paid": true}\n\n{"id": 2, "city": "x", "fare": 8}\r\n{"id": 3}';

  it.each([1, 2, 5, 64])(
    'should read an array and NDJSON as readJson does in pieces of %i characters',
    async (size) => {
      for (const text of [array, ndjson]) {
        const { schema, batches } = await openJsonStream(pieces(text, size), 'JSON input', { batchRows: 2 });
        const whole = readJson(text);
        expect(schema.fields.map((f) => [f.name, String(f.type)])).toEqual(
          whole.schema.fields.map((f) => [f.name, String(f.type)]),
        );
        expect(rowsOf(new Table(await drain(batches)))).toEqual(rowsOf(whole));
      }
    },
  );

  it('should refuse a late new key, a late value of another type, a non-object, broken JSON and trailing text', async () => {
    const late = `${Array.from({ length: 5 }, (_, i) => `{"n": ${i}}`).join('\n')}\n{"n": 5, "extra": 1}\n`;
    const a = await openJsonStream(pieces(late, 7), 'JSON input', { sampleRows: 3 });
    await expect(drain(a.batches)).rejects.toThrow(
      '[SILO610] JSON input: row 6 has the key "extra", which none of the first 3 rows has; the columns are n.',
    );
    const wider = await openJsonStream(pieces('[{"n":1},{"n":2},{"n":2.5}]', 4), 'JSON input', {
      sampleRows: 2,
      batchRows: 1,
    });
    await expect(drain(wider.batches)).rejects.toThrow(
      '[SILO610] JSON input: row 3 has 2.5 in column "n", which its first 2 rows made int64.',
    );
    await expect(openJsonStream(pieces('[{"a":1}, 3]', 4), 'JSON input')).rejects.toThrow(
      '[SILO610] JSON input: row 2 is a number, not an object.',
    );
    await expect(openJsonStream(pieces('{"a":1}\n{"a":\n', 4), 'JSON input')).rejects.toThrow(
      '[SILO610] JSON input: line 2 is not valid JSON',
    );
    await expect(openJsonStream(pieces('[{"a":1}] x', 4), 'JSON input')).rejects.toThrow(
      '[SILO610] JSON input is not valid JSON: text follows the closing ] of the array.',
    );
    await expect(openJsonStream(pieces('[{"a":1},]', 4), 'JSON input')).rejects.toThrow(
      '[SILO610] JSON input is not valid JSON: an empty element in the array after row 1.',
    );
    await expect(openJsonStream(pieces('[{"a":1}', 4), 'JSON input')).rejects.toThrow(
      '[SILO610] JSON input is not valid JSON: the array is never closed with ].',
    );
  });
});

describe('openTableSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silo-source-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should read Arrow IPC files and streams batch by batch, counting rows and bytes', async () => {
    const table = new Table(
      [0, 1, 2].map(
        (k) => tableFromArrays({ k: Int32Array.from({ length: 1000 }, (_, i) => k * 1000 + i) }).batches[0],
      ),
    );
    for (const [name, format] of [
      ['t.arrow', 'file'],
      ['t.arrows', 'stream'],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, tableToIPC(table, format));
      const reads: number[] = [];
      const source = await openTableSource(path, { onRead: (bytes) => reads.push(bytes) });
      const batches = await drain(source.batches() as AsyncIterator<RecordBatch>);
      await source.close();
      expect(batches.map((b) => b.numRows)).toEqual([1000, 1000, 1000]);
      expect(rowsOf(new Table(batches))).toEqual(rowsOf(table));
      expect(source.rowsRead()).toBe(3000);
      expect(reads.length).toBe(3);
      expect(reads[2]).toBeLessThanOrEqual(source.totalBytes);
    }
  });

  it('should count the bytes of a text file from the first chunk, and refuse unknown or missing files', async () => {
    const path = join(dir, 'big.ndjson');
    writeFileSync(path, Array.from({ length: 60_000 }, (_, i) => `{"i":${i},"s":"row ${i}"}`).join('\n'));
    const reads: number[] = [];
    const source = await openTableSource(path, { onRead: (bytes) => reads.push(bytes) });
    // The types come from the first rows, so only the first chunk has been read so far.
    expect(reads).toHaveLength(1);
    expect(reads[0]).toBeLessThan(source.totalBytes);
    const batches = await drain(source.batches() as AsyncIterator<RecordBatch>);
    await source.close();
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(60_000);
    expect(reads[reads.length - 1]).toBe(source.totalBytes);
    await expect(openTableSource(join(dir, 'x.xlsx'))).rejects.toThrow(
      '[SILO610] --input "' +
        join(dir, 'x.xlsx') +
        '": unsupported file extension .xlsx. Use one of .csv, .json, .ndjson, .jsonl, .arrow, .arrows, .ipc, .parquet.',
    );
    await expect(openTableSource(join(dir, 'missing.csv'))).rejects.toThrow(
      `[SILO610] Cannot read the input file "${join(dir, 'missing.csv')}": it does not exist.`,
    );
    writeFileSync(join(dir, 'bad.arrow'), 'not arrow at all');
    await expect(openTableSource(join(dir, 'bad.arrow'))).rejects.toThrow(
      `[SILO610] input file "${join(dir, 'bad.arrow')}" is not an Arrow IPC file or stream`,
    );
  });
});
