import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../../src/cli/main';
import { REGISTER_TS, REPO, sharedStorageEnv } from '../client/support';

const run = promisify(execFile);
const CLI = [REGISTER_TS, join(REPO, 'src', 'cli', 'main.ts')];
const ENTRY = 'samples/conformance/main.ts';

/** Runs `silo ...` as a child process from the repository root; never rejects. */
async function silo(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['-r', ...CLI, ...args], { cwd: REPO, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const error = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof error.code === 'number' ? error.code : -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
  }
}

describe('the silo command', () => {
  const { dir, env } = sharedStorageEnv('silo-cli-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should list the catalog with signatures, flags, arguments and descriptions', async () => {
    const { code, stdout, stderr } = await silo(['list', ENTRY], env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^catalog example — node -r \S+register-ts\.js \S+samples\/conformance\/main\.ts\n\nschema main \(default\): \d+ functions\n/);
    expect(stdout).toContain('  sum_all_columns(data TABLE, logging := bool)\n');
    expect(stdout).toContain('      logging  bool (named) [default false] — Whether to log during processing\n');
    expect(stdout).toContain('  batch_index_buffer_input(data TABLE)\n    buffer_input variant using batch_index to reconstruct order\n    flags: requires_input_batch_index\n');
    expect(stdout).toContain('  buffer_emit_wide(rows int64, data TABLE)\n');
    expect(stdout).toContain('\nschema data: 1 function\n');
  });

  it('should run a function on a CSV file with parsed --arg values and write JSON with --out', async () => {
    const input = join(dir, 'in.csv');
    const out = join(dir, 'out.json');
    writeFileSync(input, 'id,city,fare\n1,Lima,12.5\n2,"Kyoto, JP",8\n3,,1.25\n');
    const { code, stdout, stderr } = await silo(['run', ENTRY, 'sum_all_columns', '--input', input, '--arg', 'logging=true', '--out', out, '--batch-size', '2'], env);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([{ id: 6, fare: 21.75 }]);
    // Not a terminal: plain progress lines, then the summary with the pids of each phase.
    expect(stderr).toContain('silo: sink 3 rows in 2 batches\n');
    expect(stderr).toMatch(/silo: example\.main\.sum_all_columns over 3 rows → 1 row written to \S+out\.json in \d+ ms \(.*; sink pids \d+, combine \d+, finalize \d+, destructor \d+\)\n$/);
  });

  it('should name the known functions when the function is unknown, and exit with 2 (in-process)', async () => {
    const input = join(dir, 'one.csv');
    writeFileSync(input, 'x\n1\n');
    const stderr: string[] = [];
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
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
    expect(stderr.join('')).toMatch(/^silo: \[SILO603\] Catalog "example" has no function "no_such_fn"\. Known functions: accumulate, batch_index_buffer_input, buffer_emit_wide, buffer_input, .*, sum_all_columns, .*\.\n$/);
  });
});
