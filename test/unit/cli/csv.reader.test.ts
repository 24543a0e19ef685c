import { readCsv, parseCsvRecords } from '../../../src/cli/csv.reader';

const types = (csv: string) => readCsv(csv).schema.fields.map((f) => [f.name, String(f.type), f.nullable]);
const rows = (csv: string) =>
  readCsv(csv)
    .toArray()
    .map((r) => ({ ...r!.toJSON() }));

describe('readCsv', () => {
  it('should infer int64, float64, bool and utf8 columns, every one nullable', () => {
    expect(types('id,fare,paid,city\n1,12.5,true,Lima\n2,8,false,Kyoto\n')).toEqual([
      ['id', 'Int64', true],
      ['fare', 'Float64', true],
      ['paid', 'Bool', true],
      ['city', 'Utf8', true],
    ]);
    expect(rows('id,fare,paid,city\n1,12.5,true,Lima\n-2,8,FALSE,Kyoto\n')).toEqual([
      { id: 1n, fare: 12.5, paid: true, city: 'Lima' },
      { id: -2n, fare: 8, paid: false, city: 'Kyoto' },
    ]);
  });

  it('should read quoted fields with commas, doubled quotes and line breaks, and CRLF line ends', () => {
    expect(rows('name,note\r\n"Kyoto, JP","say ""hi"""\r\n"two\nlines",x\r\n')).toEqual([
      { name: 'Kyoto, JP', note: 'say "hi"' },
      { name: 'two\nlines', note: 'x' },
    ]);
  });

  it('should read an empty unquoted field as NULL and "" as an empty string', () => {
    expect(rows('a,b,c\n1,,""\n,2.5,x\n')).toEqual([
      { a: 1n, b: null, c: '' },
      { a: null, b: 2.5, c: 'x' },
    ]);
  });

  it('should fall back to float64 for integers beyond int64 and to utf8 for mixed values', () => {
    expect(types('big,mixed\n9223372036854775808,1\n1,a\n')).toEqual([
      ['big', 'Float64', true],
      ['mixed', 'Utf8', true],
    ]);
  });

  it('should ignore a byte-order mark, blank lines and a missing final newline', () => {
    expect(rows('\uFEFFx,y\n1,2\n\n3,4')).toEqual([
      { x: 1n, y: 2n },
      { x: 3n, y: 4n },
    ]);
  });

  it('should keep a header-only file as zero rows of utf8 columns', () => {
    const table = readCsv('a,b\n');
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(['Utf8', 'Utf8']);
  });

  it('should refuse malformed input with the line and the fix', () => {
    expect(() => readCsv('', 'input file "t.csv"')).toThrow(
      '[SILO610] input file "t.csv" is empty. Give a header row with the column names, then one line per row.',
    );
    expect(() => readCsv('a,b\n1,2,3\n', 't.csv')).toThrow(
      '[SILO610] t.csv: data row 1 has 3 field(s), but the header has 2 (a, b). Quote fields that contain commas.',
    );
    expect(() => readCsv('a,a\n1,2\n', 't.csv')).toThrow(
      '[SILO610] t.csv: the header names column "a" twice. Give every column a unique name.',
    );
    expect(() => readCsv('a,\n1,2\n', 't.csv')).toThrow(
      '[SILO610] t.csv: column 2 of the header row has no name. Name every column.',
    );
    expect(() => parseCsvRecords('a\n"open\n', 't.csv')).toThrow(
      '[SILO610] t.csv: the quoted field starting on line 2 is never closed. Close it with a double quote (write "" for a quote inside a field).',
    );
    expect(() => parseCsvRecords('a\nx"y\n', 't.csv')).toThrow(
      '[SILO610] t.csv: line 2 has a quote inside an unquoted field. Quote the field and double the quote ("a ""b"" c").',
    );
    expect(() => parseCsvRecords('a\n"x"y\n', 't.csv')).toThrow(
      '[SILO610] t.csv: line 2 has text after a closing quote. Quote the whole field, and double any quote inside it.',
    );
  });
});
