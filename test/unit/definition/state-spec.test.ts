import { makeData, RecordBatch, Struct, Table, tableToIPC, vectorFromArray } from 'apache-arrow';
import { coerceValue } from '../../../src/metadata';
import { StateSpec, stateFieldSpec } from '../../../src/definition/state-spec';

class Cursor {
  afterId: bigint | null = 0n;
  name: string | null = 'start';
  done = false;
  blob: Uint8Array | null = new Uint8Array([1, 2, 3]);
  score = 0.5;
}

const spec = new StateSpec(Cursor, [
  stateFieldSpec('afterId', 'int64'),
  stateFieldSpec('name', 'utf8'),
  stateFieldSpec('done', 'bool'),
  stateFieldSpec('blob', 'binary'),
  stateFieldSpec('score', 'float64'),
]);

/** What apache-arrow's own stream writer makes of a state. */
function arrowWriterBytes(state: Cursor): Uint8Array {
  const record = state as unknown as Record<string, unknown>;
  const children = spec.fields.map(
    (f) => vectorFromArray([coerceValue(record[f.propertyKey], f.type)], f.arrowType).data[0],
  );
  return tableToIPC(
    new Table(
      new RecordBatch(
        spec.schema,
        makeData({ type: new Struct(spec.schema.fields), length: 1, nullCount: 0, children }),
      ),
    ),
    'stream',
  );
}

describe('StateSpec', () => {
  const states = [
    new Cursor(),
    Object.assign(new Cursor(), { afterId: null, name: null, blob: null, done: true }),
    Object.assign(new Cursor(), { afterId: -7n, name: 'héllo wörld', score: -1e300 }),
  ];

  it.each(states.map((s, i) => [i, s]))(
    "should write state %i as exactly the bytes of apache-arrow's stream writer",
    (_i, state) => {
      expect(Buffer.from(spec.serialize(state as Cursor)).equals(Buffer.from(arrowWriterBytes(state as Cursor)))).toBe(
        true,
      );
    },
  );

  it.each(states.map((s, i) => [i, s]))('should read state %i back field by field', (_i, state) => {
    const back = spec.deserialize(spec.serialize(state as Cursor));
    expect(back).toBeInstanceOf(Cursor);
    expect(spec.equals(back, state as Cursor)).toBe(true);
  });

  it('should refuse bytes that are not a state of this class, saying what was expected', () => {
    const other = new StateSpec(Cursor, [stateFieldSpec('afterId', 'utf8')]);
    expect(() =>
      spec.deserialize(other.serialize(Object.assign(new Cursor(), { afterId: 'x' as unknown as bigint }))),
    ).toThrow(/expected fields \(afterId: Int64/);
    expect(() => spec.deserialize(new Uint8Array([1, 2, 3]))).toThrow(/Cursor/);
  });
});
