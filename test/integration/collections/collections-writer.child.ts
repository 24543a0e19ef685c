/**
 * One process of the multi-process collections test: opens the SQLite file the
 * environment names, prints "ready", waits for "go" on stdin so every process writes at
 * the same moment, then appends batches to one BatchLog (and to its partition), adds to
 * a Counter and pops a Queue until it is empty, and prints what it did as one JSON line.
 *
 * argv: <writer tag> <scope id hex> <batches>
 */
import { Field, Int64, Schema, Utf8 } from 'apache-arrow';
import { BatchLog, Counter, Queue } from '../../../src/collections';
import { BoundStorage, fromHex } from '../../../src/providers/storage';
import { createStorageFromEnv } from '../../../src/providers/storage/storage-from-env';
import { batchFromColumns } from '../../../src/arrow/batch-utils';

const schema = new Schema([new Field('n', new Int64(), false), new Field('writer', new Utf8(), false)]);

async function main(): Promise<void> {
  const [writer, scopeHex, batchesArg] = process.argv.slice(2);
  const batches = Number(batchesArg);
  const backend = createStorageFromEnv(process.env);
  const storage = BoundStorage.forUser(backend, { kind: 'execution', id: fromHex(scopeHex) });
  const log = new BatchLog(storage, 'rows', { schema });
  const counter = new Counter(storage, 'rows-written');
  const jobs = new Queue<{ job: number }>(storage, 'jobs');
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));

  const ids: string[] = [];
  const popped: number[] = [];
  let rows = 0;
  for (let i = 0; i < batches; i++) {
    const count = 1 + (i % 4);
    const n = Array.from({ length: count }, (_, j) => BigInt(rows + j));
    const batch = batchFromColumns(schema, { n, writer: n.map(() => writer) });
    ids.push(String(await (i % 5 === 0 ? log.partition(writer.length) : log).append(batch)));
    await counter.add(count);
    rows += count;
    for (const { job } of await jobs.pop(2)) popped.push(job);
  }
  for (;;) {
    const more = await jobs.pop(7);
    if (more.length === 0) break;
    popped.push(...more.map((m) => m.job));
  }
  await backend.close();
  process.stdout.write(`${JSON.stringify({ writer, ids, rows, popped })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
