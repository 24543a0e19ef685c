/**
 * An in-memory worker channel for connection tests: the test scripts the worker side
 * with the protocol's own response encoders, reading the client's bytes with the framer.
 */
import { PassThrough } from 'node:stream';
import { MessageFramer } from '../../../src/arrow';
import { type WorkerChannel } from '../../../src/client';

/** The worker end of a fake channel. */
export interface FakeWorker {
  /** Reads what the client sent, stream by stream. */
  readonly requests: MessageFramer;
  /** Writes response bytes to the client. */
  send(bytes: Uint8Array): void;
  /** Simulates the worker dying: output closes, `ended` settles with `how`. */
  die(how: string, stderr?: string): void;
}

/** A channel whose other end is scripted by the test. */
export function fakeChannel(): { channel: WorkerChannel; worker: FakeWorker } {
  const toClient = new PassThrough();
  const toWorker = new PassThrough();
  let settle: (how: string) => void = () => undefined;
  let stderr = '';
  let gone = false;
  const ended = new Promise<string>((resolve) => (settle = resolve));
  const channel: WorkerChannel = {
    label: 'worker pid 99 (fake)',
    pid: 99,
    readable: toClient,
    ended,
    stderrTail: () => stderr,
    write: async (bytes) => {
      if (gone) throw new Error('EPIPE');
      toWorker.write(bytes);
    },
    close: async () => {
      toWorker.end();
      gone = true;
      settle('exit code 0');
    },
    kill: () => undefined,
  };
  const worker: FakeWorker = {
    requests: new MessageFramer(toWorker),
    send: (bytes) => void toClient.write(bytes),
    die: (how, text = '') => {
      stderr = text;
      gone = true;
      toClient.end();
      settle(how);
    },
  };
  return { channel, worker };
}
