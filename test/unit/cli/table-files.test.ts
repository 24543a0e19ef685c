import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import { readCsv } from '../../../src/cli/csv.reader';
import { readTableFile, resolveTableOutput, writeTableFile } from '../../../src/cli/table-files';
import { formatTable } from '../../../src/cli/table-printer';

const rows = (t: Table) => t.toArray().map((r) => ({ ...r!.toJSON() }));

describe('table files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silo-files-'));
  const table = readCsv('id,city,fare\n1,"Kyoto, JP",12.5\n2,,8\n3,"",\n');

  it('should write CSV that reads back to the same rows, NULL and empty strings kept apart', () => {
    const path = join(dir, 'out.csv');
    writeTableFile(path, table);
    expect(readFileSync(path, 'utf8')).toBe('id,city,fare\n1,"Kyoto, JP",12.5\n2,,8\n3,"",\n');
    expect(rows(readTableFile(path))).toEqual(rows(table));
  });

  it('should write JSON (int64 as numbers) and NDJSON that read back to the same rows', () => {
    writeTableFile(join(dir, 'out.json'), table);
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'))).toEqual([
      { id: 1, city: 'Kyoto, JP', fare: 12.5 },
      { id: 2, city: null, fare: 8 },
      { id: 3, city: '', fare: null },
    ]);
    writeTableFile(join(dir, 'out.ndjson'), table);
    expect(rows(readTableFile(join(dir, 'out.ndjson')))).toEqual(rows(table));
  });

  it('should read and write Arrow IPC in the file and the stream format', () => {
    writeTableFile(join(dir, 'out.arrow'), table);
    expect(rows(readTableFile(join(dir, 'out.arrow')))).toEqual(rows(table));
    writeFileSync(join(dir, 'in.arrows'), tableToIPC(tableFromArrays({ x: Int32Array.of(1, 2) }), 'stream'));
    expect(rows(readTableFile(join(dir, 'in.arrows')))).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it('should refuse unsupported extensions, missing files and files that are not what their extension says', () => {
    expect(() => readTableFile(join(dir, 'in.parquet'))).toThrow(
      `[SILO610] --input "${join(dir, 'in.parquet')}": unsupported file extension .parquet. Use one of .csv, .json, .ndjson, .jsonl, .arrow, .arrows, .ipc.`,
    );
    expect(() => writeTableFile(join(dir, 'out.xlsx'), table)).toThrow(
      `[SILO610] --out "${join(dir, 'out.xlsx')}": unsupported file extension .xlsx. Use one of .csv, .json, .ndjson, .jsonl, .arrow, .arrows, .ipc, .parquet, or name the format with --format csv|json|ndjson|arrow|parquet.`,
    );
    expect(() => readTableFile(join(dir, 'missing.csv'))).toThrow(
      `[SILO610] Cannot read the input file "${join(dir, 'missing.csv')}": it does not exist.`,
    );
    writeFileSync(join(dir, 'bad.arrow'), 'not arrow');
    expect(() => readTableFile(join(dir, 'bad.arrow'))).toThrow(
      `[SILO610] input file "${join(dir, 'bad.arrow')}" is not an Arrow IPC file or stream: `,
    );
  });
});

describe('resolveTableOutput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silo-out-'));
  const table = readCsv('id,city\n1,Lima\n2,\n');

  /** A stdout that keeps what is written to it. */
  function capture(isTTY = false): NodeJS.WritableStream & { isTTY: boolean; bytes(): Buffer } {
    const chunks: Buffer[] = [];
    const stream = {
      isTTY,
      write(chunk: string | Uint8Array) {
        chunks.push(Buffer.from(chunk));
        return true;
      },
      bytes: () => Buffer.concat(chunks),
    };
    return stream as unknown as NodeJS.WritableStream & { isTTY: boolean; bytes(): Buffer };
  }

  it('should write to stdout with --out -, as csv unless --format says otherwise', async () => {
    const csv = capture();
    await resolveTableOutput('-', undefined)!.write(table, csv);
    expect(csv.bytes().toString()).toBe('id,city\n1,Lima\n2,\n');
    const ndjson = capture();
    await resolveTableOutput('-', 'NDJSON')!.write(table, ndjson);
    expect(ndjson.bytes().toString()).toBe('{"id":1,"city":"Lima"}\n{"id":2,"city":null}\n');
    const json = capture();
    await resolveTableOutput('-', 'json')!.write(table, json);
    expect(JSON.parse(json.bytes().toString())).toEqual([
      { id: 1, city: 'Lima' },
      { id: 2, city: null },
    ]);
    expect(resolveTableOutput('-', 'json')!.destination).toBe('stdout');
  });

  it('should write Arrow to stdout as an IPC stream a reader can consume', async () => {
    const arrow = capture();
    await resolveTableOutput('-', 'arrow')!.write(table, arrow);
    writeFileSync(join(dir, 'from-stdout.arrows'), arrow.bytes());
    expect(rows(readTableFile(join(dir, 'from-stdout.arrows')))).toEqual(rows(table));
  });

  it('should refuse binary Arrow on a terminal, an unknown --format, and --format without --out', async () => {
    await expect(resolveTableOutput('-', 'arrow')!.write(table, capture(true))).rejects.toThrow(
      '[SILO610] --out - --format arrow writes binary Arrow IPC, and stdout is a terminal. Redirect it (> result.arrows) or pipe it into a reader.',
    );
    expect(() => resolveTableOutput('-', 'xlsx')).toThrow(
      '[SILO610] --format "xlsx" is not an output format. Use one of csv, json, ndjson, arrow, parquet.',
    );
    expect(() => resolveTableOutput('-', 'parquet')).toThrow(
      '[SILO610] --out - --format parquet: a Parquet file is written at its end, not streamed. Give a file: --out result.parquet.',
    );
    expect(() => resolveTableOutput(undefined, 'csv')).toThrow(
      '[SILO610] --format csv needs --out: pass --out FILE, or --out - to write the result to stdout.',
    );
    expect(resolveTableOutput(undefined, undefined)).toBeUndefined();
  });

  it('should let --format name the format of a file whatever its extension', async () => {
    const path = join(dir, 'result.txt');
    await resolveTableOutput(path, 'ndjson')!.write(table, capture());
    expect(readFileSync(path, 'utf8')).toBe('{"id":1,"city":"Lima"}\n{"id":2,"city":null}\n');
    expect(resolveTableOutput(join(dir, 'r.arrows'), 'arrow')!.format).toBe('arrow');
  });
});

describe('formatTable', () => {
  it('should print names, types and aligned rows, and say how many rows it left out', () => {
    const table = readCsv('city,trips\nLima,3\nKyoto,12\nHanoi,\n');
    expect(formatTable(table, 2)).toBe(
      [
        '┌───────┬───────┐',
        '│ city  │ trips │',
        '│ utf8  │ int64 │',
        '├───────┼───────┤',
        '│ Lima  │     3 │',
        '│ Kyoto │    12 │',
        '└───────┴───────┘',
        '3 rows (2 shown)',
      ].join('\n'),
    );
    expect(formatTable(table).split('\n').slice(-3)).toEqual(['│ Hanoi │  NULL │', '└───────┴───────┘', '3 rows']);
  });
});
