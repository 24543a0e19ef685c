/**
 * A worker serving a unix socket (vgi-wire §2.2): started with `--unix <path>`, it
 * accepts many connections, each its own sequential request loop in one process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { WorkerStartError } from '../client.error';
import { describeCommand, settlesWithin } from './worker-channel';
import { type ConnectionOptions, WorkerConnection } from './worker-connection';

/** A running unix-socket worker. */
export interface UnixWorker {
  readonly pid: number | null;
  readonly path: string;
  /** Opens a new connection to the worker. */
  connect(options?: ConnectionOptions): Promise<WorkerConnection>;
  /** The last lines of the worker's stderr. */
  stderrTail(): string;
  /** Stops the worker (SIGTERM, then SIGKILL after 2 s). */
  close(): Promise<void>;
}

/**
 * Starts `command --unix <path>` and waits until the socket accepts connections.
 *
 * @example
 * ```ts
 * const worker = await startUnixWorker([process.execPath, 'dist/samples/worker.js'], '/tmp/silo.sock');
 * const conn = await worker.connect();
 * await conn.call('catalog_catalogs', {});
 * await conn.close();
 * await worker.close();
 * ```
 */
export async function startUnixWorker(
  command: readonly string[],
  path: string,
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string; readonly timeoutMs?: number } = {},
): Promise<UnixWorker> {
  const argv = [...command, '--unix', path];
  const child = spawn(argv[0], argv.slice(1), {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-32 * 1024)));
  // Launch mode prints `UNIX:<path>`; nothing else is expected on stdout, but it must be drained.
  child.stdout!.resume();
  const exited = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve(`could not be started: ${e.message}`));
    child.once('close', (code, signal) => resolve(signal !== null ? `signal ${signal}` : `exit code ${code ?? '?'}`));
  });
  const tail = (): string => stderr.trimEnd().split('\n').slice(-25).join('\n');
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    if (existsSync(path)) {
      try {
        const probe = await WorkerConnection.connectUnix(path);
        await probe.close();
        break;
      } catch {
        // Bound but not listening yet, or a stale file: try again.
      }
    }
    if (await settlesWithin(exited, 50)) {
      throw new WorkerStartError(
        `The unix-socket worker (${describeCommand(argv)}) ended (${await exited}) before listening on ${path}. Its stderr:\n${tail()}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new WorkerStartError(
        `The unix-socket worker (${describeCommand(argv)}) did not listen on ${path} within ${options.timeoutMs ?? 15_000} ms. Its stderr:\n${tail()}`,
      );
    }
  }
  return {
    pid: child.pid ?? null,
    path,
    connect: (connection) => WorkerConnection.connectUnix(path, { ...connection, stderrTail: tail }),
    stderrTail: tail,
    close: () => stop(child, exited),
  };
}

async function stop(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await settlesWithin(exited, 2000))) child.kill('SIGKILL');
  await exited;
}
