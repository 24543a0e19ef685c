import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { bytesToText, toBytes, toHex } from '../../../src/common/bytes';
import type { FunctionStorage, StorageScope } from '../../../src/providers/storage/function-storage';
import { GarbageCollector } from '../../../src/providers/storage/garbage-collector';
import { createStorageFromEnv } from '../../../src/providers/storage/storage-from-env';

const register = require.resolve('../../support/register-ts.js');
const fixtures = join(__dirname, '../../fixtures/storage');
const WORKERS = 8;
const ITERATIONS = 120;
const QUEUED = 1000;
const LEASE_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line equal to `line`. */
  waitFor(line: string): Promise<void>;
  /** Every stdout line, once the process exited successfully. */
  readonly done: Promise<string[]>;
}

function startChild(script: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, ['-r', register, join(fixtures, script), ...args], {
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  let partial = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push(line);
      for (const w of waiters.filter((x) => x.line === line)) w.resolve();
    }
  });
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<string[]>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code, signal) =>
      code === 0 ? resolve(lines) : reject(new Error(`${script} exited with ${code ?? signal}:\n${stderr}`)),
    );
  });
  return {
    process: proc,
    done,
    waitFor: (line) =>
      lines.includes(line)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ line, resolve });
            done.then(() => reject(new Error(`${script} ended before printing "${line}"`)), reject);
          }),
  };
}

interface Backend {
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  /** Files the backend keeps beside its database (SQLite's spool segments). */
  files?(): string[];
  cleanup(): Promise<void>;
}

/** SQLite; `spoolBytes` 1 puts every log value in spool files, and 0 none. */
function sqliteBackend(spoolBytes: number): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'silo-multiprocess-'));
  const path = join(dir, 'storage.db');
  return {
    name: 'SqliteStorage',
    env: { SILO_STORAGE: 'sqlite', SILO_SQLITE_PATH: path, SILO_SQLITE_SPOOL_BYTES: String(spoolBytes) },
    files: () => (existsSync(`${path}-spool`) ? readdirSync(`${path}-spool`) : []),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgresBackend(url: string): Backend {
  // A fresh schema: the 8 children also race to create it.
  const schema = `silo_mp_${randomBytes(6).toString('hex')}`;
  return {
    name: 'PostgresStorage',
    env: { SILO_STORAGE: 'postgres', DATABASE_URL: url, SILO_POSTGRES_SCHEMA: schema },
    cleanup: async () => {
      const pool = new Pool({ connectionString: url, max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

const backends: Array<{ name: string; make: () => Backend }> = [
  { name: 'SqliteStorage', make: () => sqliteBackend(0) },
  { name: 'SqliteStorage with log values in spool files', make: () => sqliteBackend(1) },
];
const url = process.env.DATABASE_URL;
if (url) {
  backends.push({ name: 'PostgresStorage', make: () => postgresBackend(url) });
} else if (process.env.CI) {
  describe('PostgresStorage across processes', () => {
    it('should run in CI, where DATABASE_URL is required', () => {
      throw new Error('DATABASE_URL is not set but CI is: source .ci/start-postgres.sh before running the tests.');
    });
  });
} else {
  console.warn(
    'PostgresStorage multi-process tests skipped: DATABASE_URL is not set (source .ci/start-postgres.sh to run them).',
  );
  describe.skip('PostgresStorage across processes (needs DATABASE_URL)', () => {
    it('is skipped', () => undefined);
  });
}

describe.each(backends)('$name across processes', ({ make }) => {
  let backend: Backend;
  let storage: FunctionStorage;

  beforeAll(() => {
    backend = make();
  });
  beforeEach(() => {
    storage = createStorageFromEnv(backend.env);
  });
  afterEach(async () => {
    await storage.close();
  });
  afterAll(async () => {
    await backend.cleanup();
  });

  it(`should lose and duplicate nothing when ${WORKERS} processes append, count and pop at once`, async () => {
    const scope: StorageScope = { kind: 'execution', id: new Uint8Array(randomBytes(16)) };
    const queued = Array.from({ length: QUEUED }, (_, i) => `item-${i}`);
    await storage.queuePush(scope, toBytes('queue'), queued.map(toBytes));

    const children = Array.from({ length: WORKERS }, (_, w) =>
      startChild('storage-worker.child.ts', [String(w), toHex(scope.id), String(ITERATIONS)], backend.env),
    );
    await Promise.all(children.map((c) => c.waitFor('ready')));
    for (const c of children) c.process.stdin.end('go\n');
    const results = (await Promise.all(children.map((c) => c.done))).map(
      (lines) => JSON.parse(lines[lines.length - 1]) as { worker: number; ids: string[]; popped: string[] },
    );

    // Log: every value exactly once, ids strictly increasing in the log and per process.
    const log = await storage.logScan(scope, toBytes('log'), toBytes(''));
    expect(log).toHaveLength(WORKERS * ITERATIONS);
    for (let i = 1; i < log.length; i++) expect(log[i].id > log[i - 1].id).toBe(true);
    const expectedValues = results.flatMap((r) => Array.from({ length: ITERATIONS }, (_, i) => `${r.worker}:${i}`));
    expect(log.map((e) => bytesToText(e.value)).sort()).toEqual(expectedValues.sort());
    for (const r of results) {
      const ids = r.ids.map(BigInt);
      for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
    }
    expect(results.flatMap((r) => r.ids).sort()).toEqual(log.map((e) => String(e.id)).sort());

    // Counters: no increment lost.
    expect(await storage.counterGet(scope, toBytes('counters'), toBytes('total'))).toBe(BigInt(WORKERS * ITERATIONS));
    for (let w = 0; w < WORKERS; w++) {
      expect(await storage.counterGet(scope, toBytes('counters'), toBytes(`w${w}`))).toBe(
        BigInt((ITERATIONS * (ITERATIONS + 1)) / 2),
      );
    }

    // Queue: every item popped exactly once, each process saw them in FIFO order.
    const popped = results.flatMap((r) => r.popped);
    expect(popped).toHaveLength(QUEUED);
    expect(new Set(popped).size).toBe(QUEUED);
    for (const r of results) {
      const indexes = r.popped.map((v) => Number(v.slice('item-'.length)));
      for (let i = 1; i < indexes.length; i++) expect(indexes[i]).toBeGreaterThan(indexes[i - 1]);
    }
    expect(await storage.queueLength(scope, toBytes('queue'))).toBe(0);
    await storage.clearScope(scope);
    // Every process wrote its own spool segment; clearing the scope deleted them all.
    expect(backend.files?.() ?? []).toEqual([]);
  });

  it('should collect a SIGKILLed execution once its lease expires, and keep a live one intact', async () => {
    const killed: StorageScope = { kind: 'execution', id: new Uint8Array(randomBytes(16)) };
    const live: StorageScope = { kind: 'execution', id: new Uint8Array(randomBytes(16)) };
    const isListed = async (scope: StorageScope) =>
      (await storage.listScopes()).some((i) => i.scope.kind === scope.kind && toHex(i.scope.id) === toHex(scope.id));

    // The live execution: this process, renewing its short lease as a worker would.
    await storage.renewLease(live, LEASE_MS);
    await storage.put(live, toBytes('state'), toBytes('k'), toBytes('v'));
    await storage.append(live, toBytes('rows'), toBytes(''), toBytes('row'));
    await storage.counterAdd(live, toBytes('counters'), toBytes('rows'), 1n);
    await storage.queuePush(live, toBytes('work'), [toBytes('job')]);
    let renewing: Promise<void> = Promise.resolve();
    const renewal = setInterval(() => {
      renewing = storage.renewLease(live, LEASE_MS);
    }, LEASE_MS / 5);

    const gc = new GarbageCollector(storage, { intervalMs: 50 });
    try {
      const child = startChild('lease-holder.child.ts', [toHex(killed.id), String(LEASE_MS)], backend.env);
      await child.waitFor('written');
      expect(bytesToText((await storage.get(killed, toBytes('state'), toBytes('k')))!)).toBe('v');

      child.process.kill('SIGKILL');
      await expect(child.done).rejects.toThrow(/SIGKILL/);
      const info = (await storage.listScopes()).find((i) => toHex(i.scope.id) === toHex(killed.id));
      expect(info?.leaseExpiresAt).toBeDefined();

      // Its lease is still running: nothing may be collected yet.
      await storage.collectGarbage();
      expect(await storage.queueLength(killed, toBytes('work'))).toBe(1);

      gc.start();
      const deadline = Date.now() + 10_000;
      while ((await isListed(killed)) && Date.now() < deadline) await sleep(25);
      expect(Date.now()).toBeGreaterThanOrEqual(info!.leaseExpiresAt! - 50);

      expect(await isListed(killed)).toBe(false);
      expect(await storage.get(killed, toBytes('state'), toBytes('k'))).toBeUndefined();
      expect(await storage.logScan(killed, toBytes('rows'), toBytes(''))).toEqual([]);
      // Only the live execution's segment is left.
      expect(backend.files?.() ?? []).toHaveLength(backend.env.SILO_SQLITE_SPOOL_BYTES === '1' ? 1 : 0);
      expect(await storage.counterGet(killed, toBytes('counters'), toBytes('rows'))).toBe(0n);
      expect(await storage.queueLength(killed, toBytes('work'))).toBe(0);

      // Several lease periods passed; the renewed execution kept everything.
      expect(bytesToText((await storage.get(live, toBytes('state'), toBytes('k')))!)).toBe('v');
      expect(await storage.logScan(live, toBytes('rows'), toBytes(''))).toHaveLength(1);
      expect(await storage.counterGet(live, toBytes('counters'), toBytes('rows'))).toBe(1n);
      expect(await storage.queueLength(live, toBytes('work'))).toBe(1);
    } finally {
      clearInterval(renewal);
      await renewing;
      await gc.stop();
      await storage.clearScope(live);
    }
  });
});
