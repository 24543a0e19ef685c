/**
 * The raw limit: the same Arrow IPC bytes the workloads move, piped through a child
 * process that only copies stdin to stdout. No framing, no decoding, no storage: what a
 * pipe round trip through a Node process costs on this machine, to put the workloads'
 * throughput in proportion.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';

/** The whole pass-through child: a `cat` in Node, so the copy costs what a Node worker's I/O costs. */
const PASS_THROUGH = 'process.stdin.pipe(process.stdout)';

/** Bytes per write call: large, so the figure is the pipe's best case (the client writes one ~80 KB request at a time). */
const WRITE_CHUNK = 1024 * 1024;

/**
 * Milliseconds to pipe `bytes` through a fresh pass-through child and read them all
 * back. The child's start-up is excluded: one byte makes a round trip before the clock
 * starts, so the figure is the steady-state cost of moving the bytes.
 *
 * @example
 * ```ts
 * const ms = await pipeThroughMs(inputAsIpc(input, 2048));
 * ```
 */
export async function pipeThroughMs(bytes: Uint8Array): Promise<number> {
  const child = spawn(process.execPath, ['-e', PASS_THROUGH], { stdio: ['pipe', 'pipe', 'inherit'] });
  const output = child.stdout;
  const input = child.stdin;
  let expected = 1;
  let received = 0;
  let done: () => void = () => undefined;
  let arrived = new Promise<void>((resolve) => (done = resolve));
  output.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received >= expected) done();
  });
  const write = async (data: Uint8Array) => {
    if (!input.write(data)) await once(input, 'drain');
  };

  await write(new Uint8Array([0]));
  await arrived;
  received = 0;
  expected = bytes.length;
  arrived = new Promise<void>((resolve) => (done = resolve));
  const started = performance.now();
  for (let at = 0; at < bytes.length; at += WRITE_CHUNK)
    await write(bytes.subarray(at, Math.min(bytes.length, at + WRITE_CHUNK)));
  await arrived;
  const ms = performance.now() - started;
  input.end();
  await once(child, 'close');
  return ms;
}
