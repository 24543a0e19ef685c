import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
      maxBuffer: 64 << 20,
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

describe('silo run --trace and silo storage profile', () => {
  const { dir, env } = sharedStorageEnv('silo-cli-obs-');
  const input = join(dir, 'rows.csv');
  writeFileSync(input, `x,y\n${Array.from({ length: 5000 }, (_, i) => `${i},${i % 13}`).join('\n')}\n`);
  const workerEnv = { ...env, SILO_LOG_LEVEL: 'info', SILO_LOG_FORMAT: 'json' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should print a per-phase timeline of the run from the spans of every worker process', async () => {
    const { code, stderr } = await silo(
      [
        'run',
        ENTRY,
        'buffer_input',
        '--input',
        input,
        '--workers',
        '2',
        '--batch-size',
        '1000',
        '--out',
        join(dir, 'out.csv'),
        '-q',
        '--trace',
      ],
      workerEnv,
    );
    expect([code, stderr.match(/^silo: .*/m)?.[0]]).toEqual([0, undefined]);
    const header = /^trace ([0-9a-f]{32}): (\d+) spans from (\d+) processes over [\d.]+ ms$/m.exec(stderr);
    expect(header).not.toBeNull();
    // 2 sink processes (one of them combines), 1 fresh finalize process.
    expect(Number(header![3])).toBe(3);
    const phaseLine = (phase: string) =>
      new RegExp(`^${phase} +(\\d+) +([\\d,]+) +[\\d.]+ +[\\d.]+ +(\\d+) +(\\d+)$`, 'm').exec(stderr);
    expect(phaseLine('sink_init')?.[1]).toBe('2');
    expect(phaseLine('process')?.slice(1, 2)).toEqual(['5']);
    expect(phaseLine('process')?.[3]).toBe('5000');
    expect(phaseLine('combine')?.[1]).toBe('1');
    expect(phaseLine('finalize_tick')?.[4]).toBe('5000');
    expect(phaseLine('destructor')?.[1]).toBe('1');
  });

  it('should summarise the storage profile the destructor logged', async () => {
    const ran = await silo(
      ['run', ENTRY, 'buffer_input', '--input', input, '--workers', '2', '--out', join(dir, 'out2.csv'), '-v'],
      { ...workerEnv, SILO_STORAGE_PROFILE: '1' },
    );
    expect(ran.code).toBe(0);
    const log = join(dir, 'workers.log');
    writeFileSync(log, ran.stderr);
    const { code, stdout } = await silo(['storage', 'profile', log], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^execution [0-9a-f]{32} \(3 processes\)\noperation +calls +bytes +ms +ms\/call\n/);
    // buffer_input appends every input batch to a log; the finalize stream scans it back.
    expect(stdout).toMatch(/^append +3 +\d+ /m);
    expect(stdout).toMatch(/^logScan +\d+ +\d+ /m);
  });

  it('should say how to get a profile when its input has none', async () => {
    const empty = join(dir, 'empty.log');
    writeFileSync(empty, '{"level":"info","msg":"nothing here"}\n');
    const { code, stderr } = await silo(['storage', 'profile', empty], env);
    expect(code).toBe(2);
    expect(stderr).toContain('SILO_STORAGE_PROFILE=1');
  });
});
