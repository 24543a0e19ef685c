import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { toBytes } from '../../../src/common/bytes';
import type {
  FunctionStorage,
  GarbageCollectionReport,
  StorageScope,
} from '../../../src/providers/storage/function-storage';
import { GarbageCollector } from '../../../src/providers/storage/garbage-collector';
import { MemoryStorage } from '../../../src/providers/storage/memory-storage.provider';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GarbageCollector', () => {
  const expired: StorageScope = { kind: 'execution', id: toBytes('expired') };
  const live: StorageScope = { kind: 'execution', id: toBytes('live') };
  const ns = toBytes('ns');

  it('should collect expired scopes on its interval and keep live ones', async () => {
    const storage = new MemoryStorage();
    await storage.put(expired, ns, toBytes('k'), toBytes('v'));
    await storage.put(live, ns, toBytes('k'), toBytes('v'));
    await storage.renewLease(expired, 1);
    await storage.renewLease(live, 60_000);
    const reports: GarbageCollectionReport[] = [];
    const gc = new GarbageCollector(storage, { intervalMs: 10, onCollected: (r) => reports.push(r) }).start();
    await sleep(80);
    await gc.stop();
    expect(reports).toEqual([{ scopesCollected: 1 }]);
    expect(await storage.get(expired, ns, toBytes('k'))).toBeUndefined();
    expect(await storage.get(live, ns, toBytes('k'))).toBeDefined();
  });

  it('should leave collected executions remembered for tombstoneTtlMs, then forget them', async () => {
    const storage = new MemoryStorage();
    await storage.put(expired, ns, toBytes('k'), toBytes('v'));
    await storage.renewLease(expired, 1);
    await sleep(5);
    const gc = new GarbageCollector(storage, { tombstoneTtlMs: 1 });
    await gc.runOnce();
    expect((await storage.scopeStatus(expired)).state).toBe('collected');
    await sleep(5);
    await gc.runOnce();
    expect(await storage.scopeStatus(expired)).toEqual({ state: 'absent' });
  });

  it('should stop running after stop()', async () => {
    const storage = new MemoryStorage();
    const spy = jest.spyOn(storage, 'collectGarbage');
    const gc = new GarbageCollector(storage, { intervalMs: 5 }).start();
    await sleep(40);
    await gc.stop();
    expect(gc.running).toBe(false);
    const calls = spy.mock.calls.length;
    expect(calls).toBeGreaterThan(0);
    await sleep(40);
    expect(spy.mock.calls.length).toBe(calls);
  });

  it('should keep running after a failed collection and report the error', async () => {
    let attempts = 0;
    const storage = {
      backend: 'flaky',
      collectGarbage: async () => {
        if (++attempts === 1) throw new Error('database restarting');
        return { scopesCollected: 0 };
      },
    } as unknown as FunctionStorage;
    const errors: unknown[] = [];
    const gc = new GarbageCollector(storage, { intervalMs: 5, onError: (e) => errors.push(e) }).start();
    await sleep(60);
    await gc.stop();
    expect(errors).toHaveLength(1);
    expect(attempts).toBeGreaterThan(1);
  });

  it('should never run two collections at once', async () => {
    let active = 0;
    let maxActive = 0;
    const storage = {
      backend: 'slow',
      collectGarbage: async () => {
        maxActive = Math.max(maxActive, ++active);
        await sleep(20);
        active--;
        return { scopesCollected: 0 };
      },
    } as unknown as FunctionStorage;
    const gc = new GarbageCollector(storage, { intervalMs: 1 }).start();
    await Promise.all([gc.runOnce(), gc.runOnce()]);
    await sleep(50);
    await gc.stop();
    expect(maxActive).toBe(1);
  });

  it('should refuse a non-positive interval', () => {
    expect(() => new GarbageCollector(new MemoryStorage(), { intervalMs: 0 })).toThrow(
      /intervalMs must be a positive number/,
    );
  });

  it('should not keep a process alive', () => {
    const script = `
      const { GarbageCollector } = require(${JSON.stringify(join(__dirname, '../../../src/providers/storage/garbage-collector.ts'))});
      const { MemoryStorage } = require(${JSON.stringify(join(__dirname, '../../../src/providers/storage/memory-storage.provider.ts'))});
      new GarbageCollector(new MemoryStorage(), { intervalMs: 60000 }).start();`;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['-r', require.resolve('../../support/register-ts.js'), '-e', script], {
      timeout: 20_000,
    });
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
