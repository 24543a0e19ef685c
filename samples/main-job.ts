/**
 * The main job: generated trip data written to an Arrow file, then `per_key_sum` and
 * `top_k` run through real worker processes (samples/worker.ts) the way DuckDB runs them —
 * 4 sink processes, combine on one of them, a fresh process per finalize stream, the
 * destructor on an idle one — all sharing one SQLite storage file. It uses `runFunction`,
 * the code `silo run` uses, checks the results against a local computation and checks
 * that both executions left nothing behind in storage.
 *
 *   npm start                       # builds, then runs dist/samples/main-job.js
 *   SILO_MAIN_ROWS=1000000 npm start
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Field, Float64, Int32, Schema, Table, Utf8, tableFromIPC, tableToIPC } from 'apache-arrow';
import { type RunFunctionResult, SqliteStorage, batchFromColumns, runFunction } from 'vgi-silo';

const CITIES = ['Amsterdam', 'Berlin', 'Cairo', 'Denver', 'Edinburgh', 'Fukuoka', 'Geneva', 'Hanoi', 'Istanbul', 'Jakarta', 'Kyoto', 'Lima'];
const TRIPS = new Schema([new Field('trip_id', new Int32(), false), new Field('city', new Utf8(), false), new Field('fare', new Float64(), false)]);

/** Deterministic trips: the same rows on every run. City is plain utf8 (not dictionary-encoded). */
function trips(rows: number): Table {
  let seed = 42;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return new Table([
    batchFromColumns(TRIPS, {
      trip_id: Array.from({ length: rows }, (_, i) => i),
      city: Array.from({ length: rows }, () => CITIES[Math.floor(next() * CITIES.length)]),
      fare: Array.from({ length: rows }, () => Math.round(next() * 10_000) / 100),
    }),
  ]);
}

/** `node dist/samples/worker.js` when built; from sources, the repository's TypeScript loader. */
function workerCommand(): string[] {
  if (__filename.endsWith('.js')) return [process.execPath, join(__dirname, 'worker.js')];
  const loader = resolve(__dirname, '..', 'test', 'support', 'register-ts.js');
  if (!existsSync(loader)) throw new Error(`Cannot run the TypeScript worker without ${loader}; run the built job (npm start).`);
  return [process.execPath, '-r', loader, join(__dirname, 'worker.ts')];
}

function describePids(r: RunFunctionResult): string {
  const { sink, combine, finalize, destructor } = r.pids;
  return `pids: sink [${sink.join(', ')}], combine ${combine}, finalize [${finalize.join(', ')}], destructor ${destructor}`;
}

function describeTimings(r: RunFunctionResult): string {
  const t = r.timings;
  return `timings: discovery ${t.discoveryMs} ms, bind ${t.bindMs} ms, sink ${t.sinkMs} ms, combine ${t.combineMs} ms, finalize ${t.finalizeMs} ms, destructor ${t.destructorMs} ms`;
}

async function main(): Promise<void> {
  const rows = Number(process.env.SILO_MAIN_ROWS ?? 200_000);
  if (!Number.isInteger(rows) || rows < 100_000) throw new Error(`SILO_MAIN_ROWS must be a whole number of at least 100000, got ${process.env.SILO_MAIN_ROWS}.`);
  const dir = mkdtempSync(join(tmpdir(), 'silo-main-'));
  const storagePath = join(dir, 'storage.db');
  // Every worker process of the job shares one SQLite file and one sealing key.
  const env = { ...process.env, SILO_STORAGE: 'sqlite', SILO_SQLITE_PATH: storagePath, SILO_SECRET_KEY: randomBytes(32).toString('hex') };
  const command = workerCommand();
  const jobStarted = Date.now();
  try {
    const inputPath = join(dir, 'trips.arrow');
    writeFileSync(inputPath, tableToIPC(trips(rows), 'file'));
    // Read back exactly as `silo run --input trips.arrow` reads it.
    const input = tableFromIPC(readFileSync(inputPath));
    console.log(`input: ${input.numRows} trips (trip_id, city, fare) in ${inputPath}`);
    console.log(`workers: ${command.map((a) => (a === process.execPath ? 'node' : a)).join(' ')}; storage: SQLite at ${storagePath}`);

    const sums = await runFunction({ command, env, function: 'per_key_sum', input, args: { key: 'city', value: 'fare' }, sinkWorkers: 4 });
    console.log(`\nper_key_sum(key := 'city', value := 'fare'): ${sums.output.numRows} groups from ${sums.finalizeStateIds.length} finalize streams in ${sums.timings.totalMs} ms`);
    const groups = sums.output.toArray().map((r) => ({ city: r!.city as string, sum: r!.sum as number, count: r!.count as bigint }));
    groups.sort((a, b) => a.city.localeCompare(b.city));
    for (const g of groups) console.log(`  ${g.city.padEnd(10)} trips=${String(g.count).padStart(7)}  fares=${g.sum.toFixed(2).padStart(12)}`);
    console.log(`  ${describePids(sums)}\n  ${describeTimings(sums)}`);
    const total = groups.reduce((n, g) => n + g.count, 0n);
    if (total !== BigInt(rows)) throw new Error(`per_key_sum lost rows: counted ${total} of ${rows}`);

    const top = await runFunction({ command, env, function: 'top_k', input, args: { k: 5n, by: 'fare' }, sinkWorkers: 4 });
    console.log(`\ntop_k(5, by := 'fare') in ${top.timings.totalMs} ms`);
    for (const r of top.output.toArray()) console.log(`  trip ${String(r!.trip_id).padStart(7)}  ${String(r!.city).padEnd(10)} ${(r!.fare as number).toFixed(2)}`);
    console.log(`  ${describePids(top)}\n  ${describeTimings(top)}`);
    const fares = [...(input.getChild('fare')!.toArray() as Float64Array)].sort((a, b) => b - a).slice(0, 5);
    const got = [...(top.output.getChild('fare')!.toArray() as Float64Array)];
    if (JSON.stringify(got) !== JSON.stringify(fares)) throw new Error(`top_k returned fares ${got.join(', ')}, expected ${fares.join(', ')}`);

    for (const r of [sums, top]) {
      const finalize = new Set(r.pids.finalize);
      if (r.pids.sink.length !== 4 || r.pids.sink.some((p) => finalize.has(p))) throw new Error(`${r.functionName}: expected 4 sink processes distinct from the finalize processes, got ${describePids(r)}`);
    }
    const storage = new SqliteStorage({ path: storagePath });
    const left = (await storage.listScopes()).filter((s) => s.scope.kind === 'execution');
    await storage.close();
    console.log(`\nstorage left by both executions after their destructors: ${left.length} scopes`);
    if (left.length > 0) throw new Error('executions leaked storage');
    console.log(`main job done in ${Date.now() - jobStarted} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
