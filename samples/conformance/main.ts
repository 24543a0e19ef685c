/**
 * The conformance worker: DuckDB's reference buffering fixtures served as catalog
 * `example`. On stdin/stdout by default, or on a unix socket with `--unix PATH`.
 *
 * @example
 * ```sql
 * ATTACH 'example' (TYPE vgi, LOCATION 'node dist/samples/conformance/main.js');
 * SELECT * FROM example.main.buffer_input((SELECT * FROM range(10) t(x)));
 * ```
 */
import 'reflect-metadata';
import { bootstrapWorker, serveWorker } from 'vgi-silo';
import { CONFORMANCE_CATALOG, ConformanceModule } from './conformance.module';

async function main(): Promise<void> {
  const worker = await bootstrapWorker({ catalog: CONFORMANCE_CATALOG, modules: [ConformanceModule] });
  await serveWorker(worker, process.argv.slice(2));
}

main().catch((error: unknown) => {
  // stdout belongs to the protocol: the reason a worker could not start goes to stderr.
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
