import { Int64 } from 'apache-arrow';
import { parseArgAssignments, parseArgValue } from '../../../src/cli/arg-values';
import { wire } from '../../../src/arrow';
import { topKLike } from './support';

const SIGNATURE =
  'Signature: top_k(k int64, data TABLE, anything := any, by := utf8, ratio := float64, small := int32, tag := binary, verbose := bool).';

describe('parseArgAssignments', () => {
  const fn = topKLike();

  it('should parse each value by the type the function declares', () => {
    expect(parseArgAssignments(['k=5', 'by=fare', 'ratio=0.25', 'verbose=yes', 'small=-3', 'tag=0x00ff'], fn)).toEqual({
      k: 5n,
      by: 'fare',
      ratio: 0.25,
      verbose: true,
      small: -3,
      tag: Uint8Array.of(0, 255),
    });
  });

  it('should keep "=" inside a value and read an any-typed value as its most specific type', () => {
    expect(parseArgAssignments(['by=a=b', 'anything=42'], fn)).toEqual({ by: 'a=b', anything: 42n });
    expect(parseArgAssignments(['anything=4.5'], fn)).toEqual({ anything: 4.5 });
    expect(parseArgAssignments(['anything=false'], fn)).toEqual({ anything: false });
    expect(parseArgAssignments(['anything=fare'], fn)).toEqual({ anything: 'fare' });
  });

  it('should refuse an assignment without a name', () => {
    expect(() => parseArgAssignments(['k'], fn)).toThrow(
      '[SILO610] --arg "k" is not name=value. Write it as --arg k=5.',
    );
    expect(() => parseArgAssignments(['=5'], fn)).toThrow(
      '[SILO610] --arg "=5" is not name=value. Write it as --arg k=5.',
    );
  });

  it('should refuse an unknown argument and the TABLE input, listing the arguments and the signature', () => {
    expect(() => parseArgAssignments(['limit=3'], fn)).toThrow(
      `[SILO610] --arg limit: "limit" is not a parameter of top_k; its arguments are k, anything, by, ratio, small, tag, verbose. ${SIGNATURE}`,
    );
    expect(() => parseArgAssignments(['data=x'], fn)).toThrow(
      `[SILO610] --arg data: "data" is the TABLE input of top_k; its arguments are k, anything, by, ratio, small, tag, verbose. ${SIGNATURE}`,
    );
  });

  it('should refuse an argument given twice', () => {
    expect(() => parseArgAssignments(['k=1', 'k=2'], fn)).toThrow(
      '[SILO610] --arg k is given twice. Give each argument once.',
    );
  });

  it('should refuse values that do not fit their type, naming the type', () => {
    expect(() => parseArgAssignments(['k=five'], fn)).toThrow(
      '[SILO610] --arg k=five: k is int64; "five" is not an integer.',
    );
    expect(() => parseArgAssignments(['k=1.5'], fn)).toThrow(
      '[SILO610] --arg k=1.5: k is int64; "1.5" is not an integer.',
    );
    expect(() => parseArgAssignments(['k=9223372036854775808'], fn)).toThrow(
      '[SILO610] --arg k=9223372036854775808: k is int64; "9223372036854775808" is not within int64\'s range [-9223372036854775808, 9223372036854775807].',
    );
    expect(() => parseArgAssignments(['small=3000000000'], fn)).toThrow(
      '[SILO610] --arg small=3000000000: small is int32; "3000000000" is not within int32\'s range [-2147483648, 2147483647].',
    );
    expect(() => parseArgAssignments(['ratio=lots'], fn)).toThrow(
      '[SILO610] --arg ratio=lots: ratio is float64; "lots" is not a number.',
    );
    expect(() => parseArgAssignments(['verbose=maybe'], fn)).toThrow(
      '[SILO610] --arg verbose=maybe: verbose is bool; "maybe" is not a boolean (true or false).',
    );
  });
});

describe('parseArgValue', () => {
  it('should read int64 as bigint, with surrounding spaces ignored', () => {
    expect(parseArgValue(' 10 ', new Int64(), 'k')).toBe(10n);
  });

  it('should refuse types that cannot be written on a command line', () => {
    expect(() => parseArgValue('1', wire.list(wire.int64()), 'ids')).toThrow(
      '[SILO610] --arg ids: parameters of type list<int64> cannot be given on the command line; call runFunction() from code to pass one.',
    );
  });
});
