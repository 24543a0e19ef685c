import { STDIO_V8_FLAGS, workerV8Flags } from '../../../src/transport';

describe('workerV8Flags', () => {
  it('should give a stdio worker on V8 11 a later tier-up by default, and other workers none', () => {
    expect(workerV8Flags('stdio', {}, '11.3.244.8-node.38')).toEqual(['--interrupt-budget=270336']);
    expect(STDIO_V8_FLAGS).toEqual(['--interrupt-budget=270336']);
    expect(workerV8Flags('unix', {}, '11.3.244.8-node.38')).toEqual([]);
    expect(workerV8Flags('http', {}, '11.3.244.8-node.38')).toEqual([]);
  });

  it('should leave V8 alone by default on a V8 the default was not measured on', () => {
    expect(workerV8Flags('stdio', {}, '12.4.254.21-node.33')).toEqual([]);
  });

  it('should take SILO_V8_FLAGS as given on every transport, and an empty one as none', () => {
    const env = { SILO_V8_FLAGS: '  --max-opt=1   --no-lazy-feedback-allocation ' };
    expect(workerV8Flags('stdio', env, '11.3.244.8-node.38')).toEqual(['--max-opt=1', '--no-lazy-feedback-allocation']);
    expect(workerV8Flags('unix', env)).toEqual(['--max-opt=1', '--no-lazy-feedback-allocation']);
    expect(workerV8Flags('stdio', { SILO_V8_FLAGS: '' }, '11.3.244.8-node.38')).toEqual([]);
    expect(workerV8Flags('stdio', { SILO_V8_FLAGS: '   ' }, '11.3.244.8-node.38')).toEqual([]);
  });

  it('should refuse what is not a list of flags, naming every bad word and how to fix it', () => {
    expect(() => workerV8Flags('stdio', { SILO_V8_FLAGS: 'interrupt-budget=1 --max-opt=1 -x' })).toThrow(
      '[SILO344] SILO_V8_FLAGS must be V8 flags separated by spaces, each written --name, --no-name or --name=value (node --v8-options lists them); "interrupt-budget=1", "-x" are not. ' +
        "Set it empty for V8's defaults, or unset it for Silo's (--interrupt-budget=270336 on stdio workers, none on unix-socket and HTTP workers).",
    );
    expect(() => workerV8Flags('http', { SILO_V8_FLAGS: '--=3' })).toThrow('"--=3" is not.');
  });
});
