/**
 * `silo run` with streamed input and output through real worker processes: Parquet in and
 * out through the embedded DuckDB (read back by DuckDB), Arrow IPC and JSON written batch
 * by batch to a file and to stdout, an input larger than the type sample, and the coded
 * error naming the npm command when DuckDB is not installed.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import { EmbeddedDuckDb } from '../../../src/duckdb';
import { REGISTER_TS, REPO, sharedStorageEnv } from '../client/support';

const run = promisify(execFile);
const CLI = [REGISTER_TS, join(REPO, 'src', 'cli', 'main.ts')];
const ENTRY = 'samples/conformance/main.ts';

async function silo(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = (await run(process.execPath, ['-r', ...CLI, ...args], {
      cwd: REPO,
      env,
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'buffer',
    } as never)) as unknown as { stdout: Buffer; stderr: Buffer };
    return { code: 0, stdout: stdout.toString('latin1'), stderr: stderr.toString() };
  } catch (e) {
    const error = e as { code?: number; stdout?: Buffer; stderr?: Buffer };
    return {
      code: typeof error.code === 'number' ? error.code : -1,
      stdout: error.stdout?.toString('latin1') ?? '',
      stderr: error.stderr?.toString() ?? '',
    };
  }
}

/** Rows of a query through a plain DuckDB (no worker), as JSON text per row. */
async function duckRows(sql: string): Promise<string[]> {
  const db = await EmbeddedDuckDb.open();
  try {
    const { rows } = await db.query(sql);
    return rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  } finally {
    db.close();
  }
}

describe('silo run streaming', () => {
  const { dir, env } = sharedStorageEnv('silo-stream-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should read Parquet in DuckDB chunks and write Parquet through DuckDB, the rows and types intact', async () => {
    const input = join(dir, 'in.parquet');
    const out = join(dir, 'out.parquet');
    const db = await EmbeddedDuckDb.open();
    await db.run(
      `COPY (SELECT range::BIGINT AS k, range * 0.5 AS v, CASE WHEN range % 5 = 0 THEN NULL ELSE 'row ' || range END AS s, range % 2 = 0 AS b, range::INTEGER AS i, ` +
        `(DATE '2024-01-01' + range::INTEGER) AS d, (range / 4)::DECIMAL(10, 2) AS m FROM range(5000)) TO '${input}' (FORMAT parquet)`,
    );
    db.close();
    const { code, stderr } = await silo(
      ['run', ENTRY, 'buffer_input', '--input', input, '--out', out, '--workers', '2'],
      env,
    );
    expect(stderr).toMatch(
      /silo: example\.main\.buffer_input over 5000 rows → 5000 rows written to \S+out\.parquet in \d+ ms/,
    );
    expect(code).toBe(0);
    // Integers, doubles, text, booleans stay themselves; a date arrives as its text, a decimal as a double.
    expect(await duckRows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${out}')`)).toEqual([
      '{"column_name":"k","column_type":"BIGINT"}',
      '{"column_name":"v","column_type":"DOUBLE"}',
      '{"column_name":"s","column_type":"VARCHAR"}',
      '{"column_name":"b","column_type":"BOOLEAN"}',
      '{"column_name":"i","column_type":"INTEGER"}',
      '{"column_name":"d","column_type":"VARCHAR"}',
      '{"column_name":"m","column_type":"DOUBLE"}',
    ]);
    const expected = await duckRows(`SELECT k, v, s, b, i, d::VARCHAR AS d, m::DOUBLE AS m FROM '${input}' ORDER BY k`);
    expect(await duckRows(`SELECT * FROM '${out}' ORDER BY k`)).toEqual(expected);
    expect(expected).toHaveLength(5000);
  }, 180_000);

  it('should stream more rows than the type sample from CSV to an Arrow file, a JSON file and Arrow on stdout', async () => {
    const input = join(dir, 'many.csv');
    const n = 25_000;
    writeFileSync(input, `k,label\n${Array.from({ length: n }, (_, i) => `${i},"l,${i}"`).join('\n')}\n`);
    const arrow = join(dir, 'many.arrow');
    const first = await silo(['run', ENTRY, 'buffer_input', '--input', input, '--out', arrow, '--quiet'], env);
    expect(first.code).toBe(0);
    const table = tableFromIPC(readFileSync(arrow));
    expect(table.numRows).toBe(n);
    expect(table.getChild('label')!.get(n - 1)).toBe(`l,${n - 1}`);
    expect(table.getChild('k')!.get(n - 1)).toBe(BigInt(n - 1));

    const json = join(dir, 'many.json');
    expect(
      (await silo(['run', ENTRY, 'buffer_input', '--input', input, '--out', json, '--quiet', '--limit', '3000'], env))
        .code,
    ).toBe(0);
    const rows = JSON.parse(readFileSync(json, 'utf8')) as { k: number; label: string }[];
    expect(rows).toHaveLength(3000);
    expect(new Set(rows.map((r) => r.k)).size).toBe(3000);

    const stdout = await silo(
      ['run', ENTRY, 'buffer_input', '--input', arrow, '--out', '-', '--format', 'arrow', '--quiet'],
      env,
    );
    expect(stdout.code).toBe(0);
    const back = tableFromIPC(Buffer.from(stdout.stdout, 'latin1'));
    expect(back.numRows).toBe(n);
  }, 180_000);

  it('should print only the rows it shows, counting the rest, and time the whole command', async () => {
    const input = join(dir, 'few.ndjson');
    writeFileSync(input, Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: i, name: `n${i}` })).join('\n'));
    const { code, stdout, stderr } = await silo(['run', ENTRY, 'buffer_input', '--input', input, '--rows', '3'], env);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n').pop()).toBe('50 rows (3 shown)');
    expect(stderr).toMatch(/over 50 rows → 50 rows in \d+ ms/);
  }, 120_000);
});
