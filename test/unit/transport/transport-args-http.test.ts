import { parseTransportArgs, TransportArgumentError } from '../../../src/transport/transport-args';

describe('parseTransportArgs for --http', () => {
  it('should default to 127.0.0.1 and /vgi, and read --host and --prefix in both spellings', () => {
    expect(parseTransportArgs(['--http', '0'])).toEqual({ kind: 'http', port: 0, host: '127.0.0.1', prefix: '/vgi' });
    expect(parseTransportArgs(['--http=8080', '--host=0.0.0.0', '--prefix', '/api/vgi/'])).toEqual({
      kind: 'http',
      port: 8080,
      host: '0.0.0.0',
      prefix: '/api/vgi',
    });
    expect(parseTransportArgs(['--prefix', 'w', '--http', '65535'])).toEqual({
      kind: 'http',
      port: 65535,
      host: '127.0.0.1',
      prefix: '/w',
    });
  });

  it('should mount at the origin root with --prefix /', () => {
    expect(parseTransportArgs(['--http', '80', '--prefix', '/'])).toMatchObject({ prefix: '' });
  });

  it.each([
    [['--http'], /--http needs a value/],
    [['--http', 'eighty'], /--http needs a TCP port from 0 to 65535 \(0 picks a free one\), got "eighty"/],
    [['--http', '65536'], /got "65536"/],
    [['--http', '-1'], /got "-1"/],
    [['--http', '1', '--http', '2'], /--http is given twice/],
    [['--http', '1', '--unix', 'a.sock'], /--http and --unix exclude each other/],
    [['--http', '1', '--stdio'], /--http and --stdio exclude each other/],
    [
      ['--http', '1', '--idle-timeout', '3'],
      /--idle-timeout only applies to --unix: an HTTP worker serves until it is stopped/,
    ],
    [['--host', '0.0.0.0'], /--host only applies to --http; add --http PORT/],
    [['--unix', 'a.sock', '--prefix', '/vgi'], /--prefix only applies to --http/],
    [['--http', '1', '--prefix', '/a b'], /--prefix must be a URL path such as \/vgi/],
    [['--http', '1', '--host', ''], /--host needs an address/],
  ])('should refuse %j with a message saying what to fix', (argv, message) => {
    let error: unknown;
    try {
      parseTransportArgs(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TransportArgumentError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('<worker> --http PORT [--host ADDR] [--prefix PATH]');
  });
});
