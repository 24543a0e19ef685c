/**
 * What the MessageFramer buffers for one request: a whole stream read at once counts as
 * one request, a stream read message by message counts each message alone; a length
 * prefix above the limit is refused before its bytes are awaited; a message that stalls
 * past the read timeout fails, an idle channel never does.
 */
import { PassThrough } from 'node:stream';
import {
  EMPTY_SCHEMA,
  IpcReadTimeoutError,
  IpcRequestTooLargeError,
  IpcStreamWriter,
  makeZeroColumnBatch,
  MessageFramer,
} from '../../../src/arrow';

/** A stream of `ticks` small batches, as a producer's ticks arrive, and its total size. */
function ticks(count: number): { bytes: Uint8Array[]; total: number } {
  const writer = new IpcStreamWriter(EMPTY_SCHEMA, 'ticks');
  const bytes = [
    ...Array.from({ length: count }, () => writer.write(makeZeroColumnBatch(0, { tick: 'x' }))),
    writer.end(),
  ];
  return { bytes, total: bytes.reduce((sum, b) => sum + b.length, 0) };
}

describe('MessageFramer limits', () => {
  it('should let a stream read message by message pass the request limit in total, each message within it', async () => {
    const { bytes, total } = ticks(50);
    const framer = new MessageFramer(PassThrough.from(bytes.map((b) => Buffer.from(b))), { maxRequestBytes: 1024 });
    expect(total).toBeGreaterThan(4 * 1024);
    const reader = await framer.openStream();
    let read = 0;
    while ((await reader!.next()) !== null) read += 1;
    expect(read).toBe(50);
  });

  it('should refuse the same stream read whole once it passes the limit, before the message that would cross it', async () => {
    const { bytes } = ticks(50);
    const framer = new MessageFramer(PassThrough.from(bytes.map((b) => Buffer.from(b))), { maxRequestBytes: 1024 });
    const error = await framer.readStream().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IpcRequestTooLargeError);
    expect(error).toMatchObject({ code: 'SILO414', failure: 'too-large', limit: 1024 });
    expect(framer.position).toBeLessThanOrEqual(1024);
  });

  it('should stop counting a stream read whole once its reader only drains it', async () => {
    const { bytes } = ticks(50);
    const framer = new MessageFramer(PassThrough.from(bytes.map((b) => Buffer.from(b))), { maxRequestBytes: 1024 });
    const reader = await framer.openStream({ whole: true });
    expect(await reader!.drain()).toBe(50);
  });

  it('should fail a message that stalls mid-way after the read timeout, and never time out between messages', async () => {
    const channel = new PassThrough();
    const framer = new MessageFramer(channel, { readTimeoutMs: 60 });
    const { bytes } = ticks(2);
    const reader = framer.openStream();
    channel.write(bytes[0]);
    const opened = await reader;
    expect(await opened!.next()).not.toBeNull();
    // Idle well past the timeout between two messages: not a stall.
    await new Promise((done) => setTimeout(done, 150));
    channel.write(bytes[1].subarray(0, 10));
    const error = await opened!.next().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IpcReadTimeoutError);
    expect(error).toMatchObject({ code: 'SILO415', failure: 'timeout', timeoutMs: 60 });
    expect((error as Error).message).toContain(
      'the message that starts here did not arrive completely (2 byte(s) received) within 60 ms',
    );
  });
});
