/**
 * The main job: two sample functions over generated trip data, with the embedded SQLite
 * storage, every phase in a fresh container (as separate worker processes would run
 * them), and the storage left behind checked.
 *
 *   npm start            # builds, then runs this file
 *   SILO_MAIN_ROWS=1000000 npm start
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { STORAGE, SqliteStorage } from 'vgi-silo';
import { createTestingWorker } from 'vgi-silo/testing';
import { TopKModule } from './01-top-k/top-k.module';
import { PerKeySumModule } from './02-per-key-sum/per-key-sum.module';

const CITIES = ['Amsterdam', 'Berlin', 'Cairo', 'Denver', 'Edinburgh', 'Fukuoka', 'Geneva', 'Hanoi', 'Istanbul', 'Jakarta', 'Kyoto', 'Lima'];

/** Deterministic trips: the same rows on every run. */
function trips(rows: number) {
  let seed = 42;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return tableFromArrays({
    trip_id: Int32Array.from({ length: rows }, (_, i) => i),
    city: Array.from({ length: rows }, () => CITIES[Math.floor(next() * CITIES.length)]),
    fare: Float64Array.from({ length: rows }, () => Math.round(next() * 10_000) / 100),
  });
}

async function main(): Promise<void> {
  const rows = Number(process.env.SILO_MAIN_ROWS ?? 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'silo-main-'));
  const storage = new SqliteStorage({ path: join(dir, 'storage.db') });
  try {
    const worker = await createTestingWorker({ catalog: 'example', modules: [PerKeySumModule, TopKModule] })
      .overrideProvider(STORAGE)
      .useValue(storage)
      .compile();
    const input = trips(rows);
    console.log(`input: ${input.numRows} trips (trip_id, city, fare); storage: SQLite at ${storage.path}`);

    let started = Date.now();
    const sums = await worker.run('per_key_sum', { input, args: { key: 'city', value: 'fare' }, sinkConnections: 4, chaos: { rerun: false } });
    console.log(`\nper_key_sum(city, fare): ${sums.output.numRows} groups from ${sums.finalizeStateIds.length} parallel finalize streams in ${Date.now() - started} ms`);
    const groups = sums.output.toArray().map((r) => ({ city: r!.city as string, sum: r!.sum as number, count: r!.count as bigint }));
    groups.sort((a, b) => a.city.localeCompare(b.city));
    for (const g of groups) console.log(`  ${g.city.padEnd(10)} trips=${String(g.count).padStart(7)}  fares=${g.sum.toFixed(2).padStart(12)}`);
    const total = groups.reduce((n, g) => n + g.count, 0n);
    if (total !== BigInt(rows)) throw new Error(`per_key_sum lost rows: counted ${total} of ${rows}`);

    started = Date.now();
    const top = await worker.run('top_k', { input, args: { k: 5n, by: 'fare' }, sinkConnections: 4, chaos: { rerun: false } });
    console.log(`\ntop_k(5, by := 'fare') in ${Date.now() - started} ms`);
    for (const r of top.output.toArray()) console.log(`  trip ${String(r!.trip_id).padStart(7)}  ${String(r!.city).padEnd(10)} ${(r!.fare as number).toFixed(2)}`);

    const leaked = sums.leaks.length + top.leaks.length;
    console.log(`\nstorage left by both executions after their destructors: ${leaked} scopes`);
    if (leaked > 0) throw new Error('executions leaked storage');
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
