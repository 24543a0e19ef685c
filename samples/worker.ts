/**
 * The samples worker: `top_k` (samples/01-top-k), `per_key_sum` (samples/02-per-key-sum),
 * `dedup` (samples/03-dedup) and `external_sort` (samples/04-external-sort) served as catalog `samples`, on stdin/stdout by default or on a unix socket with
 * `--unix PATH`. Storage comes from the environment (SQLite shared by every worker
 * process of the host unless `SILO_STORAGE` says otherwise).
 *
 * @example
 * ```sql
 * ATTACH 'samples' (TYPE vgi, LOCATION 'node dist/samples/worker.js');
 * SELECT * FROM samples.main.top_k(5, (SELECT * FROM 'trips.parquet'), by := 'fare');
 * ```
 *
 * Or without DuckDB: `silo run dist/samples/worker.js top_k --input trips.csv --arg k=5 --arg by=fare --workers 4`.
 */
import 'reflect-metadata';
import { bootstrapWorker, serveWorker } from 'vgi-silo';
import { TopKModule } from './01-top-k/top-k.module';
import { PerKeySumModule } from './02-per-key-sum/per-key-sum.module';
import { DedupModule } from './03-dedup/dedup.module';
import { ExternalSortModule } from './04-external-sort/external-sort.module';

/** The catalog DuckDB attaches the samples as. */
const SAMPLES_CATALOG = 'samples';

async function main(): Promise<void> {
  const worker = await bootstrapWorker({
    catalog: SAMPLES_CATALOG,
    modules: [TopKModule, PerKeySumModule, DedupModule, ExternalSortModule],
  });
  await serveWorker(worker, process.argv.slice(2));
}

main().catch((error: unknown) => {
  // stdout belongs to the protocol: the reason a worker could not start goes to stderr.
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
