/**
 * The AF_UNIX transport (vgi-wire §2.2) as DuckDB's `launch:` locations use it: the worker
 * announces its socket, serves concurrent connections each as its own request loop, and
 * exits once no client has been connected for the idle timeout.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { decodeFrames, field, IpcStreamWriter, MessageFramer, schemaOf, wire } from '../../../src/arrow';
import {
  decodeInitHeader,
  decodeUnaryResponse,
  encodeRequest,
  type MethodName,
  type RequestInputs,
  type ResultOutputs,
  remoteErrorFrom,
} from '../../../src/protocol';
import { CONFORMANCE_MAIN, sharedEnvironment, type SharedEnvironment } from '../../fixtures/wire/wire-driver';

const REGISTER = join(__dirname, '..', '..', 'support', 'register-ts.js');
const IDLE_SECONDS = 1.5;

/** One client connection to the socket. */
class SocketClient {
  private readonly framer: MessageFramer;
  private constructor(readonly socket: Socket) {
    this.framer = new MessageFramer(socket);
  }

  static open(path: string): Promise<SocketClient> {
    return new Promise((done, fail) => {
      const socket = connect(path);
      socket.once('connect', () => done(new SocketClient(socket)));
      socket.once('error', fail);
    });
  }

  async read() {
    const frames = await this.framer.readStream();
    if (frames === null) throw new Error('the worker closed the connection');
    return decodeFrames([frames.schema, ...frames.messages]);
  }

  async call<M extends MethodName>(method: M, params: RequestInputs[M]): Promise<ResultOutputs[M]> {
    this.socket.write(encodeRequest(method, params));
    return decodeUnaryResponse(method, await this.read()).result;
  }

  /** Resolves once the worker ended the connection (after the client's own bytes). */
  closedByPeer(): Promise<void> {
    return new Promise((done) => {
      this.socket.resume();
      this.socket.once('end', done);
    });
  }
}

describe('the unix socket transport', () => {
  let shared: SharedEnvironment;
  let child: ChildProcessWithoutNullStreams;
  let socketPath: string;
  let announced: string;
  let exited: Promise<{ code: number | null; at: number }>;
  let lastClientLeft: number;

  beforeAll(async () => {
    shared = sharedEnvironment();
    // A relative path: the worker must announce it made absolute.
    child = spawn(
      process.execPath,
      ['-r', REGISTER, CONFORMANCE_MAIN, '--unix', 'w.sock', '--idle-timeout', String(IDLE_SECONDS)],
      { env: shared.env, cwd: shared.dir },
    );
    exited = new Promise((done) => child.once('exit', (code) => done({ code, at: Date.now() })));
    announced = await new Promise<string>((done, fail) => {
      let text = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('\n')) done(text);
      });
      child.once('exit', (code) => fail(new Error(`the worker exited (${code}) before announcing its socket`)));
    });
    socketPath = join(shared.dir, 'w.sock');
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    shared.dispose();
  });

  it('should announce exactly UNIX:<absolute path> and a newline on stdout', () => {
    expect(announced).toBe(`UNIX:${socketPath}\n`);
    expect(existsSync(socketPath)).toBe(true);
  });

  it('should serve two connections concurrently, each its own sequential request loop', async () => {
    const [one, two] = await Promise.all([SocketClient.open(socketPath), SocketClient.open(socketPath)]);
    const input = schemaOf([field('x', wire.int64(), true)]);
    const bindCall = { functionName: 'buffer_input', inputSchema: input, schemaPath: ['main'] };
    // Connection one stops in the middle of a stream: header out, input not yet closed.
    one.socket.write(encodeRequest('init', { bindCall, outputSchema: input, phase: 'TABLE_BUFFERING' }));
    const header = decodeInitHeader(await one.read()).result;
    expect(header.executionId).toHaveLength(16);

    // Connection two is not blocked by it: its requests are answered one after the other.
    const catalogs = await two.call('catalog_catalogs', {});
    expect(catalogs.map((c) => c.name)).toEqual(['example']);
    expect(await two.call('bind', bindCall)).toMatchObject({ outputSchema: input });

    one.socket.write(new IpcStreamWriter(input, 'sink input').end());
    const output = await one.read();
    expect([output.schema.fields.map((f) => f.name), output.batches.length]).toEqual([['x'], 0]);
    expect(await one.call('catalog_version', { attachOpaqueData: Uint8Array.of(1) })).toBe(1n);
    one.socket.end();
    two.socket.end();
  });

  it('should close only the connection whose bytes are not Arrow IPC', async () => {
    const [bad, good] = await Promise.all([SocketClient.open(socketPath), SocketClient.open(socketPath)]);
    bad.socket.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    const refusal = await bad.read();
    expect(remoteErrorFrom(refusal.batches[0].metadata).exceptionType).toBe('ProtocolError');
    await bad.closedByPeer();
    expect(await good.call('catalog_catalogs', {})).toHaveLength(1);
    bad.socket.destroy();
    await new Promise((done) => good.socket.end(() => good.socket.once('close', done)));
    lastClientLeft = Date.now();
  });

  it('should exit with status 0 once no client was connected for the idle timeout, removing the socket', async () => {
    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - lastClientLeft).toBeGreaterThanOrEqual(IDLE_SECONDS * 1000 - 200);
    expect(existsSync(socketPath)).toBe(false);
  });
});
