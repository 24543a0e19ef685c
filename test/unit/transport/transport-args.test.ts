import { parseTransportArgs, TransportArgumentError } from '../../../src/transport/transport-args';

describe('parseTransportArgs', () => {
  it('should serve stdio without arguments or with --stdio', () => {
    expect(parseTransportArgs([])).toEqual({ kind: 'stdio' });
    expect(parseTransportArgs(['--stdio'])).toEqual({ kind: 'stdio' });
  });

  it('should read --unix and --idle-timeout in both spellings, as the launch: contract passes them', () => {
    expect(parseTransportArgs(['--unix', '/tmp/w.sock', '--idle-timeout', '30'])).toEqual({
      kind: 'unix',
      path: '/tmp/w.sock',
      idleTimeoutSeconds: 30,
    });
    expect(parseTransportArgs(['--idle-timeout=2.5', '--unix=rel.sock'])).toEqual({
      kind: 'unix',
      path: 'rel.sock',
      idleTimeoutSeconds: 2.5,
    });
    expect(parseTransportArgs(['--unix', '/tmp/w.sock'])).toEqual({
      kind: 'unix',
      path: '/tmp/w.sock',
      idleTimeoutSeconds: null,
    });
    expect(parseTransportArgs(['--unix', '/tmp/w.sock', '--idle-timeout', '0'])).toEqual({
      kind: 'unix',
      path: '/tmp/w.sock',
      idleTimeoutSeconds: null,
    });
  });

  it.each([
    [['--tcp', '8080'], /Unknown option "--tcp"/],
    [['serve'], /Unexpected argument "serve": the worker takes options only/],
    [['--unix'], /--unix needs a value/],
    [['--unix', '--idle-timeout', '3'], /--unix needs a value/],
    [['--unix', 'a', '--unix', 'b'], /--unix is given twice/],
    [['--unix', 'a', '--idle-timeout', 'soon'], /--idle-timeout must be a number of seconds \(0 or more\), got "soon"/],
    [['--unix', 'a', '--idle-timeout', '-1'], /got "-1"/],
    [['--idle-timeout', '3'], /--idle-timeout only applies to --unix/],
    [['--stdio', '--unix', 'a'], /--stdio and --unix exclude each other/],
  ])('should refuse %j with a message saying what to fix', (argv, message) => {
    const error = (() => {
      try {
        parseTransportArgs(argv);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TransportArgumentError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('Usage: <worker> [--stdio]');
    expect((error as TransportArgumentError).code).toBe('SILO425');
  });
});
