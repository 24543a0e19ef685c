import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REGISTER_TS, REPO } from '../client/support';

const run = promisify(execFile);
const CLI = ['-r', REGISTER_TS, join(REPO, 'src', 'cli', 'main.ts')];
const ENTRY = 'samples/conformance/main.ts';

/** A `silo run` leading its own process group, as a shell runs a command in a terminal. */
class SiloRun {
  readonly child: ChildProcess;
  stderr = '';
  private readonly exited: Promise<number | null>;
  private waiters: { pattern: RegExp; resolve: () => void }[] = [];

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [...CLI, ...args], {
      cwd: REPO,
      env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.waiters = this.waiters.filter((w) => (w.pattern.test(this.stderr) ? (w.resolve(), false) : true));
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Resolves once stderr matches `pattern` (the run reached a phase). */
  until(pattern: RegExp): Promise<void> {
    if (pattern.test(this.stderr)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }

  /** Ctrl-C in a terminal: SIGINT to every process of the foreground group. */
  interruptGroup(): void {
    process.kill(-this.child.pid!, 'SIGINT');
  }

  exit(): Promise<number | null> {
    return this.exited;
  }
}

async function childPids(pid: number): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('silo run interrupted', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let input: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'silo-interrupt-'));
    // A home of its own: nothing may land in the real one, whatever default a path takes.
    mkdirSync(join(dir, 'home'));
    env = {
      ...process.env,
      HOME: join(dir, 'home'),
      XDG_STATE_HOME: join(dir, 'home', 'state'),
      SILO_STORAGE: 'sqlite',
      SILO_SQLITE_PATH: join(dir, 'storage.db'),
      SILO_SECRET_KEY: randomBytes(32).toString('hex'),
    };
    input = join(dir, 'in.csv');
    // Enough one-row batches that the run is far from done when the signal comes.
    writeFileSync(input, `x,name\n${Array.from({ length: 4000 }, (_, i) => `${i},n${i}`).join('\n')}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function inspect(): Promise<string> {
    const { stdout } = await run(process.execPath, [...CLI, 'storage', 'inspect'], { cwd: REPO, env, timeout: 60_000 });
    return stdout;
  }

  it('should still reach the destructor when the whole process group gets SIGINT during the sink, leaving no scope with data', async () => {
    const silo = new SiloRun(
      ['run', ENTRY, 'buffer_input', '--input', input, '--batch-size', '1', '--workers', '2'],
      env,
    );
    await silo.until(/silo: sink \d+\/4000 rows/);
    silo.interruptGroup();
    expect(await silo.exit()).toBe(130);
    expect(silo.stderr).toMatch(
      /\nsilo: \[SILO604\] The run was cancelled \(interrupted \(Ctrl-C\)\); live finalize streams were cancelled and the destructor ran on worker pid \d+, ending execution [0-9a-f]{32}\.\n$/,
    );
    const id = /ending execution ([0-9a-f]{32})/.exec(silo.stderr)![1];
    const listing = await inspect();
    expect(listing).toContain(`execution  ${id}  ended (destructor), remembered until `);
    expect(listing.trimEnd().split('\n').pop()).toBe(
      `0 scopes (0 with an expired lease), and 1 ended execution remembered without data in sqlite:${env.SILO_SQLITE_PATH}`,
    );
  }, 120_000);

  it('should still reach the destructor when the group gets SIGINT during finalize streams', async () => {
    const silo = new SiloRun(
      [
        'run',
        ENTRY,
        'slow_cancellable_buffering',
        '--input',
        input,
        '--arg',
        'probe_path=/dev/null',
        '--arg',
        'count=100000',
        '--arg',
        'sleep_ms=5',
      ],
      env,
    );
    await silo.until(/silo: finalize 1 stream\n/);
    silo.interruptGroup();
    expect(await silo.exit()).toBe(130);
    expect(silo.stderr).toMatch(
      /\nsilo: \[SILO604\] The run was cancelled \(interrupted \(Ctrl-C\)\); live finalize streams were cancelled and the destructor ran on worker pid \d+, ending execution [0-9a-f]{32}\.\n$/,
    );
    expect((await inspect()).trimEnd().split('\n').pop()).toMatch(
      /^0 scopes \(0 with an expired lease\), and \d+ ended executions? remembered without data in sqlite:/,
    );
  }, 120_000);

  it('should end the execution itself when every worker is gone, and say so instead of claiming the destructor ran', async () => {
    const silo = new SiloRun(['run', ENTRY, 'buffer_input', '--input', input, '--batch-size', '1'], env);
    await silo.until(/silo: sink \d+\/4000 rows/);
    // The workers die (an OOM killer, a kill -9 of the group's children); then Ctrl-C.
    const workers = await childPids(silo.child.pid!);
    expect(workers.length).toBeGreaterThanOrEqual(2);
    for (const pid of workers) process.kill(pid, 'SIGKILL');
    while (workers.some(isAlive)) await new Promise((resolve) => setTimeout(resolve, 20));
    try {
      silo.interruptGroup();
    } catch {
      // The run may already have failed on its dead workers.
    }
    expect([1, 130]).toContain(await silo.exit());
    expect(silo.stderr).not.toContain('the destructor ran');
    expect(silo.stderr).toMatch(
      /\nsilo: the destructor of execution ([0-9a-f]{32}) could not run \(.+\); silo ended execution \1 in sqlite:\S+ \(it was live\): its data was removed, and workers refuse its calls from now on\.\n/,
    );
    expect((await inspect()).trimEnd().split('\n').pop()).toMatch(
      /^0 scopes \(0 with an expired lease\), and \d+ ended executions? remembered without data in sqlite:/,
    );
  }, 120_000);
});
