/**
 * The workloads, the two sides that run them, and how each output is checked (a
 * benchmark of a wrong answer measures nothing).
 */
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Table } from 'apache-arrow';
import { DISTINCT_KEYS, totalOfValues } from './input-data';
import { snapshotArgs } from './snapshot';

/** Sink connections of every workload (DuckDB threads; the machine has 2 cores). */
export const SINK_WORKERS = 2;

/** Rows per input batch: DuckDB's vector size, the client's default. */
export const BATCH_ROWS = 2048;

export interface Workload {
  readonly id: 'W1' | 'W2' | 'W3';
  readonly title: string;
  readonly function: string;
  /** Throws when `output` is not the right answer for `input`. */
  verify(input: Table, output: Table): void;
}

export type SideName = 'silo' | 'vendor';

/** A worker implementation: the command that starts one of its processes, per workload. */
export interface Side {
  readonly name: SideName;
  readonly label: string;
  command(workload: Workload): string[];
  /** Environment of its workers, sharing one SQLite file per run. */
  env(sqlitePath: string): NodeJS.ProcessEnv;
}

function keyColumn(table: Table): BigInt64Array[] {
  return table.batches.map((b) => b.getChildAt(0)!.data[0].values as BigInt64Array);
}

function sumOfKeys(table: Table): bigint {
  let total = 0n;
  for (const keys of keyColumn(table)) for (const k of keys) total += k;
  return total;
}

function expectRows(output: Table, rows: number): void {
  if (output.numRows !== rows) throw new Error(`expected ${rows} output rows, got ${output.numRows}`);
}

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'W1',
    title: 'passthrough (buffer_input)',
    function: 'buffer_input',
    verify: (input, output) => {
      expectRows(output, input.numRows);
      if (sumOfKeys(output) !== sumOfKeys(input)) throw new Error('the output keys are not the input keys');
    },
  },
  {
    id: 'W2',
    title: 'per-key sum, 4 finalize streams (key_sum)',
    function: 'key_sum',
    verify: (input, output) => {
      expectRows(output, Math.min(input.numRows, DISTINCT_KEYS));
      let total = 0;
      for (const batch of output.batches)
        for (const s of batch.getChildAt(1)!.data[0].values as Float64Array) total += s;
      const expected = totalOfValues(input);
      if (Math.abs(total - expected) > 1e-9 * Math.abs(expected))
        throw new Error(`the sums add up to ${total}, the input's values to ${expected}`);
    },
  },
  {
    id: 'W3',
    title: 'global sort by k (sort_by_key)',
    function: 'sort_by_key',
    verify: (input, output) => {
      expectRows(output, input.numRows);
      let previous: bigint | null = null;
      for (const keys of keyColumn(output)) {
        for (const k of keys) {
          if (previous !== null && k < previous)
            throw new Error(`the output is not sorted by k (${k} after ${previous})`);
          previous = k;
        }
      }
    },
  },
];

/**
 * Sides, given the repository root (the harness runs from source or from dist/). Both
 * sides serve the same three functions from one worker entry. With `snapshotDir`, Silo's
 * workers start from a start-up snapshot of that entry built there (`silo snapshot`).
 */
export function sides(repoRoot: string, snapshotDir?: string): Record<SideName, Side> {
  const siloEntry = join(repoRoot, 'dist/bench/functions/main.js');
  return {
    silo: {
      name: 'silo',
      label: snapshotDir === undefined ? 'Silo' : 'Silo (snapshot)',
      command: () => [
        process.execPath,
        ...(snapshotDir === undefined ? [siloEntry] : snapshotArgs(repoRoot, siloEntry, snapshotDir)),
      ],
      env: (path) => ({
        ...process.env,
        SILO_STORAGE: 'sqlite',
        SILO_SQLITE_PATH: path,
        SILO_SECRET_KEY: 'b7'.repeat(32),
      }),
    },
    vendor: {
      name: 'vendor',
      label: 'vendor SDK',
      command: () => [process.execPath, join(repoRoot, 'bench/vendor-worker/main.mjs')],
      env: (path) => ({ ...process.env, VENDOR_SQLITE_PATH: path }),
    },
  };
}

function newestTs(dir: string): { file: string; mtime: number } | null {
  if (!existsSync(dir)) return null;
  let newest: { file: string; mtime: number } | null = null;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (
      !entry.isFile() ||
      !entry.name.endsWith('.ts') ||
      entry.name.endsWith('.d.ts') ||
      entry.name.endsWith('.test.ts')
    )
      continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    const mtime = statSync(file).mtimeMs;
    if (!newest || mtime > newest.mtime) newest = { file, mtime };
  }
  return newest;
}

/**
 * Refuses to benchmark stale or missing built workers: the workers run from dist/, and
 * a forgotten build would measure yesterday's code.
 */
export function assertBuilt(repoRoot: string): void {
  const built = [
    'dist/samples/conformance/main.js',
    'dist/bench/functions/main.js',
    'dist/bench/functions/kernels.js',
  ].map((f) => join(repoRoot, f));
  const missing = built.filter((f) => !existsSync(f));
  const oldest = Math.min(...built.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
  const stale = ['src', 'samples/conformance', 'bench/functions', 'bench/wire']
    .map((d) => newestTs(join(repoRoot, d)))
    .filter((n): n is { file: string; mtime: number } => n !== null && n.mtime > oldest);
  if (missing.length > 0 || stale.length > 0) {
    const why =
      missing.length > 0
        ? `missing ${missing.join(', ')}`
        : `${stale.map((s) => s.file).join(', ')} changed after the last build`;
    throw new Error(
      `The benchmark runs the built workers, but ${why}. Build first: npx tsc -p bench/tsconfig.json (npm run bench does it)`,
    );
  }
}
