import { STDIO_V8_PLAN, untestedV8Flags, workerV8Flags } from '../../../src/transport';

const NODE_20_V8 = '11.3.244.8-node.38';

describe('workerV8Flags', () => {
  it('should give a stdio worker on V8 11.3 a later tier-up for its first second of CPU, and other workers nothing', () => {
    expect(workerV8Flags('stdio', {}, NODE_20_V8)).toEqual({
      flags: ['--interrupt-budget=270336'],
      later: { afterCpuMs: 1000, flags: ['--interrupt-budget=67584'] },
    });
    expect(workerV8Flags('stdio', {}, NODE_20_V8)).toBe(STDIO_V8_PLAN);
    expect(workerV8Flags('unix', {}, NODE_20_V8)).toEqual({ flags: [] });
    expect(workerV8Flags('http', {}, NODE_20_V8)).toEqual({ flags: [] });
  });

  it('should leave V8 alone by default on a V8 the default was not measured on', () => {
    expect(workerV8Flags('stdio', {}, '12.4.254.21-node.33')).toEqual({ flags: [] });
    expect(workerV8Flags('stdio', {}, '11.8.172.17-node.15')).toEqual({ flags: [] });
  });

  it('should take SILO_V8_FLAGS as given on every transport, for good, and an empty one as none', () => {
    const env = { SILO_V8_FLAGS: '  --max-opt=1   --no-lazy-feedback-allocation ' };
    const given = { flags: ['--max-opt=1', '--no-lazy-feedback-allocation'] };
    expect(workerV8Flags('stdio', env, NODE_20_V8)).toEqual(given);
    expect(workerV8Flags('unix', env)).toEqual(given);
    expect(workerV8Flags('stdio', { SILO_V8_FLAGS: '' }, NODE_20_V8)).toEqual({ flags: [] });
    expect(workerV8Flags('stdio', { SILO_V8_FLAGS: '   ' }, NODE_20_V8)).toEqual({ flags: [] });
  });

  it('should refuse what is not a list of flags, naming every bad word and how to fix it', () => {
    expect(() => workerV8Flags('stdio', { SILO_V8_FLAGS: 'interrupt-budget=1 --max-opt=1 -x' })).toThrow(
      '[SILO344] SILO_V8_FLAGS must be V8 flags separated by spaces, each written --name, --no-name or --name=value (node --v8-options lists them); "interrupt-budget=1", "-x" are not. ' +
        "Set it empty for V8's defaults, or unset it for Silo's (--interrupt-budget=270336 on stdio workers for their first second of CPU, nothing on unix-socket and HTTP workers).",
    );
    expect(() => workerV8Flags('http', { SILO_V8_FLAGS: '--=3' })).toThrow('"--=3" is not.');
  });
});

describe('untestedV8Flags', () => {
  it('should name the flags not known to work when set at run time, whatever their spelling', () => {
    expect(
      untestedV8Flags(['--interrupt-budget=1', '--max_opt=2', '--no-max-opt', '--single-threaded-gc', '--no-opt']),
    ).toEqual(['--single-threaded-gc', '--no-opt']);
    expect(untestedV8Flags(STDIO_V8_PLAN.flags)).toEqual([]);
    expect(untestedV8Flags(STDIO_V8_PLAN.later!.flags)).toEqual([]);
  });
});
