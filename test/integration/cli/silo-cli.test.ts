import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../../src/cli/main';
import { closedPort } from '../../fixtures/http/fake-http-worker';
import { HttpWorkerProcess } from '../../fixtures/http/http-driver';
import { REGISTER_TS, REPO, sharedStorageEnv } from '../client/support';

const run = promisify(execFile);
const CLI = [REGISTER_TS, join(REPO, 'src', 'cli', 'main.ts')];
const ENTRY = 'samples/conformance/main.ts';

/** Runs `silo ...` as a child process from the repository root; never rejects. */
async function silo(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['-r', ...CLI, ...args], {
      cwd: REPO,
      env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const error = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof error.code === 'number' ? error.code : -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    };
  }
}

describe('the silo command', () => {
  const { dir, env } = sharedStorageEnv('silo-cli-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should list the catalog with signatures, flags, arguments and descriptions', async () => {
    const { code, stdout, stderr } = await silo(['list', ENTRY], env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^catalog example — node -r \S+register-ts\.js \S+samples\/conformance\/main\.ts\n\nschema main \(default\): \d+ functions\n/,
    );
    expect(stdout).toContain('  sum_all_columns(data TABLE, logging := bool)\n');
    expect(stdout).toContain('      logging  bool (named) [default false] — Whether to log during processing\n');
    expect(stdout).toContain(
      '  batch_index_buffer_input(data TABLE)\n    buffer_input variant using batch_index to reconstruct order\n    flags: requires_input_batch_index\n',
    );
    expect(stdout).toContain('  buffer_emit_wide(rows int64, data TABLE)\n');
    expect(stdout).toContain('\nschema data: 1 function\n');
  });

  it('should list the catalog at --protocol 1.0.0 with the same functions, and say which protocol it spoke', async () => {
    const [old, auto] = await Promise.all([
      silo(['list', ENTRY, '--protocol', '1.0.0'], env),
      silo(['list', ENTRY], env),
    ]);
    expect([old.code, old.stderr]).toEqual([0, '']);
    expect(old.stdout).toMatch(
      /^catalog example — node -r \S+register-ts\.js \S+samples\/conformance\/main\.ts\n\nschema main \(default\): \d+ functions\n/,
    );
    expect(old.stdout).toContain('  sum_all_columns(data TABLE, logging := bool)\n');
    expect(old.stdout).toContain('\nschema data: 1 function\n');
    expect(old.stdout.endsWith('\n\nprotocol 1.0.0 (generation A)\n')).toBe(true);
    expect(auto.stdout.endsWith('\n\nprotocol 2.0.0 (vgi.v2), the newest this worker accepts\n')).toBe(true);
    // Apart from that last line the two versions describe the catalog alike, but for filter
    // pushdown, which generation A does not get (its filters are encoded in a form the worker does not read).
    const body = (text: string): string => text.slice(0, text.lastIndexOf('\n\nprotocol '));
    expect(body(old.stdout)).toBe(
      body(auto.stdout).replace('flags: projection_pushdown, filter_pushdown\n', 'flags: projection_pushdown\n'),
    );
    expect(auto.stdout).toContain('flags: projection_pushdown, filter_pushdown\n');
  });

  it('should put the protocol in silo list --json', async () => {
    const { code, stdout } = await silo(['list', ENTRY, '--protocol', '1.3.0', '--json'], env);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ protocol: '1.3.0', catalog: 'example', defaultSchema: 'main' });
  });

  it('should run at --protocol 1.3.0 and name the protocol on the line before the summary', async () => {
    const input = join(dir, 'protocol-in.csv');
    writeFileSync(input, 'id,fare\n1,12.5\n2,8\n');
    const { code, stdout, stderr } = await silo(
      ['run', ENTRY, 'sum_all_columns', '--input', input, '--protocol', '1.3.0'],
      env,
    );
    expect(code).toBe(0);
    expect(stdout).toContain('│     3 │    20.5 │\n');
    expect(stderr).toMatch(
      /\nsilo: protocol 1\.3\.0 \(generation A\)\nsilo: example\.main\.sum_all_columns over 2 rows → 1 row in \d+ ms \(.*\)\n$/,
    );
  });

  it('should refuse a --protocol it does not speak with exit 2, listing the versions it does (in-process)', async () => {
    const stderr: string[] = [];
    const write = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
    try {
      await main(['node', 'silo', 'list', ENTRY, '--protocol', '2']);
      expect(process.exitCode).toBe(2);
    } finally {
      write.mockRestore();
      process.exitCode = undefined;
    }
    expect(stderr.join('')).toMatch(
      /^silo: \[SILO603\] "2" is not a protocol version this client speaks\. Give one of auto, 2\.0\.0, vgi\.v2, 1\.3\.0, 1\.0\.0: /,
    );
  });

  it('should run a function on a CSV file with parsed --arg values and write JSON with --out', async () => {
    const input = join(dir, 'in.csv');
    const out = join(dir, 'out.json');
    writeFileSync(input, 'id,city,fare\n1,Lima,12.5\n2,"Kyoto, JP",8\n3,,1.25\n');
    const { code, stdout, stderr } = await silo(
      ['run', ENTRY, 'sum_all_columns', '--input', input, '--arg', 'logging=true', '--out', out, '--batch-size', '2'],
      env,
    );
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([{ id: 6, fare: 21.75 }]);
    // Not a terminal: plain progress lines, then the summary with the pids of each phase.
    expect(stderr).toContain('silo: sink 3 rows in 2 batches\n');
    expect(stderr).toMatch(
      /silo: example\.main\.sum_all_columns over 3 rows → 1 row written to \S+out\.json in \d+ ms \(.*; sink pids \d+, combine \d+, finalize \d+, destructor \d+\)\n$/,
    );
  });

  it('should write the result to stdout with --out - in the --format asked for, the summary on stderr', async () => {
    const input = join(dir, 'in-stdout.csv');
    writeFileSync(input, 'id,fare\n1,12.5\n2,8\n');
    const ndjson = await silo(
      ['run', ENTRY, 'sum_all_columns', '--input', input, '--out', '-', '--format', 'ndjson'],
      env,
    );
    expect(ndjson.code).toBe(0);
    expect(ndjson.stdout).toBe('{"id":3,"fare":20.5}\n');
    expect(ndjson.stderr).toMatch(
      /silo: example\.main\.sum_all_columns over 2 rows → 1 row written to stdout in \d+ ms/,
    );
    const csv = await silo(['run', ENTRY, 'sum_all_columns', '--input', input, '--out', '-', '--quiet'], env);
    expect(csv).toEqual({ code: 0, stdout: 'id,fare\n3,20.5\n', stderr: '' });
  });

  it('should print the package version with --version', async () => {
    const { code, stdout } = await silo(['--version'], env);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version}\n`,
    );
  });

  describe('against HTTP workers', () => {
    const TOKEN = 'tok-cli-41c9';
    let workers: HttpWorkerProcess[];
    let input: string;

    beforeAll(async () => {
      // Workers behind one fleet share the key that seals stream continuations.
      const fleetEnv = { ...env, SILO_AUTH_TOKENS: TOKEN, SILO_SIGNING_KEY: randomBytes(32).toString('hex') };
      workers = await Promise.all([0, 1].map(() => HttpWorkerProcess.start(fleetEnv)));
      input = join(dir, 'http-in.csv');
      writeFileSync(input, 'id,fare\n1,12.5\n2,8\n3,1.25\n4,3\n');
    }, 30_000);
    afterAll(async () => {
      await Promise.all((workers ?? []).map((w) => w.stop()));
    });

    it('should run with a URL entry and --url, spreading the requests over both, with the token from SILO_AUTH_TOKEN', async () => {
      const out = join(dir, 'http-out.json');
      const [a, b] = workers.map((w) => w.url);
      const { code, stdout, stderr } = await silo(
        ['run', a, 'sum_all_columns', '--url', b, '--input', input, '--batch-size', '1', '--out', out],
        { ...env, SILO_AUTH_TOKEN: TOKEN },
      );
      expect(stderr).toMatch(
        new RegExp(
          `silo: example\\.main\\.sum_all_columns over 4 rows → 1 row written to \\S+http-out\\.json in \\d+ ms \\((\\d+) HTTP requests: (\\d+) to ${a}, (\\d+) to ${b}\\)\n$`,
        ),
      );
      expect(code).toBe(0);
      expect(stdout).toBe('');
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([{ id: 10, fare: 24.75 }]);
      const [, total, toA, toB] = /\((\d+) HTTP requests: (\d+) to \S+, (\d+) to \S+\)/.exec(stderr)!.map(Number);
      expect([toA + toB, Math.abs(toA - toB) <= 1]).toEqual([total, true]);
    });

    it('should run past a dead URL in the list, and say in the summary how often it refused', async () => {
      const dead = `http://127.0.0.1:${await closedPort()}/vgi`;
      const { code, stdout, stderr } = await silo(
        [
          'run',
          '--url',
          dead,
          '--url',
          workers[0].url,
          'sum_all_columns',
          '--input',
          input,
          '--auth-token',
          TOKEN,
          '--connect-timeout',
          '2',
        ],
        env,
      );
      expect(code).toBe(0);
      expect(stdout).toContain('│    10 │   24.75 │\n');
      const summary = new RegExp(
        `in (\\d+) ms \\((\\d+) HTTP requests: \\2 to ${workers[0].url}; ${dead} refused (\\d+) connections?\\)\n$`,
      ).exec(stderr);
      expect(summary).not.toBeNull();
      // Tried, then left to rest 1 s, 2 s, ...: a handful of tries however many requests.
      const [ms, requests, refusals] = summary!.slice(1).map(Number);
      expect(refusals).toBeGreaterThanOrEqual(1);
      expect(refusals).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(ms / 1000 + 1)));
      expect(refusals).toBeLessThan(requests);
    });

    it('should take the function as the only argument when --url names the workers, and --auth-token', async () => {
      const { code, stdout, stderr } = await silo(
        ['run', '--url', workers[0].url, 'sum_all_columns', '--input', input, '--auth-token', TOKEN, '--quiet'],
        env,
      );
      expect([code, stderr]).toEqual([0, '']);
      expect(stdout).toContain('│ id    │ fare    │\n');
      expect(stdout).toContain('│    10 │   24.75 │\n');
    });

    it('should fail with exit 1 and say to pass the bearer token when the workers want one', async () => {
      const { code, stderr } = await silo(['run', workers[1].url, 'sum_all_columns', '--input', input, '--quiet'], env);
      expect(code).toBe(1);
      expect(stderr).toMatch(
        new RegExp(
          `^silo: \\[SILO607\\] The HTTP worker at ${workers[1].url} answered catalog_catalogs \\(POST \\S+\\) with HTTP 401 Unauthorized: .*\nThe worker requires a bearer token: .*silo run --auth-token TOKEN, or the SILO_AUTH_TOKEN environment variable\\)\\.\n$`,
        ),
      );
    });

    it('should list the catalog of an HTTP worker given by its URL', async () => {
      const { code, stdout } = await silo(['list', workers[0].url, '--auth-token', TOKEN], env);
      expect(code).toBe(0);
      expect(stdout).toMatch(
        new RegExp(`^catalog example — ${workers[0].url}\n\nschema main \\(default\\): \\d+ functions\n`),
      );
      expect(stdout).toContain('  sum_all_columns(data TABLE, logging := bool)\n');
    });
  });

  it.each<[string[], RegExp]>([
    [
      ['run', ENTRY, 'sum_all_columns', '--url', 'http://127.0.0.1:1/vgi'],
      /^silo: \[SILO610\] Both a worker entry \("samples\/conformance\/main\.ts"\) and --url are given\. Give either the entry/,
    ],
    [
      ['run', ENTRY, 'sum_all_columns', '--auth-token', 't'],
      /^silo: \[SILO610\] --auth-token is sent to HTTP workers, but "samples\/conformance\/main\.ts" starts worker processes, which take no token\./,
    ],
    [
      ['run', 'sum_all_columns'],
      /^silo: \[SILO610\] silo run needs <entry> <function>: a worker entry \(or HTTP worker URL\) and the function to run; with --url URL the entry may be omitted\.\n$/,
    ],
    [
      ['run', '--url', 'localhost:8080', 'f'],
      /^silo: \[SILO603\] "localhost:8080" is not an HTTP worker URL: it does not start with http:\/\/ or https:\/\/\./,
    ],
    [
      ['run', ENTRY, 'sum_all_columns', '--request-timeout', '5', '--gzip'],
      /^silo: \[SILO610\] --request-timeout and --gzip apply to HTTP workers, but "samples\/conformance\/main\.ts" starts worker processes\. Give the workers' URLs \(as the entry or with --url\), or drop --request-timeout and --gzip\.\n$/,
    ],
    [
      ['run', '--url', 'http://127.0.0.1:1/vgi', 'f', '--connect-timeout', 'soon'],
      /^silo: \[SILO610\] --connect-timeout must be a number of seconds greater than 0 \(e\.g\. 30 or 0\.5\), got "soon"\.\n$/,
    ],
  ])('should refuse workers given as %j with exit 2 (in-process)', async (argv, message) => {
    const input = join(dir, 'refused.csv');
    writeFileSync(input, 'x\n1\n');
    const stderr: string[] = [];
    const write = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
    try {
      await main(['node', 'silo', ...argv, '--input', input, '--quiet']);
      expect(process.exitCode).toBe(2);
    } finally {
      write.mockRestore();
      process.exitCode = undefined;
    }
    expect(stderr.join('')).toMatch(message);
  });

  it('should name the known functions when the function is unknown, and exit with 2 (in-process)', async () => {
    const input = join(dir, 'one.csv');
    writeFileSync(input, 'x\n1\n');
    const stderr: string[] = [];
    const write = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      await main(['node', 'silo', 'run', join(REPO, ENTRY), 'no_such_fn', '--input', input, '--quiet']);
      expect(process.exitCode).toBe(2);
    } finally {
      write.mockRestore();
      process.env = saved;
      process.exitCode = undefined;
    }
    expect(stderr.join('')).toMatch(
      /^silo: \[SILO603\] Catalog "example" has no function "no_such_fn"\. Known functions: accumulate, batch_index_buffer_input, buffer_emit_wide, buffer_input, .*, sum_all_columns, .*\.\n$/,
    );
  });
});
