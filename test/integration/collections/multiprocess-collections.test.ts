import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchLog, Counter, Queue } from '../../../src/collections';
import { BoundStorage, SqliteStorage, toHex } from '../../../src/providers/storage';

const register = require.resolve('../../support/register-ts.js');
const WRITERS = ['a', 'bb', 'ccc'];
const BATCHES = 60;
const JOBS = 400;

interface Report {
  readonly writer: string;
  readonly ids: string[];
  readonly rows: number;
  readonly popped: number[];
}

function startWriter(writer: string, scopeHex: string, env: NodeJS.ProcessEnv) {
  const proc = spawn(
    process.execPath,
    ['-r', register, join(__dirname, 'collections-writer.child.ts'), writer, scopeHex, String(BATCHES)],
    { env: { ...process.env, ...env } },
  );
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  proc.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) onReady();
  });
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Report>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const lines = stdout.trim().split('\n');
      if (code === 0) resolve(JSON.parse(lines[lines.length - 1]) as Report);
      else reject(new Error(`writer ${writer} exited with ${code}:\n${stderr}`));
    });
  });
  return { proc, ready, done };
}

describe('Storage collections across processes (SqliteStorage)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silo-collections-mp-'));
  const path = join(dir, 'storage.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`should count every row and hand every job to one process when ${WRITERS.length} processes append and pop at once`, async () => {
    const backend = new SqliteStorage({ path });
    const scopeId = new Uint8Array(randomBytes(16));
    const storage = BoundStorage.forUser(backend, { kind: 'execution', id: scopeId });
    try {
      await new Queue<{ job: number }>(storage, 'jobs').pushAll(Array.from({ length: JOBS }, (_, job) => ({ job })));
      const writers = WRITERS.map((w) =>
        startWriter(w, toHex(scopeId), { SILO_STORAGE: 'sqlite', SILO_SQLITE_PATH: path }),
      );
      await Promise.all(writers.map((w) => w.ready));
      for (const w of writers) w.proc.stdin.end('go\n');
      const reports = await Promise.all(writers.map((w) => w.done));

      const log = new BatchLog(storage, 'rows');
      const partitions = WRITERS.map((w) => log.partition(w.length));
      const all = [log, ...partitions];
      const totalRows = reports.reduce((n, r) => n + r.rows, 0);
      const rowCounts = await Promise.all(all.map((l) => l.rowCount()));
      const entryCounts = await Promise.all(all.map((l) => l.entryCount()));
      expect(rowCounts.reduce((x, y) => x + y, 0n)).toBe(BigInt(totalRows));
      expect(entryCounts.reduce((x, y) => x + y, 0n)).toBe(BigInt(WRITERS.length * BATCHES));
      expect(await new Counter(storage, 'rows-written').get()).toBe(BigInt(totalRows));

      // Every log holds exactly its batches, in append order, each writer's rows in its own order.
      const written = new Set(reports.flatMap((r) => r.ids));
      for (const [i, l] of all.entries()) {
        const seen: bigint[] = [];
        const next = new Map<string, bigint>();
        let rows = 0n;
        for await (const { id, batch } of l.entries({ pageSize: 5 })) {
          expect(written.delete(String(id))).toBe(true);
          if (seen.length > 0) expect(id > seen[seen.length - 1]).toBe(true);
          seen.push(id);
          rows += BigInt(batch.numRows);
          const writer = batch.getChild('writer')!.get(0) as string;
          if (i > 0) expect(writer.length).toBe(i);
          const first = batch.getChild('n')!.get(0) as bigint;
          expect(first >= (next.get(writer) ?? 0n)).toBe(true);
          next.set(writer, first + BigInt(batch.numRows));
        }
        expect(rows).toBe(rowCounts[i]);
      }
      expect(written.size).toBe(0);

      const popped = reports.flatMap((r) => r.popped).sort((x, y) => x - y);
      expect(popped).toEqual(Array.from({ length: JOBS }, (_, job) => job));
    } finally {
      await backend.close();
    }
  }, 60_000);
});
