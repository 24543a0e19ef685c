import { bindArgumentsByName } from '../../../../src/client';
import { topKLike } from '../../cli/support';

const SIGNATURE =
  'Signature: top_k(k int64, data TABLE, anything := any, by := utf8, ratio := float64, small := int32, tag := binary, verbose := bool).';

describe('bindArgumentsByName', () => {
  const fn = topKLike();

  it('should lay positional arguments out in declaration order and send only the named ones given, typed as declared', () => {
    const args = bindArgumentsByName(fn, { by: 'fare', k: 5 });
    expect(args.positional).toEqual([5n]);
    expect(args.named).toEqual({ by: 'fare' });
    expect(args.types.positional.map(String)).toEqual(['Int64']);
    expect(Object.fromEntries(Object.entries(args.types.named).map(([k, t]) => [k, String(t)]))).toEqual({
      by: 'Utf8',
    });
  });

  it('should convert values to their declared representation and type any-typed values by their value', () => {
    const args = bindArgumentsByName(fn, { k: 2n, ratio: 3n, small: 7n, anything: 'x' });
    expect(args.named).toEqual({ ratio: 3, small: 7, anything: 'x' });
    expect(String(args.types.named.anything)).toBe('Utf8');
  });

  it('should refuse unknown arguments, a value for the TABLE input, a missing positional and a value of the wrong type', () => {
    expect(() => bindArgumentsByName(fn, { k: 1n, limit: 3 })).toThrow(
      `[SILO603] top_k(): unknown argument "limit"; it accepts k, anything, by, ratio, small, tag, verbose. ${SIGNATURE}`,
    );
    expect(() => bindArgumentsByName(fn, { k: 1n, data: [] })).toThrow(
      `[SILO603] top_k(): "data" is the TABLE input; pass the rows as the run's input, not as an argument. ${SIGNATURE}`,
    );
    expect(() => bindArgumentsByName(fn, { by: 'fare' })).toThrow(
      `[SILO603] top_k(): missing positional argument "k" (int64). ${SIGNATURE}`,
    );
    expect(() => bindArgumentsByName(fn, { k: 1.5 })).toThrow(
      `[SILO603] top_k(): argument "k" must be int64, got 1.5 (number). ${SIGNATURE}`,
    );
    expect(() => bindArgumentsByName(fn, { k: 1n, by: 3 })).toThrow(
      `[SILO603] top_k(): argument "by" must be utf8, got 3 (number). ${SIGNATURE}`,
    );
  });
});
