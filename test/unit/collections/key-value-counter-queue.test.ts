import { Counter, KeyValue, Queue, bytesCodec, jsonCodec } from '../../../src/collections';
import type { BoundStorage } from '../../../src/providers/storage';
import { BACKENDS, type Backend } from './backends';

describe.each(BACKENDS)('Collections on %s', (_name, make) => {
  let backend: Backend;
  let storage: BoundStorage;
  beforeEach(() => {
    backend = make();
    storage = backend.bound();
  });
  afterEach(() => backend.close());

  describe('KeyValue', () => {
    interface Total {
      sum: number;
      count: bigint;
      last?: Date;
    }

    it('should get, put, replace, has and delete typed values', async () => {
      const totals = new KeyValue<Total>(storage, 'totals');
      await expect(totals.get('a')).resolves.toBeUndefined();
      await totals.put('a', { sum: 1.5, count: 2n, last: new Date(1000) });
      await totals.put('a', { sum: 3, count: 4n });
      await totals.put('', { sum: 0, count: 0n });
      expect(await totals.get('a')).toEqual({ sum: 3, count: 4n });
      expect([await totals.has('a'), await totals.has(''), await totals.has('b')]).toEqual([true, true, false]);
      expect([await totals.delete('a'), await totals.delete('a')]).toEqual([true, false]);
      expect(await totals.get('a')).toBeUndefined();
    });

    it('should read and write many at once, keeping the order of the keys', async () => {
      const kv = new KeyValue<number | null>(storage, 'many');
      await kv.putMany(
        new Map([
          ['x', 1],
          ['y', null],
          ['z', 3],
        ]),
      );
      await kv.putMany([
        ['w', 0],
        ['w', 5],
      ]);
      expect(await kv.getMany(['z', 'nope', 'y', 'w', 'x'])).toEqual([3, undefined, null, 5, 1]);
      expect(await kv.deleteMany(['x', 'z', 'nope'])).toBe(2);
      expect(await kv.getMany(['x', 'y', 'z'])).toEqual([undefined, null, undefined]);
    });

    it('should iterate entries in key order, page by page, optionally under a prefix', async () => {
      const kv = new KeyValue<bigint>(storage, 'ordered');
      const keys = ['b', 'a', 'ab', 'a\u0000', 'user:1', 'user:2', 'user:10', 'usera', 'ü', '\u{1F600}'];
      await kv.putMany(keys.map((k, i) => [k, BigInt(i)]));
      const all: string[] = [];
      for await (const [key, value] of kv.entries({ pageSize: 3 })) {
        all.push(key);
        expect(value).toBe(BigInt(keys.indexOf(key)));
      }
      expect(all).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      const users: string[] = [];
      for await (const [key] of kv.entries({ prefix: 'user:', pageSize: 1 })) users.push(key);
      expect(users).toEqual(['user:1', 'user:10', 'user:2']);
      expect(await kv.clear()).toBe(keys.length);
      expect((await kv.entries().next()).done).toBe(true);
    });

    it('should take a codec, and keep collections of other names and kinds apart', async () => {
      const blobs = new KeyValue(storage, 'same', { codec: bytesCodec });
      const json = new KeyValue<string>(storage, 'other');
      await blobs.put('k', new Uint8Array([1, 2]));
      await json.put('k', 'text');
      await new Counter(storage, 'same').add(5);
      await new Queue(storage, 'same').push('queued');
      expect([await blobs.get('k'), await json.get('k')]).toEqual([new Uint8Array([1, 2]), 'text']);
      expect(await storage.get('same', 'k')).toBeUndefined();
    });

    it('should refuse a codec option that is not a codec (SILO522)', () => {
      expect(() => new KeyValue(storage, 'kv', { codec: JSON as never })).toThrow(
        '[SILO522] KeyValue "kv": the codec option must be a Codec: { name, encode(value), decode(bytes) }, such as jsonCodec() (got an object).',
      );
      expect(() => new Queue(storage, 'q', { codec: (() => 1) as never })).toThrow(
        '[SILO522] Queue "q": the codec option must be a Codec',
      );
    });

    it('should refuse keys that are not strings (SILO522)', async () => {
      const kv = new KeyValue(storage, 'kv');
      await expect(kv.get(1 as never)).rejects.toThrow('[SILO522] KeyValue "kv".get(): keys are strings (got 1).');
      await expect(kv.put(new Uint8Array(1) as never, 1)).rejects.toThrow(
        '[SILO522] KeyValue "kv".put(): keys are strings (got a Uint8Array).',
      );
    });

    it('should write nothing when one value of putMany cannot be encoded', async () => {
      const kv = new KeyValue(storage, 'atomic', { codec: jsonCodec() });
      await expect(
        kv.putMany([
          ['a', 1],
          ['b', undefined],
        ]),
      ).rejects.toThrow('[SILO521] KeyValue "atomic": the value of key "b" cannot be written');
      expect(await kv.has('a')).toBe(false);
    });
  });

  describe('Counter', () => {
    it('should add, read and reset', async () => {
      const seen = new Counter(storage, 'seen');
      expect(await seen.get()).toBe(0n);
      expect(await seen.add()).toBe(1n);
      expect(await seen.add(41)).toBe(42n);
      expect(await seen.add(-2n)).toBe(40n);
      expect(await seen.get()).toBe(40n);
      await seen.reset();
      expect(await seen.get()).toBe(0n);
      expect(() => seen.add(1.5)).toThrow(
        '[SILO522] Counter "seen".add(): delta must be a bigint or a safe integer (got 1.5).',
      );
    });

    it('should lose no addition when two connections add at once', async () => {
      const a = new Counter(storage, 'shared');
      const b = new Counter(backend.reopen(storage), 'shared');
      await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).add(i)));
      expect(await b.get()).toBe(BigInt((99 * 100) / 2));
    });
  });

  describe('Queue', () => {
    it('should pop in push order, up to max at a time', async () => {
      const q = new Queue<{ file: string; size: bigint }>(storage, 'work');
      await q.push({ file: 'a', size: 1n });
      await q.pushAll([
        { file: 'b', size: 2n },
        { file: 'c', size: 3n },
        { file: 'd', size: 4n },
      ]);
      expect(await q.length()).toBe(4);
      expect(await q.pop()).toEqual([{ file: 'a', size: 1n }]);
      expect((await q.pop(2)).map((w) => w.file)).toEqual(['b', 'c']);
      expect((await q.pop(10)).map((w) => w.file)).toEqual(['d']);
      expect([await q.pop(), await q.length()]).toEqual([[], 0]);
      await expect(q.pop(0)).rejects.toThrow('[SILO522] Queue "work".pop(): max must be a positive integer (got 0).');
    });

    it('should hand each value to exactly one of two connections popping at once', async () => {
      const a = new Queue<number>(storage, 'jobs');
      const b = new Queue<number>(backend.reopen(storage), 'jobs');
      await a.pushAll(Array.from({ length: 200 }, (_, i) => i));
      const popped: number[] = [];
      await Promise.all(
        Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).pop(1 + (i % 5)).then((v) => popped.push(...v))),
      );
      const rest = await a.pop(1000);
      expect([...popped, ...rest].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    });

    it('should push nothing when one value cannot be encoded, and report undecodable values (SILO520)', async () => {
      const q = new Queue(storage, 'strict');
      await expect(q.pushAll([1, undefined])).rejects.toThrow(
        '[SILO521] Queue "strict": value 1 of pushAll() cannot be written with the json codec: undefined has no JSON form; store null instead.',
      );
      expect(await q.length()).toBe(0);
      await storage.queuePush('@queue:strict', [new Uint8Array([0xff, 0xfe])]);
      await expect(q.pop()).rejects.toThrow(
        '[SILO520] Queue "strict": value 0 of 1 popped could not be read with the json codec: the bytes are not UTF-8 JSON: 0xfffe (2 bytes).',
      );
    });
  });
});
