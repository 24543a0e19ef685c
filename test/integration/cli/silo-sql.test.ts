/**
 * `silo sql`: SQL in a real DuckDB (from npm) with the vgi extension loaded and a worker
 * entry ATTACHed, run as a child process as a user runs it.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { extensionBinaryPath } from '../../../src/duckdb';
import { REGISTER_TS, REPO, sharedStorageEnv } from '../client/support';

jest.setTimeout(120_000);

const run = promisify(execFile);
const CLI = ['-r', REGISTER_TS, join(REPO, 'src', 'cli', 'main.ts')];
const ENTRY = 'samples/conformance/main.ts';

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function silo(args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], { cwd: REPO, env, timeout: 110_000 });
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

/** `silo sql <entry>` with `script` piped to its stdin. */
function siloPiped(args: string[], script: string, env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(script);
  });
}

describe('silo sql', () => {
  const { dir, env } = sharedStorageEnv('silo-sql-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should attach the entry in a real DuckDB and print the result of the query as a table', async () => {
    const { code, stdout, stderr } = await silo(
      ['sql', ENTRY, 'SELECT x, x * 2 AS twice FROM example.buffer_input((SELECT * FROM range(3) t(x))) ORDER BY x'],
      env,
    );
    expect(stderr).toMatch(
      /^silo sql: DuckDB with the vgi extension, \S+ -r \S+register-ts\.js \S+samples\/conformance\/main\.ts attached as example\n3 row\(s\) in \d+ ms\n$/,
    );
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        '┌───────┬───────┐',
        '│ x     │ twice │',
        '│ int64 │ int64 │',
        '├───────┼───────┤',
        '│     0 │     0 │',
        '│     1 │     2 │',
        '│     2 │     4 │',
        '└───────┴───────┘',
        '3 rows',
        '',
      ].join('\n'),
    );
  });

  it('should write the result with --out, DuckDB reading the CSV input itself', async () => {
    const out = join(dir, 'sums.json');
    const csv = join(dir, 'in.csv');
    writeFileSync(csv, 'id,fare\n1,12.5\n2,8\n3,1.25\n');
    const { code, stderr } = await silo(
      ['sql', ENTRY, `SELECT * FROM example.sum_all_columns((SELECT * FROM read_csv('${csv}')))`, '--out', out, '-q'],
      env,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([{ id: 6, fare: 21.75 }]);
  });

  it('should run piped statements in turn, report a failing one, go on, and exit 1', async () => {
    const script = [
      'SELECT count(*) AS n FROM example.buffer_input((SELECT * FROM range(100) t(x)));',
      'SELECT * FROM example.no_such_function((SELECT 1));',
      'SELECT 41 + 1 AS answer;',
      '',
    ].join('\n');
    const { code, stdout, stderr } = await siloPiped(['sql', ENTRY, '-q'], script, env);
    expect(stdout).toContain('│   100 │');
    expect(stdout).toContain('│     42 │');
    expect(stderr).toMatch(/^Catalog Error: Table Function with name no_such_function does not exist!/);
    expect(code).toBe(1);
  });
});

describe('the extension packages', () => {
  it('should resolve the vgi binary of this platform through the meta package', () => {
    expect(extensionBinaryPath('vgi')).toMatch(
      new RegExp(`@haybarn/ext-vgi-h1-5-3-${process.platform}-${process.arch}/bin/vgi\\.duckdb_extension$`),
    );
  });

  it('should name the npm command that installs a missing extension', () => {
    const empty = mkdtempSync(join(tmpdir(), 'silo-noext-'));
    try {
      expect(() => extensionBinaryPath('vgi', [empty])).toThrow(
        '[SILO350] The DuckDB vgi extension is not installed (npm package @haybarn/ext-vgi-h1-5-3). Install it with: npm install --save-dev @haybarn/ext-vgi-h1-5-3@202606.15.192504',
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
