/**
 * A separate process that opens its own DuckDB, ATTACHes the conformance worker and runs
 * the SQL statements given as a JSON array in argv[2], printing one JSON line per
 * statement: `{"ok":true,"rows":[…]}` or `{"ok":false,"error":"…"}`. For statements that
 * may take DuckDB itself down, which a test cannot run in its own process.
 *
 *   node -r test/support/register-ts.js test/support/duckdb-sql-runner.ts '["SELECT 1"]'
 */
import { openWithWorker } from './duckdb';

async function main(): Promise<void> {
  const statements = JSON.parse(process.argv[2] ?? '[]') as string[];
  const w = await openWithWorker({});
  for (const sql of statements) {
    let line: string;
    try {
      const { rows } = await w.db.query(sql);
      line = JSON.stringify({ ok: true, rows }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    } catch (error) {
      line = JSON.stringify({ ok: false, error: (error as Error).message });
    }
    process.stdout.write(`${line}\n`);
  }
  w.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
