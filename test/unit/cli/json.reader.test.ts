import { readJson } from '../../../src/cli/json.reader';

const describeTable = (text: string) => {
  const table = readJson(text);
  return {
    types: table.schema.fields.map((f) => [f.name, String(f.type)]),
    rows: table.toArray().map((r) => ({ ...r!.toJSON() })),
  };
};

describe('readJson', () => {
  it('should read an array of objects with int64, float64, bool and utf8 columns', () => {
    expect(
      describeTable('[{"id":1,"fare":12.5,"paid":true,"city":"Lima"},{"id":2,"fare":8,"paid":false,"city":"Kyoto"}]'),
    ).toEqual({
      types: [
        ['id', 'Int64'],
        ['fare', 'Float64'],
        ['paid', 'Bool'],
        ['city', 'Utf8'],
      ],
      rows: [
        { id: 1n, fare: 12.5, paid: true, city: 'Lima' },
        { id: 2n, fare: 8, paid: false, city: 'Kyoto' },
      ],
    });
  });

  it('should read NDJSON, with columns in order of first appearance and missing keys as NULL', () => {
    expect(describeTable('{"a":1}\n\n{"b":"x","a":null}\n')).toEqual({
      types: [
        ['a', 'Int64'],
        ['b', 'Utf8'],
      ],
      rows: [
        { a: 1n, b: null },
        { a: null, b: 'x' },
      ],
    });
  });

  it('should refuse what it cannot represent, saying where and how to fix it', () => {
    expect(() => readJson('', 't.json')).toThrow(
      '[SILO610] t.json is empty. Give an array of objects, or one object per line (NDJSON).',
    );
    expect(() => readJson('[1]', 't.json')).toThrow(
      '[SILO610] t.json: row 1 is a number, not an object. Give one object per row, e.g. {"city": "Lima", "fare": 12.5}.',
    );
    expect(() => readJson('{"a":1}\n{"a":', 't.json')).toThrow(
      /^\[SILO610\] t\.json: line 2 is not valid JSON \(.+\)\. NDJSON needs one complete object per line\.$/,
    );
    expect(() => readJson('[{"a":1},{"a":"x"}]', 't.json')).toThrow(
      '[SILO610] t.json: column "a" mixes number values (first in row 1) and string values (first in row 2). Give each column one type.',
    );
    expect(() => readJson('[{"a":{"b":1}}]', 't.json')).toThrow(
      '[SILO610] t.json: column "a" holds an object in row 1; only strings, numbers and booleans are supported. Flatten it into scalar columns.',
    );
    expect(() => readJson('[{}]', 't.json')).toThrow('[SILO610] t.json has no columns: every row is an empty object.');
  });
});
