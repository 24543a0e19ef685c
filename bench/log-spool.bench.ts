/**
 * SQLite log values in the database against the spool: CPU µs per append and per read of
 * one log entry, for a batch-sized value (82 KB) and a small one (100 B), measured in one
 * process with the two settings alternating round by round, so both see the same machine.
 * Beside them, the floor: the same 82 KB written to and read from a file with `fs` alone,
 * read into a fresh buffer each time (as the spool must: the entry is handed out) and into
 * one reused buffer, with the minor page faults per operation. Last, one-entry reads of the
 * spooled log back to back and after the process sat idle for 1 and 5 ms, as a worker does
 * between the calls of a real client: CPU µs of the read alone.
 *
 *   npm run bench:spool [-- --rounds 6 --ops 400]
 *
 * CPU time is `process.cpuUsage()` (user + system) around each loop; the table shows the
 * median and the range over the rounds.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
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

/** A value of `size` bytes with a repeating pattern (not all zeros, so nothing is sparse). */
function patterned(size: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => i & 0xff);
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function round(storage: SqliteStorage, size: number, r: number): Promise<{ append: number; read: number }> {
  const scope: StorageScope = { kind: 'execution', id: toBytes(`bench-${size}-${r}`) };
  const ns = toBytes('rows');
  const key = toBytes('');
  const value = patterned(size);
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

/** CPU µs and minor page faults per call of `op`, over `ops` calls. */
function perOp(ops: number, op: (i: number) => void): { cpu: number; faults: number } {
  const faults = process.resourceUsage().minorPageFault;
  const started = cpuMicros();
  for (let i = 0; i < ops; i++) op(i);
  return { cpu: (cpuMicros() - started) / ops, faults: (process.resourceUsage().minorPageFault - faults) / ops };
}

const FLOOR = [
  'append to a new file',
  'overwrite the same file (pages cached)',
  'read into a fresh buffer',
  'read into one reused buffer',
] as const;

/** One round of the `fs`-only floor for an 82 KB value, in `dir`. */
function floorRound(dir: string, r: number): { cpu: number; faults: number }[] {
  const size = SIZES[0];
  const value = patterned(size);
  const path = join(dir, `floor-${r}`);
  const fd = openSync(path, 'w+');
  try {
    const write = (i: number): void => {
      for (let done = 0; done < size;) done += writeSync(fd, value, done, size - done, i * size + done);
    };
    const readInto = (target: Uint8Array, i: number): void => {
      for (let done = 0; done < size;) done += readSync(fd, target, done, size - done, i * size + done);
    };
    const reused = Buffer.allocUnsafeSlow(size);
    return [
      perOp(OPS, write),
      perOp(OPS, write),
      perOp(OPS, (i) => readInto(Buffer.allocUnsafeSlow(size), i)),
      perOp(OPS, (i) => readInto(reused, i)),
    ];
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

const IDLE_GAPS_MS = [0, 1, 5];

/** CPU µs of one-entry `logScan` reads of a spooled 82 KB log, each after `gapMs` of idling. */
async function idleRound(storage: SqliteStorage, r: number, gapMs: number): Promise<number> {
  const scope: StorageScope = { kind: 'execution', id: toBytes(`idle-${r}-${gapMs}`) };
  const ns = toBytes('rows');
  const key = toBytes('');
  const value = patterned(SIZES[0]);
  const reads = Math.max(20, Math.floor(OPS / 4));
  for (let i = 0; i < reads; i++) await storage.append(scope, ns, key, value);
  let cpu = 0;
  let afterId = 0n;
  for (let i = 0; i < reads; i++) {
    await new Promise((done) => (gapMs > 0 ? setTimeout(done, gapMs) : setImmediate(done)));
    const started = cpuMicros();
    const [entry] = await storage.logScan(scope, ns, key, { afterId, limit: 1 });
    cpu += cpuMicros() - started;
    afterId = entry.id;
  }
  await storage.clearScope(scope);
  return cpu / reads;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function summary(values: number[]): string {
  return `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'silo-spool-bench-'));
  try {
    const stores = SETTINGS.map((s) => new SqliteStorage({ path: join(dir, 'bench.db'), spoolBytes: s.spoolBytes }));
    const results = new Map<string, { append: number[]; read: number[] }>();
    const floor = FLOOR.map(() => ({ cpu: [] as number[], faults: [] as number[] }));
    for (let r = 0; r < ROUNDS + 1; r++) {
      const measuredFloor = floorRound(dir, r);
      if (r > 0)
        measuredFloor.forEach((m, i) => {
          floor[i].cpu.push(m.cpu);
          floor[i].faults.push(m.faults);
        });
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
    const idle = IDLE_GAPS_MS.map(() => [] as number[]);
    for (let r = 0; r < ROUNDS + 1; r++) {
      for (let g = 0; g < IDLE_GAPS_MS.length; g++) {
        const measured = await idleRound(stores[1], r, IDLE_GAPS_MS[g]);
        if (r > 0) idle[g].push(measured);
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
    console.log(
      `\n| ${SIZES[0]} B with \`fs\` alone (the floor) | CPU µs per operation, median (range) | minor page faults per operation, median |`,
    );
    console.log('|---|---:|---:|');
    FLOOR.forEach((name, i) => {
      console.log(`| ${name} | ${summary(floor[i].cpu)} | ${median(floor[i].faults).toFixed(1)} |`);
    });
    console.log(`\n| one-entry read of a spooled ${SIZES[0]} B log | CPU µs per read, median (range) |`);
    console.log('|---|---:|');
    IDLE_GAPS_MS.forEach((gap, g) =>
      console.log(`| ${gap === 0 ? 'back to back' : `after ${gap} ms idle`} | ${summary(idle[g])} |`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
