import { PassThrough, Readable } from 'node:stream';
import { RecordBatchStreamWriter } from 'apache-arrow';
import {
  EMPTY_SCHEMA,
  field,
  IpcFramingError,
  IpcStreamWriter,
  joinFrames,
  makeRecordBatch,
  makeRowsBatch,
  makeZeroColumnBatch,
  MessageFramer,
  readColumn,
  readIpcStream,
  schemaOf,
  serializeBatch,
  serializeBatches,
  serializeSchema,
  wire,
} from '../../../src/arrow';

const DATA_SCHEMA = schemaOf([
  field('x', wire.int64(), true),
  field('name', wire.utf8(), true),
  field('kind', wire.dict(), false),
]);

/** Three streams back to back: a request-like 0-column batch, a 2-batch data stream, a schema-only stream. */
function threeStreams(): Uint8Array[] {
  const request = serializeBatch(makeZeroColumnBatch(1, { 'vgi_rpc.method': 'catalog_catalogs' }));
  const data = serializeBatches(DATA_SCHEMA, [
    makeRowsBatch(
      DATA_SCHEMA,
      [
        { x: 1n, name: 'a', kind: 'TABLE' },
        { x: 2n, name: null, kind: 'VIEW' },
      ],
      { seq: '1' },
    ),
    makeRowsBatch(DATA_SCHEMA, [{ x: 3n, name: 'c', kind: 'TABLE' }], { seq: '2' }),
  ]);
  const schemaOnly = serializeSchema(schemaOf([field('v', wire.float64(), false)]));
  return [request, data, schemaOnly];
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));
}

function sourceOf(chunks: readonly Uint8Array[]): Readable {
  return Readable.from(chunks.map((c) => Buffer.from(c)));
}

async function* chunksOf(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

/** Each stream's bytes as base64 (cheap to compare thousands of times). */
async function collectStreamBytes(framer: MessageFramer): Promise<string[]> {
  const out: string[] = [];
  for (let s = await framer.readStream(); s !== null; s = await framer.readStream()) {
    out.push(Buffer.from(joinFrames([s.schema, ...s.messages], true)).toString('base64'));
  }
  return out;
}

describe('MessageFramer', () => {
  it('should read consecutive streams one at a time without consuming the next one', async () => {
    const framer = new MessageFramer(sourceOf([concat(threeStreams())]));

    const first = await framer.openStream();
    expect(first!.schema.fields).toHaveLength(0);
    const request = await first!.next();
    expect(request!.numRows).toBe(1);
    expect(request!.metadata.get('vgi_rpc.method')).toBe('catalog_catalogs');
    expect(await first!.next()).toBeNull();

    const second = await framer.openStream();
    expect(second!.schema.fields.map((f) => f.name)).toEqual(['x', 'name', 'kind']);
    const b1 = await second!.next();
    const b2 = await second!.next();
    expect(readColumn(b1!, 'x')).toEqual([1n, 2n]);
    expect(readColumn(b1!, 'kind')).toEqual(['TABLE', 'VIEW']);
    expect(b2!.metadata.get('seq')).toBe('2');
    expect(await second!.next()).toBeNull();

    const third = await framer.openStream();
    expect(third!.schema.fields[0].name).toBe('v');
    expect(await third!.next()).toBeNull();

    expect(await framer.openStream()).toBeNull();
  });

  it('should give identical streams whatever byte boundary the channel splits the input at', async () => {
    const whole = concat(threeStreams());
    const expected = await collectStreamBytes(new MessageFramer(sourceOf([whole])));
    expect(expected).toHaveLength(3);
    for (let cut = 1; cut < whole.length; cut++) {
      const framer = new MessageFramer(chunksOf([whole.subarray(0, cut), whole.subarray(cut)]));
      expect(await collectStreamBytes(framer)).toEqual(expected);
    }
  });

  it('should decode every batch when the bytes arrive one at a time', async () => {
    const whole = concat(threeStreams());
    const oneByteChunks = Array.from(whole, (b) => Uint8Array.of(b));
    const framer = new MessageFramer(sourceOf(oneByteChunks));
    await (await framer.openStream())!.drain();
    const data = await framer.openStream();
    const rows: unknown[] = [];
    for (let b = await data!.next(); b !== null; b = await data!.next()) rows.push(...readColumn(b, 'name'));
    expect(rows).toEqual(['a', null, 'c']);
  });

  it('should hand out each batch as soon as its bytes arrive, before the stream ends (lockstep ticks)', async () => {
    const channel = new PassThrough();
    const framer = new MessageFramer(channel);
    const ticks = new IpcStreamWriter(EMPTY_SCHEMA);
    channel.write(ticks.start());
    const input = await framer.openStream();
    expect(input).not.toBeNull();

    channel.write(ticks.write(makeZeroColumnBatch(0)));
    const tick = await input!.next();
    expect(tick!.numRows).toBe(0);
    expect(input!.done).toBe(false);

    channel.write(ticks.write(makeZeroColumnBatch(0, { 'vgi_rpc.cancel': '1' })));
    expect((await input!.next())!.metadata.get('vgi_rpc.cancel')).toBe('1');

    channel.end(ticks.end());
    expect(await input!.next()).toBeNull();
    expect(await framer.openStream()).toBeNull();
  });

  it('should hand back a stream as bytes that read exactly like the original', async () => {
    const [request, data] = threeStreams();
    const framer = new MessageFramer(sourceOf([request, data]));
    const first = await framer.readStreamBytes();
    expect(Buffer.from(first!).equals(Buffer.from(request))).toBe(true);
    expect(readColumn(readIpcStream((await framer.readStreamBytes())!).batches[1], 'x')).toEqual([3n]);
    expect(await framer.readStreamBytes()).toBeNull();
  });

  it('should accept the legacy framing without continuation markers', async () => {
    const batch = makeRowsBatch(DATA_SCHEMA, [{ x: 7n, name: 'legacy', kind: 'TABLE' }]);
    const legacy = new RecordBatchStreamWriter({ writeLegacyIpcFormat: true }).writeAll([batch]).toUint8Array(true);
    expect(Array.from(legacy.subarray(0, 4))).not.toEqual([0xff, 0xff, 0xff, 0xff]);
    const framer = new MessageFramer(sourceOf([legacy, legacy]));
    for (let i = 0; i < 2; i++) {
      const stream = await framer.openStream();
      expect(readColumn((await stream!.next())!, 'name')).toEqual(['legacy']);
      expect(await stream!.next()).toBeNull();
    }
    expect(await framer.openStream()).toBeNull();
  });

  it('should report a clean EOF between streams as null and an EOF inside a stream as a truncation', async () => {
    const [request] = threeStreams();
    expect(await new MessageFramer(sourceOf([])).readStream()).toBeNull();
    expect(await new MessageFramer(sourceOf([request])).readStream()).not.toBeNull();

    for (const cut of [3, 7, 20, request.length - 8, request.length - 1]) {
      const framer = new MessageFramer(sourceOf([request.subarray(0, cut)]));
      await expect(framer.readStream()).rejects.toMatchObject({ failure: 'truncated', code: 'SILO410' });
    }
  });

  it('should refuse garbage bytes with a typed error instead of waiting for more input', async () => {
    const cases: [Uint8Array, string][] = [
      [Buffer.from('HELLO WORLD, NOT ARROW AT ALL'), 'too-large'],
      [Uint8Array.of(0xfe, 0xff, 0xff, 0xff, 1, 2, 3, 4), 'bad-prefix'],
      [Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xf0, 0xff, 0xff, 0xff), 'bad-prefix'],
      [concat([Uint8Array.of(0xff, 0xff, 0xff, 0xff, 16, 0, 0, 0), new Uint8Array(16)]), 'bad-message'],
    ];
    for (const [bytes, failure] of cases) {
      const framer = new MessageFramer(sourceOf([bytes]));
      const error = await framer.readStream().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IpcFramingError);
      expect(error).toMatchObject({ failure });
    }
  });

  it('should refuse a message larger than the configured limit', async () => {
    const big = serializeBatch(makeRecordBatch(schemaOf([field('s', wire.utf8(), false)]), { s: ['x'.repeat(4096)] }));
    const framer = new MessageFramer(sourceOf([big]), { maxBodyBytes: 1024 });
    await expect(framer.readStream()).rejects.toThrow(/exceeds the limit of 1024 bytes/);
  });

  it('should refuse a stream that does not start with a schema', async () => {
    const [request] = threeStreams();
    const framer = new MessageFramer(sourceOf([Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0), request]));
    await expect(framer.readStream()).rejects.toMatchObject({ failure: 'bad-sequence' });
  });

  it('should refuse to open the next stream while the previous one is unfinished', async () => {
    const framer = new MessageFramer(sourceOf([concat(threeStreams())]));
    await framer.openStream();
    await expect(framer.openStream()).rejects.toThrow(/has not reached its EOS/);
  });

  it('should refuse a second read while one is waiting for bytes, and still deliver both streams to sequential reads', async () => {
    // Two reads at once used to each pull chunks; with both answers in one chunk, the
    // second read waited forever for bytes the first had already taken.
    const channel = new PassThrough();
    const framer = new MessageFramer(channel);
    const first = framer.readStream();
    await expect(framer.readStream()).rejects.toThrow(/a read is already in progress on this channel/);
    const [request, data] = threeStreams();
    channel.write(concat([request, data]));
    expect((await first)!.messages).toHaveLength(1);
    const second = (await framer.readStream())!.messages;
    expect(second.map((m) => m.kind)).toEqual(['dictionary', 'record-batch', 'dictionary', 'record-batch']);
  });
});
