/**
 * The Silo worker of the wire benchmark's W1 (`buffer_input`), W2 (`key_sum`) and W3
 * (`sort_by_key`), on stdin/stdout. Run the built copy (`dist/bench/functions/main.js`, built by
 * `npx tsc -p bench/tsconfig.json`) so start-up is not spent compiling TypeScript.
 *
 * @example
 * ```sql
 * ATTACH 'bench' (TYPE vgi, LOCATION 'node dist/bench/functions/main.js');
 * SELECT * FROM bench.main.key_sum((SELECT k, v, s FROM t));
 * ```
 */
import 'reflect-metadata';
import { bootstrapWorker, serveWorker } from 'vgi-silo';
import { BENCH_CATALOG, BenchModule } from './bench.module';

async function main(): Promise<void> {
  const worker = await bootstrapWorker({ catalog: BENCH_CATALOG, modules: [BenchModule] });
  await serveWorker(worker, process.argv.slice(2));
}

main().catch((error: unknown) => {
  // stdout belongs to the protocol: the reason a worker could not start goes to stderr.
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
