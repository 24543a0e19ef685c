import { tableFromArrays } from 'apache-arrow';
import { HttpFleet, normalizeWorkerUrl, RunConfigurationError, runFunction } from '../../../../src/client';

const input = tableFromArrays({ x: Int32Array.of(1) });

describe('runFunction workers: a command or HTTP urls', () => {
  it.each([
    [
      { command: ['node', 'w.js'], urls: ['http://127.0.0.1:1/vgi'] },
      '[SILO603] Both command and urls are given. Give exactly one: command to start worker processes, or urls to use HTTP workers that are already serving.',
    ],
    [
      {},
      '[SILO603] Neither command nor urls is given. Give command (e.g. [process.execPath, "dist/worker.js"]) to start worker processes, or urls (e.g. ["http://127.0.0.1:8080/vgi"]) to use HTTP workers.',
    ],
    [
      { urls: ['http://127.0.0.1:1/vgi'], env: {}, cwd: '/tmp' },
      '[SILO603] env and cwd configure worker processes this run starts, but urls names HTTP workers that already run: set their environment where they are served (silo serve <entry> --http PORT), and remove env and cwd.',
    ],
    [
      { command: ['node', 'w.js'], authToken: 't' },
      '[SILO603] authToken is sent to HTTP workers, but command starts worker processes, which take no bearer token. Remove authToken, or give urls instead of command.',
    ],
    [
      { command: ['node', 'w.js'], requestTimeoutMs: 5 },
      '[SILO603] requestTimeoutMs applies to HTTP requests, but command starts worker processes. Remove requestTimeoutMs, or give urls instead of command.',
    ],
    [
      { urls: ['http://127.0.0.1:1/vgi'], connectTimeoutMs: 0 },
      '[SILO603] connectTimeoutMs must be a positive number of milliseconds, got 0.',
    ],
    [
      { command: ['node', 'w.js'], sinkConnections: 2, sinkWorkers: 3 },
      '[SILO603] sinkConnections (2) and sinkWorkers (3) disagree; sinkWorkers is the old name of sinkConnections: give only sinkConnections.',
    ],
    [
      { command: ['node', 'w.js'], batchSize: 4096 },
      "[SILO603] batchSize must be an integer from 1 to 2048 (DuckDB's vector size), got 4096.",
    ],
    [
      { command: ['node', 'w.js'], sinkWorkers: 0 },
      '[SILO603] sinkConnections must be an integer of at least 1, got 0.',
    ],
    [
      { urls: [] },
      '[SILO603] No HTTP worker URL was given. Give at least one base URL, as `silo serve <entry> --http PORT` prints it (e.g. http://127.0.0.1:8080/vgi).',
    ],
  ])('should refuse %j before starting anything', async (workers, message) => {
    const error = await runFunction({ ...workers, function: 'f', input }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunConfigurationError);
    expect((error as Error).message).toBe(message);
  });
});

describe('normalizeWorkerUrl', () => {
  it('should drop trailing slashes and keep scheme, host, port and prefix', () => {
    expect(normalizeWorkerUrl(' http://127.0.0.1:8080/vgi/ ')).toBe('http://127.0.0.1:8080/vgi');
    expect(normalizeWorkerUrl('https://workers.example.com')).toBe('https://workers.example.com');
    expect(normalizeWorkerUrl('http://[::1]:9000/a/b//')).toBe('http://[::1]:9000/a/b');
  });

  it('should refuse what is not a worker base URL, saying what one looks like', () => {
    const how =
      'Give the base URL the worker printed when it started (`silo serve <entry> --http PORT` prints HTTP:<url>), e.g. http://127.0.0.1:8080/vgi.';
    expect(() => normalizeWorkerUrl('127.0.0.1:8080')).toThrow(
      `[SILO603] "127.0.0.1:8080" is not an HTTP worker URL: it does not start with http:// or https://. ${how}`,
    );
    expect(() => normalizeWorkerUrl('localhost:8080/vgi')).toThrow(
      /"localhost:8080\/vgi" is not an HTTP worker URL: it does not start with http:\/\/ or https:\/\//,
    );
    expect(() => normalizeWorkerUrl('http://exa mple:80/vgi')).toThrow(
      /^\[SILO603\] "http:\/\/exa mple:80\/vgi" is not a valid URL \(Invalid URL\)\./,
    );
    expect(() => normalizeWorkerUrl('unix:///tmp/w.sock')).toThrow(/its scheme is unix, not http or https/);
    expect(() => normalizeWorkerUrl('http://w:8080/vgi?x=1')).toThrow(/has a query or fragment/);
    expect(() => normalizeWorkerUrl('http://me:pw@w:8080/vgi')).toThrow(
      '[SILO603] "w:8080" is given with credentials in the URL; workers authenticate with a bearer token instead: pass it as authToken (silo run --auth-token TOKEN).',
    );
  });

  it('should refuse a bearer token with whitespace', () => {
    expect(() => new HttpFleet(['http://w:8080/vgi'], { authToken: 'two words' })).toThrow(
      /The bearer token is empty or contains whitespace/,
    );
  });
});
