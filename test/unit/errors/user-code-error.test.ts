import { runInNewContext } from 'node:vm';
import { SiloError, UserCodeError } from '../../../src';

describe('UserCodeError.wrap', () => {
  it('should keep the type, message and stack of an error thrown by user code', () => {
    class ValueError extends Error {
      override name = 'ValueError';
    }
    const wrapped = UserCodeError.wrap('F#process', new ValueError('bad value')) as UserCodeError;
    expect([wrapped.code, wrapped.exceptionType, wrapped.exceptionMessage]).toEqual([
      'SILO501',
      'ValueError',
      'bad value',
    ]);
    expect(wrapped.traceback).toContain('ValueError: bad value');
  });

  it('should keep the type of an error from another realm', () => {
    const foreign: unknown = runInNewContext('new RangeError("out of range")');
    expect(foreign instanceof Error).toBe(false);
    const wrapped = UserCodeError.wrap('F#finalize', foreign) as UserCodeError;
    expect([wrapped.exceptionType, wrapped.exceptionMessage]).toEqual(['RangeError', 'out of range']);
  });

  it('should pass Silo errors through and describe thrown non-errors', () => {
    const silo = new SiloError('SILO504', 'bad output');
    expect(UserCodeError.wrap('F#finalize', silo)).toBe(silo);
    const wrapped = UserCodeError.wrap('F#combine', 42) as UserCodeError;
    expect([wrapped.exceptionType, wrapped.exceptionMessage, wrapped.message]).toEqual([
      'Error',
      '42',
      '[SILO501] F#combine threw Error: 42',
    ]);
  });
});
