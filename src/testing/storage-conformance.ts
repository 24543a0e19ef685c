import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { BoundStorage } from '../providers/storage/bound-storage';
import { bytesToText, fromHex, toBytes, toHex } from '../common/bytes';
import type {
  FunctionStorage,
  StorageEntry,
  ScopeEnding,
  StorageScope,
  StorageScopeKind,
} from '../providers/storage/function-storage';

/**
 * Options of {@link describeStorageConformance}.
 *
 * @example
 * ```ts
 * describeStorageConformance('MyStorage', () => new MyStorage(), { counterWraparound: true, leaseExpiryWaitMs: 1_100 });
 * ```
 */
export interface StorageConformanceOptions {
  /**
   * Also require counters to wrap around at the int64 bounds, as the built-in backends
   * do (default false: only values inside the int64 range are checked).
   */
  readonly counterWraparound?: boolean;
  /** How long to wait for a 1 ms lease to expire (default 60 ms). Raise it for coarse clocks. */
  readonly leaseExpiryWaitMs?: number;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function freshScope(kind: StorageScopeKind = 'execution'): StorageScope {
  return { kind, id: new Uint8Array(randomBytes(16)) };
}

const b = (text: string): Uint8Array => toBytes(text);
const hexKeys = (rows: readonly StorageEntry[]): string[] => rows.map((r) => toHex(r.key));
const texts = (values: readonly Uint8Array[]): string[] => values.map(bytesToText);
const textKeys = (rows: readonly StorageEntry[]): string[] => rows.map((r) => bytesToText(r.key));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Registers a jest `describe` block proving that a {@link FunctionStorage} backend keeps
 * the storage contract: every method, ordering, atomic drains and pops, scope isolation,
 * leases and garbage collection, and the reserved framework namespace of
 * {@link BoundStorage}.
 *
 * `factory` is called before every test and the storage closed after it. Every test
 * works in fresh random scopes, so the factory may return storages over one shared
 * database; garbage collection is only ever asked to collect leases that really expired.
 *
 * @example
 * ```ts
 * import { describeStorageConformance } from 'vgi-silo/testing/storage';
 * import { RedisStorage } from '../src/redis-storage.provider';
 *
 * describeStorageConformance('RedisStorage', () => new RedisStorage({ url: process.env.REDIS_URL }));
 * ```
 */
export function describeStorageConformance(
  name: string,
  factory: () => Promise<FunctionStorage> | FunctionStorage,
  options: StorageConformanceOptions = {},
): void {
  const leaseWait = options.leaseExpiryWaitMs ?? 60;

  describe(`${name} (storage conformance)`, () => {
    let storage: FunctionStorage;
    let scope: StorageScope;
    const ns = b('ns');

    beforeEach(async () => {
      storage = await factory();
      scope = freshScope();
    });

    afterEach(async () => {
      await storage.close();
    });

    async function putTexts(keys: readonly string[], target: StorageScope = scope, namespace: Uint8Array = ns) {
      for (const k of keys) await storage.put(target, namespace, b(k), b(`v:${k}`));
    }

    describe('get and put', () => {
      it('should return undefined for a key that was never written', async () => {
        expect(await storage.get(scope, ns, b('missing'))).toBeUndefined();
      });

      it('should return what was put, and the latest value after an overwrite', async () => {
        await storage.put(scope, ns, b('k'), b('one'));
        expect(bytesToText((await storage.get(scope, ns, b('k')))!)).toBe('one');
        await storage.put(scope, ns, b('k'), b('two'));
        expect(bytesToText((await storage.get(scope, ns, b('k')))!)).toBe('two');
      });

      it('should keep an empty key and an empty value distinct from absence', async () => {
        await storage.put(scope, ns, new Uint8Array(0), new Uint8Array(0));
        const value = await storage.get(scope, ns, new Uint8Array(0));
        expect(value).toBeInstanceOf(Uint8Array);
        expect(value!.length).toBe(0);
      });

      it('should round-trip binary keys and values with NUL and 0xff bytes, and a 1 MiB value', async () => {
        const key = new Uint8Array([0, 255, 0, 1]);
        const big = new Uint8Array(randomBytes(1 << 20));
        await storage.put(scope, ns, key, big);
        const got = await storage.get(scope, ns, key);
        expect(got!.length).toBe(big.length);
        expect(toHex(got!)).toBe(toHex(big));
        expect(await storage.get(scope, ns, new Uint8Array([0, 255, 0]))).toBeUndefined();
      });

      it('should not alias stored bytes with the caller’s arrays', async () => {
        const value = b('abc');
        await storage.put(scope, ns, b('k'), value);
        value[0] = 0x7a;
        const got = (await storage.get(scope, ns, b('k')))!;
        expect(bytesToText(got)).toBe('abc');
        got[0] = 0x7a;
        expect(bytesToText((await storage.get(scope, ns, b('k')))!)).toBe('abc');
      });

      it('should keep namespaces apart', async () => {
        await storage.put(scope, b('a'), b('k'), b('in a'));
        await storage.put(scope, b('b'), b('k'), b('in b'));
        expect(bytesToText((await storage.get(scope, b('a'), b('k')))!)).toBe('in a');
        expect(bytesToText((await storage.get(scope, b('b'), b('k')))!)).toBe('in b');
      });

      it('should return getMany values in the order asked, undefined where absent', async () => {
        await putTexts(['x', 'y']);
        const got = await storage.getMany(scope, ns, [b('y'), b('nope'), b('x'), b('y')]);
        expect(got.map((v) => (v === undefined ? undefined : bytesToText(v)))).toEqual([
          'v:y',
          undefined,
          'v:x',
          'v:y',
        ]);
        expect(await storage.getMany(scope, ns, [])).toEqual([]);
      });

      it('should write every entry of putMany, the last one winning for a repeated key', async () => {
        await storage.putMany(scope, ns, [
          { key: b('a'), value: b('1') },
          { key: b('b'), value: b('2') },
          { key: b('a'), value: b('3') },
        ]);
        await storage.putMany(scope, ns, []);
        const rows = await storage.scan(scope, ns);
        expect(textKeys(rows)).toEqual(['a', 'b']);
        expect(texts(rows.map((r) => r.value))).toEqual(['3', '2']);
      });
    });

    describe('ordered scans', () => {
      const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'];

      it('should order keys bytewise (memcmp), not by text collation or signed bytes', async () => {
        const ascending = ['', '00', '0000', '01', '0100', '41', '61', '7f', '80', 'c3a9', 'ff', 'ff00'];
        const shuffled = ['ff', '41', '0100', 'c3a9', '', '80', 'ff00', '00', '61', '7f', '01', '0000'];
        for (const h of shuffled) await storage.put(scope, ns, fromHex(h), fromHex(h));
        expect(hexKeys(await storage.scan(scope, ns))).toEqual(ascending);
        expect(hexKeys(await storage.scan(scope, ns, { reverse: true }))).toEqual([...ascending].reverse());
        expect(hexKeys(await storage.scan(scope, ns, { start: fromHex('7f'), end: fromHex('ff') }))).toEqual([
          '7f',
          '80',
          'c3a9',
        ]);
      });

      it('should treat start as inclusive and end as exclusive', async () => {
        await putTexts(keys);
        expect(textKeys(await storage.scan(scope, ns, { start: b('k3') }))).toEqual(keys.slice(3));
        expect(textKeys(await storage.scan(scope, ns, { end: b('k3') }))).toEqual(['k0', 'k1', 'k2']);
        expect(textKeys(await storage.scan(scope, ns, { start: b('k3'), end: b('k6') }))).toEqual(['k3', 'k4', 'k5']);
        expect(textKeys(await storage.scan(scope, ns, { start: b('k35'), end: b('k6') }))).toEqual(['k4', 'k5']);
        expect(await storage.scan(scope, ns, { start: b('k3'), end: b('k3') })).toEqual([]);
        expect(await storage.scan(scope, ns, { start: b('k6'), end: b('k3') })).toEqual([]);
      });

      it('should return values with their keys', async () => {
        await putTexts(['k1', 'k2']);
        expect(texts((await storage.scan(scope, ns)).map((r) => r.value))).toEqual(['v:k1', 'v:k2']);
      });

      it('should scan in reverse and honour limit from the scan’s starting side', async () => {
        await putTexts(keys);
        expect(textKeys(await storage.scan(scope, ns, { start: b('k3'), end: b('k6'), reverse: true }))).toEqual([
          'k5',
          'k4',
          'k3',
        ]);
        expect(textKeys(await storage.scan(scope, ns, { limit: 2 }))).toEqual(['k0', 'k1']);
        expect(textKeys(await storage.scan(scope, ns, { reverse: true, limit: 2 }))).toEqual(['k9', 'k8']);
        expect(textKeys(await storage.scan(scope, ns, { start: b('k3'), reverse: true, limit: 3 }))).toEqual([
          'k9',
          'k8',
          'k7',
        ]);
        expect(textKeys(await storage.scan(scope, ns, { end: b('k3'), reverse: true, limit: 2 }))).toEqual([
          'k2',
          'k1',
        ]);
        expect(await storage.scan(scope, ns, { limit: 0 })).toEqual([]);
      });

      it('should not see keys of another namespace or scope', async () => {
        await putTexts(['a']);
        await putTexts(['b'], scope, b('other'));
        await putTexts(['c'], freshScope());
        expect(textKeys(await storage.scan(scope, ns))).toEqual(['a']);
      });
    });

    describe('drain', () => {
      it('should return exactly what the same scan returns and delete only that', async () => {
        await putTexts(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']);
        const drained = await storage.drain(scope, ns, { start: b('k2'), end: b('k8'), reverse: true, limit: 3 });
        expect(textKeys(drained)).toEqual(['k7', 'k6', 'k5']);
        expect(texts(drained.map((r) => r.value))).toEqual(['v:k7', 'v:k6', 'v:k5']);
        expect(textKeys(await storage.scan(scope, ns))).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k8', 'k9']);
        expect(textKeys(await storage.drain(scope, ns, { limit: 2 }))).toEqual(['k0', 'k1']);
        expect(textKeys(await storage.drain(scope, ns))).toEqual(['k2', 'k3', 'k4', 'k8', 'k9']);
        expect(await storage.scan(scope, ns)).toEqual([]);
        expect(await storage.drain(scope, ns)).toEqual([]);
      });

      it('should never hand the same entry to two concurrent drains', async () => {
        const keys = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, '0')}`);
        await storage.putMany(
          scope,
          ns,
          keys.map((k) => ({ key: b(k), value: b(k) })),
        );
        const results = await Promise.all(Array.from({ length: 6 }, () => storage.drain(scope, ns, { limit: 5 })));
        const seen = results.flatMap(textKeys);
        expect(new Set(seen).size).toBe(seen.length);
        const rest = textKeys(await storage.scan(scope, ns));
        expect([...seen, ...rest].sort()).toEqual(keys);
      });
    });

    describe('delete', () => {
      it('should delete the given keys and count only those that existed', async () => {
        await putTexts(['a', 'b', 'c']);
        expect(await storage.delete(scope, ns, [b('a'), b('zz'), b('c')])).toBe(2);
        expect(textKeys(await storage.scan(scope, ns))).toEqual(['b']);
        expect(await storage.delete(scope, ns, [])).toBe(0);
      });

      it('should delete a key range and keep keys outside it', async () => {
        await putTexts(['a', 'b', 'c', 'd']);
        expect(await storage.deleteRange(scope, ns, { start: b('b'), end: b('d') })).toBe(2);
        expect(textKeys(await storage.scan(scope, ns))).toEqual(['a', 'd']);
        expect(await storage.deleteRange(scope, ns, { start: b('b') })).toBe(1);
        expect(textKeys(await storage.scan(scope, ns))).toEqual(['a']);
      });

      it('should delete every key of one namespace only, leaving logs, counters and queues', async () => {
        await putTexts(['a', 'b']);
        await putTexts(['a'], scope, b('other'));
        await storage.append(scope, ns, b('a'), b('log'));
        await storage.counterAdd(scope, ns, b('a'), 7n);
        await storage.queuePush(scope, ns, [b('q')]);
        expect(await storage.deleteAll(scope, ns)).toBe(2);
        expect(await storage.scan(scope, ns)).toEqual([]);
        expect(textKeys(await storage.scan(scope, b('other')))).toEqual(['a']);
        expect(await storage.logScan(scope, ns, b('a'))).toHaveLength(1);
        expect(await storage.counterGet(scope, ns, b('a'))).toBe(7n);
        expect(await storage.queueLength(scope, ns)).toBe(1);
      });
    });

    describe('append-only logs', () => {
      it('should append in order and scan values with strictly increasing ids', async () => {
        const ids = [];
        for (const v of ['a', 'b', 'c']) ids.push(await storage.append(scope, ns, b('log'), b(v)));
        expect(ids[0] < ids[1] && ids[1] < ids[2]).toBe(true);
        const entries = await storage.logScan(scope, ns, b('log'));
        expect(entries.map((e) => e.id)).toEqual(ids);
        expect(texts(entries.map((e) => e.value))).toEqual(['a', 'b', 'c']);
      });

      it('should scan after an id and honour limit', async () => {
        const ids = [];
        for (const v of ['a', 'b', 'c']) ids.push(await storage.append(scope, ns, b('log'), b(v)));
        expect(texts((await storage.logScan(scope, ns, b('log'), { afterId: ids[0] })).map((e) => e.value))).toEqual([
          'b',
          'c',
        ]);
        expect(texts((await storage.logScan(scope, ns, b('log'), { limit: 1 })).map((e) => e.value))).toEqual(['a']);
        expect(
          texts((await storage.logScan(scope, ns, b('log'), { afterId: ids[0], limit: 1 })).map((e) => e.value)),
        ).toEqual(['b']);
        expect(await storage.logScan(scope, ns, b('log'), { afterId: ids[2] })).toEqual([]);
        expect(await storage.logScan(scope, ns, b('log'), { limit: 0 })).toEqual([]);
      });

      it('should page through a log exactly once with afterId + limit', async () => {
        for (let i = 0; i < 10; i++) await storage.append(scope, ns, b(''), b(`e${i}`));
        const seen: string[] = [];
        let afterId: bigint | undefined;
        for (;;) {
          const page = await storage.logScan(scope, ns, b(''), { afterId, limit: 3 });
          seen.push(...texts(page.map((e) => e.value)));
          if (page.length < 3) break;
          afterId = page[page.length - 1].id;
        }
        expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`));
      });

      it('should give ids that increase across logs, namespaces and scopes', async () => {
        const other = freshScope('attach');
        const targets: Array<[StorageScope, string, string]> = [
          [scope, 'ns', 'a'],
          [other, 'ns', 'a'],
          [scope, 'ns2', 'b'],
          [scope, 'ns', 'a'],
          [other, 'ns2', 'c'],
        ];
        const ids: bigint[] = [];
        for (const [s, n, k] of targets) ids.push(await storage.append(s, b(n), b(k), b('x')));
        for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
      });

      it('should give concurrent appends distinct ids and scan them in id order', async () => {
        const ids = await Promise.all(
          Array.from({ length: 25 }, (_, i) => storage.append(scope, ns, b('log'), b(String(i)))),
        );
        expect(new Set(ids).size).toBe(25);
        const scanned = await storage.logScan(scope, ns, b('log'));
        const sorted = [...ids].sort((x, y) => (x < y ? -1 : 1));
        expect(scanned.map((e) => e.id)).toEqual(sorted);
      });

      it('should keep logs apart by key, namespace and scope', async () => {
        await storage.append(scope, ns, b('a'), b('1'));
        await storage.append(scope, ns, b('b'), b('2'));
        await storage.append(scope, b('ns2'), b('a'), b('3'));
        await storage.append(freshScope(), ns, b('a'), b('4'));
        expect(texts((await storage.logScan(scope, ns, b('a'))).map((e) => e.value))).toEqual(['1']);
        expect(await storage.logScan(scope, ns, b('never'))).toEqual([]);
      });

      it('should delete a whole log and never reuse its ids', async () => {
        await storage.append(scope, ns, b('kept'), b('c'));
        await storage.append(scope, ns, b('log'), b('a'));
        // The deleted entries hold the newest ids: a backend reusing ids would hand one out again.
        const last = await storage.append(scope, ns, b('log'), b('b'));
        expect(await storage.logDelete(scope, ns, b('log'))).toBe(2);
        expect(await storage.logScan(scope, ns, b('log'))).toEqual([]);
        expect(await storage.logScan(scope, ns, b('kept'))).toHaveLength(1);
        expect(await storage.logDelete(scope, ns, b('log'))).toBe(0);
        expect((await storage.append(scope, ns, b('log'), b('c'))) > last).toBe(true);
      });

      it('should iterate a log page by page through BoundStorage.logEntries', async () => {
        const bound = BoundStorage.forUser(storage, scope);
        for (let i = 0; i < 5; i++) await bound.append('rows', '', b(`r${i}`));
        const seen: string[] = [];
        for await (const entry of bound.logEntries('rows', '', { pageSize: 2 })) seen.push(bytesToText(entry.value));
        expect(seen).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      });
    });

    describe('counters', () => {
      it('should start at 0 and add positive and negative deltas', async () => {
        expect(await storage.counterGet(scope, ns, b('c'))).toBe(0n);
        expect(await storage.counterAdd(scope, ns, b('c'), 5n)).toBe(5n);
        expect(await storage.counterAdd(scope, ns, b('c'), -8n)).toBe(-3n);
        expect(await storage.counterGet(scope, ns, b('c'))).toBe(-3n);
      });

      it('should hold values up to the int64 bounds exactly', async () => {
        expect(await storage.counterAdd(scope, ns, b('c'), 2n ** 62n)).toBe(2n ** 62n);
        expect(await storage.counterAdd(scope, ns, b('c'), 2n ** 62n - 1n)).toBe(INT64_MAX);
        expect(await storage.counterGet(scope, ns, b('c'))).toBe(INT64_MAX);
        expect(await storage.counterAdd(scope, ns, b('c'), -INT64_MAX)).toBe(0n);
        expect(await storage.counterAdd(scope, ns, b('c'), INT64_MIN)).toBe(INT64_MIN);
        expect(await storage.counterGet(scope, ns, b('c'))).toBe(INT64_MIN);
        expect(await storage.counterAdd(scope, ns, b('d'), 9_007_199_254_740_993n)).toBe(9_007_199_254_740_993n);
      });

      if (options.counterWraparound) {
        it('should wrap around at the int64 bounds', async () => {
          await storage.counterAdd(scope, ns, b('c'), INT64_MAX);
          expect(await storage.counterAdd(scope, ns, b('c'), 1n)).toBe(INT64_MIN);
          expect(await storage.counterAdd(scope, ns, b('c'), -1n)).toBe(INT64_MAX);
        });
      }

      it('should reset a deleted counter to 0', async () => {
        await storage.counterAdd(scope, ns, b('c'), 9n);
        await storage.counterDelete(scope, ns, b('c'));
        expect(await storage.counterGet(scope, ns, b('c'))).toBe(0n);
        expect(await storage.counterAdd(scope, ns, b('c'), 1n)).toBe(1n);
        await storage.counterDelete(scope, ns, b('never'));
      });

      it('should apply concurrent adds atomically, each seeing a distinct new value', async () => {
        const results = await Promise.all(Array.from({ length: 40 }, () => storage.counterAdd(scope, ns, b('c'), 1n)));
        expect(await storage.counterGet(scope, ns, b('c'))).toBe(40n);
        expect([...results].sort((x, y) => (x < y ? -1 : 1))).toEqual(
          Array.from({ length: 40 }, (_, i) => BigInt(i + 1)),
        );
      });

      it('should keep counters apart by key, namespace, scope, and from key/value entries', async () => {
        await storage.counterAdd(scope, ns, b('a'), 1n);
        await storage.counterAdd(scope, ns, b('b'), 2n);
        await storage.counterAdd(scope, b('ns2'), b('a'), 3n);
        await storage.counterAdd(freshScope(), ns, b('a'), 4n);
        await storage.put(scope, ns, b('a'), b('kv'));
        expect(await storage.counterGet(scope, ns, b('a'))).toBe(1n);
        expect(bytesToText((await storage.get(scope, ns, b('a')))!)).toBe('kv');
      });
    });

    describe('FIFO queues', () => {
      it('should pop in push order, one by default and up to max', async () => {
        await storage.queuePush(scope, ns, [b('a'), b('b')]);
        await storage.queuePush(scope, ns, [b('c')]);
        await storage.queuePush(scope, ns, []);
        expect(await storage.queueLength(scope, ns)).toBe(3);
        expect(texts(await storage.queuePop(scope, ns))).toEqual(['a']);
        expect(texts(await storage.queuePop(scope, ns, 5))).toEqual(['b', 'c']);
        expect(await storage.queuePop(scope, ns)).toEqual([]);
        expect(await storage.queueLength(scope, ns)).toBe(0);
      });

      it('should pop nothing with max 0', async () => {
        await storage.queuePush(scope, ns, [b('a')]);
        expect(await storage.queuePop(scope, ns, 0)).toEqual([]);
        expect(await storage.queueLength(scope, ns)).toBe(1);
      });

      it('should keep order over a large batch', async () => {
        const values = Array.from({ length: 500 }, (_, i) => `v${i}`);
        await storage.queuePush(scope, ns, values.map(b));
        const first = texts(await storage.queuePop(scope, ns, 200));
        const rest = texts(await storage.queuePop(scope, ns, 1000));
        expect([...first, ...rest]).toEqual(values);
      });

      it('should never hand one item to two concurrent pops', async () => {
        const values = Array.from({ length: 30 }, (_, i) => `v${String(i).padStart(2, '0')}`);
        await storage.queuePush(scope, ns, values.map(b));
        const pops = await Promise.all(Array.from({ length: 10 }, () => storage.queuePop(scope, ns, 4)));
        for (const batch of pops) {
          const batchTexts = texts(batch);
          expect(batchTexts).toEqual([...batchTexts].sort());
        }
        const all = pops.flatMap(texts);
        expect(all.sort()).toEqual(values);
      });

      it('should keep queues apart by namespace and scope', async () => {
        await storage.queuePush(scope, ns, [b('mine')]);
        await storage.queuePush(scope, b('ns2'), [b('other ns')]);
        await storage.queuePush(freshScope(), ns, [b('other scope')]);
        expect(texts(await storage.queuePop(scope, ns, 10))).toEqual(['mine']);
        expect(await storage.queueLength(scope, b('ns2'))).toBe(1);
      });
    });

    describe('scopes', () => {
      async function populate(target: StorageScope) {
        await storage.put(target, ns, b('k'), b('v'));
        await storage.put(target, b('ns2'), b('k'), b('v'));
        await storage.append(target, ns, b('log'), b('e'));
        await storage.counterAdd(target, ns, b('c'), 3n);
        await storage.queuePush(target, ns, [b('q')]);
      }

      async function expectPopulated(target: StorageScope) {
        expect(bytesToText((await storage.get(target, ns, b('k')))!)).toBe('v');
        expect(bytesToText((await storage.get(target, b('ns2'), b('k')))!)).toBe('v');
        expect(await storage.logScan(target, ns, b('log'))).toHaveLength(1);
        expect(await storage.counterGet(target, ns, b('c'))).toBe(3n);
        expect(await storage.queueLength(target, ns)).toBe(1);
      }

      /** No data left; `tombstone` says how the scope may still be listed (an ended execution). */
      async function expectEmpty(target: StorageScope, tombstone?: ScopeEnding) {
        expect(await storage.get(target, ns, b('k'))).toBeUndefined();
        expect(await storage.scan(target, b('ns2'))).toEqual([]);
        expect(await storage.logScan(target, ns, b('log'))).toEqual([]);
        expect(await storage.counterGet(target, ns, b('c'))).toBe(0n);
        expect(await storage.queueLength(target, ns)).toBe(0);
        expect((await listing(target))?.ended).toBe(tombstone);
        if (tombstone === undefined) expect(await listed(target)).toBe(false);
      }

      async function listing(target: StorageScope) {
        const all = await storage.listScopes({ tombstones: true });
        return all.find((info) => info.scope.kind === target.kind && toHex(info.scope.id) === toHex(target.id));
      }

      async function listed(target: StorageScope) {
        return (await listing(target)) !== undefined;
      }

      it('should clear one scope entirely and leave every other scope untouched', async () => {
        const other = freshScope();
        const otherKind = freshScope('attach');
        await populate(scope);
        await populate(other);
        await populate(otherKind);
        await storage.renewLease(scope, 600_000);
        await storage.clearScope(scope);
        await expectEmpty(scope);
        await expectPopulated(other);
        await expectPopulated(otherKind);
      });

      it('should keep an execution and an attach with the same id apart', async () => {
        const id = new Uint8Array(randomBytes(16));
        const execution: StorageScope = { kind: 'execution', id };
        const attach: StorageScope = { kind: 'attach', id };
        await storage.put(execution, ns, b('k'), b('execution'));
        await storage.put(attach, ns, b('k'), b('attach'));
        await storage.counterAdd(execution, ns, b('c'), 1n);
        await storage.queuePush(attach, ns, [b('q')]);
        expect(bytesToText((await storage.get(execution, ns, b('k')))!)).toBe('execution');
        expect(bytesToText((await storage.get(attach, ns, b('k')))!)).toBe('attach');
        expect(await storage.counterGet(attach, ns, b('c'))).toBe(0n);
        expect(await storage.queueLength(execution, ns)).toBe(0);
        await storage.clearScope(execution);
        expect(bytesToText((await storage.get(attach, ns, b('k')))!)).toBe('attach');
      });

      it('should not confuse scope ids and namespaces that concatenate to the same bytes', async () => {
        const base = randomBytes(8).toString('hex');
        const short: StorageScope = { kind: 'execution', id: b(`${base}a`) };
        const long: StorageScope = { kind: 'execution', id: b(`${base}ab`) };
        await storage.put(short, b('bc'), b('k'), b('short'));
        await storage.put(long, b('c'), b('k'), b('long'));
        expect(bytesToText((await storage.get(short, b('bc'), b('k')))!)).toBe('short');
        expect(await storage.get(short, b('c'), b('k'))).toBeUndefined();
        await storage.clearScope(short);
        expect(bytesToText((await storage.get(long, b('c'), b('k')))!)).toBe('long');
      });

      it('should list scopes holding data or a lease, with the lease expiry', async () => {
        const leased = freshScope('attach');
        await storage.put(scope, ns, b('k'), b('v'));
        const before = Date.now();
        await storage.renewLease(leased, 600_000);
        const all = await storage.listScopes();
        const mine = all.find((i) => i.scope.kind === 'execution' && toHex(i.scope.id) === toHex(scope.id));
        const theLeased = all.find((i) => i.scope.kind === 'attach' && toHex(i.scope.id) === toHex(leased.id));
        expect(mine).toBeDefined();
        expect(mine!.leaseExpiresAt).toBeUndefined();
        expect(theLeased).toBeDefined();
        // Generous bounds: a database server's clock may differ slightly from ours.
        expect(theLeased!.leaseExpiresAt).toBeGreaterThan(before + 600_000 - 10_000);
        expect(theLeased!.leaseExpiresAt).toBeLessThan(before + 600_000 + 10_000);
      });

      it('should stop listing a scope once all of its data is gone', async () => {
        await populate(scope);
        await storage.deleteAll(scope, ns);
        await storage.deleteAll(scope, b('ns2'));
        await storage.logDelete(scope, ns, b('log'));
        await storage.counterDelete(scope, ns, b('c'));
        expect(await listed(scope)).toBe(true);
        await storage.queuePop(scope, ns, 10);
        expect(await listed(scope)).toBe(false);
      });

      describe('leases and garbage collection', () => {
        it('should collect an expired scope, keep a live one and never touch an attach scope without a lease', async () => {
          const live = freshScope();
          const unleased = freshScope('attach');
          await populate(scope);
          await populate(live);
          await populate(unleased);
          await storage.renewLease(scope, 1);
          await storage.renewLease(live, 600_000);
          await sleep(leaseWait);
          const report = await storage.collectGarbage();
          expect(report.scopesCollected).toBeGreaterThanOrEqual(1);
          await expectEmpty(scope, 'collected');
          await expectPopulated(live);
          await expectPopulated(unleased);
          expect(await listed(live)).toBe(true);
          expect(await listed(unleased)).toBe(true);
        });

        it('should keep a scope whose short lease was renewed for longer', async () => {
          await populate(scope);
          await storage.renewLease(scope, 1);
          await storage.renewLease(scope, 600_000);
          await sleep(leaseWait);
          await storage.collectGarbage();
          await expectPopulated(scope);
        });

        it('should only collect leases that expired before the given time', async () => {
          await populate(scope);
          await storage.renewLease(scope, 1);
          await sleep(leaseWait);
          await storage.collectGarbage(Date.now() - 3_600_000);
          await expectPopulated(scope);
          await storage.collectGarbage();
          await expectEmpty(scope, 'collected');
        });

        it('should collect an attach lease that holds no data', async () => {
          const attach = freshScope('attach');
          await storage.renewLease(attach, 1);
          expect(await listed(attach)).toBe(true);
          await sleep(leaseWait);
          await storage.collectGarbage();
          expect(await listed(attach)).toBe(false);
        });

        it('should collect execution data written after its lease was removed (a late call after the destructor)', async () => {
          const live = freshScope();
          await storage.renewLease(scope, 600_000);
          await storage.renewLease(live, 600_000);
          await populate(live);
          await storage.clearScope(scope);
          // A late call on another worker writes after the destructor cleared the scope.
          await populate(scope);
          expect(await listed(scope)).toBe(true);
          const report = await storage.collectGarbage();
          expect(report.scopesCollected).toBeGreaterThanOrEqual(1);
          await expectEmpty(scope);
          expect(await listed(scope)).toBe(false);
          await expectPopulated(live);
        });

        it('should drop the lease with clearScope', async () => {
          await storage.renewLease(scope, 600_000);
          await storage.clearScope(scope);
          expect(await listed(scope)).toBe(false);
        });
      });

      describe('execution lifecycle (tombstones)', () => {
        const near = (actual: number | undefined, expected: number) => {
          // Generous bounds: a database server's clock may differ slightly from ours.
          expect(actual).toBeGreaterThan(expected - 10_000);
          expect(actual).toBeLessThan(expected + 10_000);
        };

        it('should report a scope that never took a lease as absent, and not lease it by extending', async () => {
          expect(await storage.scopeStatus(scope)).toEqual({ state: 'absent' });
          expect(await storage.extendLease(scope, 600_000)).toEqual({ state: 'absent' });
          expect(await storage.scopeStatus(scope)).toEqual({ state: 'absent' });
          expect(await listed(scope)).toBe(false);
        });

        it('should extend a live lease and report it live with its new expiry', async () => {
          await storage.renewLease(scope, 1_000);
          const before = Date.now();
          const status = await storage.extendLease(scope, 600_000);
          expect(status.state).toBe('live');
          near(status.expiresAt, before + 600_000);
          expect(await storage.scopeStatus(scope)).toEqual(status);
        });

        it('should end a scope: remove its data and lease, and leave a destroyed tombstone with its own lease', async () => {
          const other = freshScope();
          await populate(scope);
          await populate(other);
          await storage.renewLease(scope, 600_000);
          await storage.renewLease(other, 600_000);
          const before = Date.now();
          await storage.endScope(scope, 120_000);
          await expectEmpty(scope, 'destroyed');
          const status = await storage.scopeStatus(scope);
          expect(status.state).toBe('destroyed');
          near(status.expiresAt, before + 120_000);
          near((await listing(scope))?.leaseExpiresAt, before + 120_000);
          await expectPopulated(other);
          expect((await storage.scopeStatus(other)).state).toBe('live');
        });

        it('should list a tombstone only when asked, unless a late call wrote data under it', async () => {
          const shown = async () => (await storage.listScopes()).some((i) => toHex(i.scope.id) === toHex(scope.id));
          await storage.renewLease(scope, 600_000);
          await storage.endScope(scope, 120_000);
          expect(await shown()).toBe(false);
          expect(await listed(scope)).toBe(true);
          await storage.put(scope, ns, b('late'), b('v'));
          expect(await shown()).toBe(true);
        });

        it('should never revive a tombstone, neither by renewLease nor by extendLease', async () => {
          await storage.renewLease(scope, 600_000);
          await storage.endScope(scope, 120_000);
          const ended = await storage.scopeStatus(scope);
          await storage.renewLease(scope, 3_600_000);
          expect(await storage.extendLease(scope, 3_600_000)).toEqual(ended);
          expect(await storage.scopeStatus(scope)).toEqual(ended);
        });

        it('should keep data a late call writes under a tombstone only until the tombstone expires', async () => {
          await storage.renewLease(scope, 600_000);
          await storage.endScope(scope, 1);
          // A late call on another worker writes after the destructor ended the scope.
          await populate(scope);
          expect((await storage.scopeStatus(scope)).state).toBe('destroyed');
          await sleep(leaseWait);
          await storage.collectGarbage();
          await expectEmpty(scope);
          expect(await storage.scopeStatus(scope)).toEqual({ state: 'absent' });
        });

        it('should turn an expired execution lease into a collected tombstone for tombstoneTtlMs, then forget it', async () => {
          await populate(scope);
          await storage.renewLease(scope, 1);
          await sleep(leaseWait);
          const before = Date.now();
          await storage.collectGarbage(undefined, { tombstoneTtlMs: 120_000 });
          await expectEmpty(scope, 'collected');
          const status = await storage.scopeStatus(scope);
          expect(status.state).toBe('collected');
          near(status.expiresAt, before + 120_000);
          expect(await storage.extendLease(scope, 600_000)).toEqual(status);

          const short = freshScope();
          await storage.renewLease(short, 1);
          await sleep(leaseWait);
          // The tombstone this collection leaves has expired by the next one.
          await storage.collectGarbage(undefined, { tombstoneTtlMs: 1 });
          expect((await storage.scopeStatus(short)).state).toBe('collected');
          await sleep(leaseWait);
          await storage.collectGarbage();
          expect(await storage.scopeStatus(short)).toEqual({ state: 'absent' });
          expect(await listed(short)).toBe(false);
        });

        it('should collect an expired attach lease without leaving a tombstone', async () => {
          const attach = freshScope('attach');
          await populate(attach);
          await storage.renewLease(attach, 1);
          await sleep(leaseWait);
          await storage.collectGarbage();
          await expectEmpty(attach);
          expect(await storage.scopeStatus(attach)).toEqual({ state: 'absent' });
        });
      });
    });

    describe('BoundStorage', () => {
      it('should refuse namespaces reserved for the framework in the user view', async () => {
        const user = BoundStorage.forUser(storage, scope);
        const reserved = /reserved for the framework/;
        expect(() => user.put('\u0000silo:state', 'k', b('v'))).toThrow(reserved);
        expect(() => user.get(new Uint8Array([0]), 'k')).toThrow(reserved);
        expect(() => user.scan('\u0000x')).toThrow(reserved);
        expect(() => user.append('\u0000x', '', b('v'))).toThrow(reserved);
        expect(() => user.counterAdd('\u0000x', 'c', 1)).toThrow(reserved);
        expect(() => user.queuePush('\u0000x', [b('v')])).toThrow(reserved);
        await user.put('a\u0000b', 'k', b('fine'));
        expect(bytesToText((await user.get('a\u0000b', 'k'))!)).toBe('fine');
      });

      it('should keep the framework’s namespaces apart from the user’s and clear both', async () => {
        const user = BoundStorage.forUser(storage, scope);
        const framework = BoundStorage.forFramework(storage, scope);
        await framework.put('state', 'k', b('framework'));
        await user.put('state', 'k', b('user'));
        expect(bytesToText((await framework.get('state', 'k'))!)).toBe('framework');
        expect(bytesToText((await user.get('state', 'k'))!)).toBe('user');
        await user.clear();
        expect(await framework.get('state', 'k')).toBeUndefined();
        expect(await user.get('state', 'k')).toBeUndefined();
      });
    });

    it('should tolerate close() being called twice', async () => {
      await storage.close();
      await expect(storage.close()).resolves.toBeUndefined();
    });
  });
}
