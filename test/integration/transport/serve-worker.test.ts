/**
 * `serveWorker` and the unix-socket listener in-process (`exitProcess: false`): argument
 * errors, the stdio loop over in-memory streams, and what may already sit at a socket path.
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  LOGGER,
  MemoryLogger,
  MemoryStorage,
  SEALER,
  STORAGE,
  SecretSealer,
  bootstrapWorker,
  type SiloWorker,
} from '../../../src';
import { decodeFrames, MessageFramer } from '../../../src/arrow';
import { decodeUnaryResponse, encodeRequest } from '../../../src/protocol';
import { RequestHandler } from '../../../src/server';
import { listenUnixSocket, serveWorker, TransportArgumentError } from '../../../src/transport';
import { ConformanceModule } from '../../../samples/conformance/conformance.module';

describe('serveWorker without owning the process', () => {
  let worker: SiloWorker;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'silo-serve-'));
    worker = await bootstrapWorker({
      catalog: 'example',
      modules: [ConformanceModule],
      providers: [
        { provide: STORAGE, useValue: new MemoryStorage() },
        { provide: SEALER, useValue: new SecretSealer(new Uint8Array(randomBytes(32)), 'test key') },
        { provide: LOGGER, useValue: new MemoryLogger('warn') },
      ],
    });
  });

  afterAll(async () => {
    await worker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should reject unknown arguments with the usage', async () => {
    await expect(serveWorker(worker, ['--tcp', '9000'], { exitProcess: false })).rejects.toThrow(
      TransportArgumentError,
    );
  });

  it('should serve stdio streams until their input ends', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const served = serveWorker(worker, [], { exitProcess: false, stdio: { input, output } });
    input.write(encodeRequest('catalog_catalogs', {}));
    const frames = await new MessageFramer(output).readStream();
    expect(
      decodeUnaryResponse('catalog_catalogs', decodeFrames([frames!.schema, ...frames!.messages])).result.map(
        (c) => c.name,
      ),
    ).toEqual(['example']);
    input.end();
    await expect(served).resolves.toBeUndefined();
  });

  it('should serve a unix socket and stop once its last client has been gone for the idle timeout', async () => {
    const lines: string[] = [];
    const path = join(dir, 'idle.sock');
    let left = 0;
    // One client connects right after the announcement and leaves at once.
    const visit = (): void => {
      const client = connect(path, () => client.end());
      client.once('close', () => (left = Date.now()));
    };
    await serveWorker(worker, ['--unix', path, '--idle-timeout', '0.3'], {
      exitProcess: false,
      announce: (line) => (lines.push(line), visit()),
    });
    expect(left).toBeGreaterThan(0);
    expect(Date.now() - left).toBeGreaterThanOrEqual(250);
    expect(lines).toEqual([`UNIX:${path}\n`]);
    expect(existsSync(path)).toBe(false);
  });

  describe('listenUnixSocket at an occupied path', () => {
    const listen = (path: string) =>
      listenUnixSocket(new RequestHandler(worker), { path, idleTimeoutSeconds: null, announce: () => undefined });

    it('should replace the socket file a dead worker left behind', async () => {
      const path = join(dir, 'stale.sock');
      // A process killed while listening leaves its socket file.
      spawnSync(process.execPath, [
        '-e',
        `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
      ]);
      expect(existsSync(path)).toBe(true);
      const server = await listen(path);
      await server.close();
      expect(existsSync(path)).toBe(false);
    });

    it("should refuse a live server's socket and any file that is not a socket", async () => {
      const live = join(dir, 'live.sock');
      const other: Server = createServer();
      await new Promise<void>((done) => other.listen(live, done));
      await expect(listen(live)).rejects.toThrow(/\[SILO426\] Another process already serves unix socket .*live\.sock/);
      await new Promise<void>((done) => other.close(() => done()));

      const file = join(dir, 'notes.txt');
      writeFileSync(file, 'keep me');
      await expect(listen(file)).rejects.toThrow(/a file that is not a socket is in the way/);
      expect(existsSync(file)).toBe(true);
    });
  });
});
