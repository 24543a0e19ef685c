/**
 * SQLite log values in the database against the spool: CPU µs per append and per read of
 * one log entry, for a batch-sized value (82 KB) and a small one (100 B), measured in one
 * process with the two settings alternating round by round, so both see the same machine.
 *
 *   npm run bench:spool [-- --rounds 6 --ops 400]
 *
 * CPU time is `process.cpuUsage()` (user + system) around each loop; the table shows the
 * median and the range over the rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toBytes } from '../src/common/bytes';
import type { StorageScope } from '../src/providers/storage/function-storage';
import { DEFAULT_SPOOL_BYTES } from '../src/providers/storage/sqlite-spool';
import { SqliteStorage } from '../src/providers/storage/sqlite-storage.provider';
import { machine } from './results-md';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const ROUNDS = flag('rounds', 6);
const OPS = flag('ops', 400);
const SIZES = [82_000, 100];
const SETTINGS = [
  { name: 'in SQLite', spoolBytes: 0 },
  { name: `spool (from ${DEFAULT_SPOOL_BYTES} B)`, spoolBytes: DEFAULT_SPOOL_BYTES },
];

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function round(storage: SqliteStorage, size: number, r: number): Promise<{ append: number; read: number }> {
  const scope: StorageScope = { kind: 'execution', id: toBytes(`bench-${size}-${r}`) };
  const ns = toBytes('rows');
  const key = toBytes('');
  const value = new Uint8Array(size).map((_, i) => i & 0xff);
  const ops = size >= 10_000 ? OPS : OPS * 5;
  let started = cpuMicros();
  const ids: bigint[] = [];
  for (let i = 0; i < ops; i++) ids.push(await storage.append(scope, ns, key, value));
  const append = (cpuMicros() - started) / ops;
  started = cpuMicros();
  let afterId = 0n;
  for (let i = 0; i < ops; i++) {
    const [entry] = await storage.logScan(scope, ns, key, { afterId, limit: 1 });
    afterId = entry.id;
  }
  const read = (cpuMicros() - started) / ops;
  await storage.clearScope(scope);
  return { append, read };
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `${median.toFixed(0)} (${sorted[0].toFixed(0)}–${sorted[sorted.length - 1].toFixed(0)})`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'silo-spool-bench-'));
  try {
    const stores = SETTINGS.map((s) => new SqliteStorage({ path: join(dir, 'bench.db'), spoolBytes: s.spoolBytes }));
    const results = new Map<string, { append: number[]; read: number[] }>();
    for (let r = 0; r < ROUNDS + 1; r++) {
      for (const size of SIZES) {
        for (let s = 0; s < SETTINGS.length; s++) {
          const measured = await round(stores[s], size, r);
          if (r === 0) continue; // warm-up
          const k = `${size}|${s}`;
          const entry = results.get(k) ?? { append: [], read: [] };
          entry.append.push(measured.append);
          entry.read.push(measured.read);
          results.set(k, entry);
        }
      }
    }
    await Promise.all(stores.map((s) => s.close()));
    console.log(`${machine()}; ${ROUNDS} rounds × ${OPS} ops (×5 for small values)\n`);
    console.log('| value | storage | CPU µs per append, median (range) | CPU µs per read, median (range) |');
    console.log('|---|---|---:|---:|');
    for (const size of SIZES) {
      for (let s = 0; s < SETTINGS.length; s++) {
        const entry = results.get(`${size}|${s}`)!;
        console.log(`| ${size} B | ${SETTINGS[s].name} | ${summary(entry.append)} | ${summary(entry.read)} |`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
