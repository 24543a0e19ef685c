/**
 * Shared setup of the over-the-wire tests: the conformance worker started from its
 * TypeScript entry, an environment that makes every worker process share one SQLite
 * file and one sealing key, and deterministic input tables.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Table, Table as ArrowTable } from 'apache-arrow';
import { field, makeRecordBatch, schemaOf, wire } from '../../../src/arrow';

/** The repository root. */
export const REPO = resolve(__dirname, '..', '..', '..');

/** The TypeScript loader child processes run with. */
export const REGISTER_TS = join(REPO, 'test', 'support', 'register-ts.js');

/** `node -r register-ts samples/conformance/main.ts`: the conformance worker (catalog `example`). */
export const CONFORMANCE_WORKER = [
  process.execPath,
  '-r',
  REGISTER_TS,
  join(REPO, 'samples', 'conformance', 'main.ts'),
];

/** A fresh directory and a worker environment on SQLite storage inside it. */
export function sharedStorageEnv(prefix = 'silo-client-'): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    env: {
      ...process.env,
      SILO_STORAGE: 'sqlite',
      SILO_SQLITE_PATH: join(dir, 'storage.db'),
      SILO_SECRET_KEY: randomBytes(32).toString('hex'),
    },
  };
}

/** `rows` rows of (id int64, name utf8 with NULLs, score float64), deterministic. */
export function sampleInput(rows: number): Table {
  const schema = schemaOf([
    field('id', wire.int64(), true),
    field('name', wire.utf8(), true),
    field('score', wire.float64(), true),
  ]);
  return new ArrowTable([
    makeRecordBatch(schema, {
      id: Array.from({ length: rows }, (_, i) => BigInt(i)),
      name: Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : `n${i % 101}`)),
      score: Array.from({ length: rows }, (_, i) => ((i * 7919) % rows) / 4),
    }),
  ]);
}

/** Rows as JSON text, bigint written with an `n`, for exact comparisons. */
export function rowsOf(table: Table): string[] {
  return table
    .toArray()
    .map((r) => JSON.stringify(r!.toJSON(), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
}

/** `node -r register-ts samples/worker.ts`: the samples worker (catalog `samples`: top_k, per_key_sum). */
export const SAMPLES_WORKER = [process.execPath, '-r', REGISTER_TS, join(REPO, 'samples', 'worker.ts')];
