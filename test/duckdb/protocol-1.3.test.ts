/**
 * Protocol 1.3.0 against the real extension source: a DuckDB CLI built with the `vgi`
 * extension at its newest commit (34655e0), kept beside the project as
 * `../shared/duckdb-1.3/duckdb.xz` (see its README). It is an -O0 build, so this checks
 * correctness on a few queries only. Skipped when the file is absent.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CONFORMANCE_ENTRY, hostEnv, REPO, SAMPLES_ENTRY, workerCommand } from '../support/duckdb';
import { sqlString } from '../../src/duckdb';

jest.setTimeout(300_000);

/** `../shared/duckdb-1.3/duckdb.xz` beside the repository, or beside its main checkout when this is a git worktree. */
function findCli(): string | undefined {
  const roots = [REPO];
  const dotGit = join(REPO, '.git');
  if (existsSync(dotGit) && !existsSync(join(dotGit, 'HEAD'))) {
    const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1];
    if (gitdir !== undefined) roots.push(dirname(resolve(gitdir, '..', '..')));
  }
  return roots.map((root) => join(root, '..', 'shared', 'duckdb-1.3', 'duckdb.xz')).find((p) => existsSync(p));
}

const CLI_XZ = findCli();
const describeWithCli = CLI_XZ === undefined ? describe.skip : describe;
if (CLI_XZ === undefined) {
  console.warn(
    'Skipping the protocol 1.3.0 tests: ../shared/duckdb-1.3/duckdb.xz (a DuckDB CLI with the vgi extension at 34655e0) is not beside this repository.',
  );
}

interface CliRun {
  /** One array of rows per statement that printed a result. */
  readonly results: Record<string, unknown>[][];
  readonly stderr: string;
  readonly code: number;
}

/** Splits the CLI's -json output, one JSON array per result, into the arrays. */
function jsonResults(stdout: string): Record<string, unknown>[][] {
  const text = stdout.trim();
  if (text === '') return [];
  return JSON.parse(`[${text.replace(/\]\n\[/g, '],[')}]`) as Record<string, unknown>[][];
}

describeWithCli('Protocol 1.3.0 through the DuckDB CLI built from the newest extension source', () => {
  let dir: string;
  let cli: string;

  /** Runs statements in one CLI process, -json output; the CLI stops at the first error. */
  const runCli = (sql: string): Promise<CliRun> =>
    new Promise((done) => {
      const env = {
        ...hostEnv,
        QUERY_FARM_TELEMETRY_OPT_OUT: '1',
        SILO_STORAGE: 'sqlite',
        SILO_SQLITE_PATH: join(dir, 'storage.db'),
        SILO_SECRET_KEY: randomBytes(32).toString('hex'),
      };
      execFile(cli, ['-json', '-c', sql], { env, cwd: dir, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        done({
          results: jsonResults(stdout),
          stderr,
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
        });
      });
    });

  let run: CliRun;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'silo-duckdb-13-'));
    cli = join(dir, 'duckdb');
    writeFileSync(cli, execFileSync('xz', ['-dc', CLI_XZ!], { maxBuffer: 256 * 1024 * 1024 }));
    chmodSync(cli, 0o755);
    run = await runCli(
      [
        `ATTACH 'example' AS example (TYPE vgi, LOCATION ${sqlString(workerCommand(CONFORMANCE_ENTRY))})`,
        `ATTACH 'samples' AS samples (TYPE vgi, LOCATION ${sqlString(workerCommand(SAMPLES_ENTRY))})`,
        'SELECT count(*) AS n, sum(x)::BIGINT AS s, count(DISTINCT x) AS d FROM example.buffer_input((SELECT range AS x FROM range(5000)))',
        "SELECT city, sum, count FROM samples.per_key_sum((SELECT 'c' || (range % 3) AS city, range::DOUBLE AS fare FROM range(1000)), key := 'city', value := 'fare') ORDER BY city",
        'SELECT x FROM example.batch_index_buffer_input((SELECT range AS x FROM range(5000)))',
        'SELECT * FROM example.exception_finalize((SELECT 1 AS x))',
        'SELECT 1 AS not_reached',
      ].join(';\n'),
    );
  });

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('should attach both workers and pass 5000 rows through buffer_input', () => {
    expect(run.results[0]).toEqual([{ n: 5000, s: 12497500, d: 5000 }]);
  });

  it("should sum per key across per_key_sum's parallel finalize partitions", () => {
    expect(run.results[1]).toEqual([
      { city: 'c0', sum: 166833, count: 334 },
      { city: 'c1', sum: 166167, count: 333 },
      { city: 'c2', sum: 166500, count: 333 },
    ]);
  });

  it('should number range() chunks itself, so batch_index_buffer_input keeps source order (no batch-index failure at 1.3)', () => {
    const xs = run.results[2].map((r) => r.x);
    expect(xs).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it("should fail exception_finalize with the worker's exception and stop the script there", () => {
    expect(run.results).toHaveLength(3);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(
      'Invalid Input Error: VGI Worker Exception: ValueError: Intentional exception during finalize()',
    );
    expect(run.stderr.trimEnd().endsWith(`[worker: ${workerCommand(CONFORMANCE_ENTRY)}]`)).toBe(true);
  });
});
