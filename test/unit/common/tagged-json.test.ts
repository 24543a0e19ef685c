import { fromTaggedJson, toTaggedJson } from '../../../src/common/tagged-json';

describe('Tagged JSON (persisted argument, setting and secret values)', () => {
  it('should round-trip the values Arrow produces: bigint, bytes, dates, typed arrays, maps, nesting', () => {
    const value = {
      big: -(2n ** 63n),
      bytes: new Uint8Array([0, 255, 7]),
      when: new Date('2026-01-02T03:04:05.678Z'),
      interval: Int32Array.of(1, 2, -1, 0x7fffffff),
      wide: BigInt64Array.of(1n, -2n),
      map: new Map([['k', 1n]]),
      nested: [{ a: null, b: 'text', c: 1.5, d: true }],
    };
    const back = fromTaggedJson(toTaggedJson(value)) as typeof value;
    expect(back).toEqual(value);
    expect(back.interval).toBeInstanceOf(Int32Array);
    expect(back.wide).toBeInstanceOf(BigInt64Array);
  });
});

describe('Tagged JSON escaping', () => {
  it('should keep plain objects whose keys are spelled like tags, and numbers JSON cannot spell', () => {
    const value = {
      $bigint: '1',
      $map: [],
      nested: { $object: { $bytes: 'x' } },
      n: [Number.NaN, -0, Number.NEGATIVE_INFINITY],
    };
    const back = fromTaggedJson(toTaggedJson(value)) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.n[1], -0)).toBe(true);
  });
});
