/**
 * The byte channel under a {@link WorkerConnection}: a worker child process's stdin and
 * stdout (vgi-wire §2.1), or a unix socket (§2.2). Besides moving bytes it knows how the
 * peer ended and keeps the tail of the worker's stderr, so a crash is reported with the
 * worker's own last words instead of a hang or a bare "EOF".
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { type Readable } from 'node:stream';
import { WorkerStartError } from '../client.error';

/** A duplex byte channel to one worker. */
export interface WorkerChannel {
  /** Names the worker in errors, e.g. `worker pid 4242 (node dist/samples/worker.js)`. */
  readonly label: string;
  /** The worker's process id; `null` for a socket whose server this client did not start. */
  readonly pid: number | null;
  /** The worker's response bytes. */
  readonly readable: Readable;
  /** Writes request bytes; rejects when the worker is gone. */
  write(bytes: Uint8Array): Promise<void>;
  /** Settles (never rejects) once the peer is gone, with how it ended: `exit code 1`, `signal SIGKILL`, ... */
  readonly ended: Promise<string>;
  /** The last lines of the worker's stderr ('' for a socket). */
  stderrTail(): string;
  /** Ends the channel cleanly (stdin EOF, then waits for the worker to exit; escalates to signals). */
  close(): Promise<void>;
  /** Ends the worker at once (SIGKILL), e.g. after a cancel, as DuckDB drops such connections. */
  kill(): void;
}

/** Options of {@link spawnWorkerChannel}. */
export interface SpawnOptions {
  /** The worker's environment. Default: this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called with every stderr chunk (e.g. to pass worker logs through); the tail is kept regardless. */
  readonly onStderr?: (chunk: string) => void;
  /** How long {@link WorkerChannel.close} waits after stdin EOF before SIGTERM, then SIGKILL. Default 2000 ms. */
  readonly exitGraceMs?: number;
}

const STDERR_KEEP_BYTES = 32 * 1024;
const STDERR_TAIL_LINES = 25;

/**
 * Starts a worker process with piped stdio.
 *
 * @example
 * ```ts
 * const channel = spawnWorkerChannel([process.execPath, 'dist/samples/worker.js'], { env: { ...process.env, SILO_STORAGE: 'sqlite' } });
 * channel.label; // 'worker pid 4242 (node dist/samples/worker.js)'
 * ```
 */
export function spawnWorkerChannel(command: readonly string[], options: SpawnOptions = {}): WorkerChannel {
  if (command.length === 0 || command[0] === '')
    throw new WorkerStartError(
      'The worker command is empty. Give the program and its arguments, e.g. ["node", "worker.js"].',
    );
  // Its own process group: a Ctrl-C in the terminal (or a signal to the caller's whole
  // group) reaches only the client, which then cancels the run and still runs the
  // destructor on its workers. A worker whose client died sees its stdin close and exits.
  const child = spawn(command[0], command.slice(1), {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  return new ChildChannel(child, command, options);
}

class ChildChannel implements WorkerChannel {
  readonly label: string;
  readonly pid: number | null;
  readonly readable: Readable;
  readonly ended: Promise<string>;
  private stderr = '';
  private gone: string | null = null;

  constructor(
    private readonly child: ChildProcess,
    command: readonly string[],
    private readonly options: SpawnOptions,
  ) {
    this.pid = child.pid ?? null;
    this.label = `worker pid ${this.pid ?? '?'} (${describeCommand(command)})`;
    this.readable = child.stdout!;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEEP_BYTES);
      options.onStderr?.(chunk);
    });
    // Without a listener an EPIPE on a dead worker's stdin would crash this process.
    child.stdin!.on('error', () => undefined);
    this.ended = new Promise((resolve) => {
      child.once('error', (error) => {
        this.gone = `could not be started: ${error.message}`;
        resolve(this.gone);
      });
      // 'close' (not 'exit') comes after stdout and stderr are drained, so the tail is complete.
      child.once('close', (code, signal) => {
        this.gone ??= signal !== null ? `signal ${signal}` : `exit code ${code ?? '?'}`;
        resolve(this.gone);
      });
    });
  }

  stderrTail(): string {
    const lines = this.stderr.trimEnd().split('\n');
    return lines.slice(-STDERR_TAIL_LINES).join('\n');
  }

  async write(bytes: Uint8Array): Promise<void> {
    const stdin = this.child.stdin!;
    if (this.gone !== null || stdin.destroyed || stdin.writableEnded)
      throw new Error(`the worker's stdin is closed (${this.gone ?? 'ended'})`);
    await new Promise<void>((resolve, reject) => {
      stdin.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (this.gone !== null) return;
    this.child.stdin!.end();
    const grace = this.options.exitGraceMs ?? 2000;
    if (await settlesWithin(this.ended, grace)) return;
    this.child.kill('SIGTERM');
    if (await settlesWithin(this.ended, grace)) return;
    this.child.kill('SIGKILL');
    await this.ended;
  }

  kill(): void {
    if (this.gone === null) this.child.kill('SIGKILL');
  }
}

/**
 * Connects to a worker listening on a unix socket (`serveWorker(..., ['--unix', path])`).
 *
 * @example
 * ```ts
 * const channel = await connectUnixChannel('/tmp/silo.sock');
 * ```
 */
export async function connectUnixChannel(
  path: string,
  options: { readonly stderrTail?: () => string } = {},
): Promise<WorkerChannel> {
  const socket = createConnection(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (error) =>
      reject(
        new WorkerStartError(
          `Could not connect to the worker socket "${path}": ${error.message}. Is the worker serving it (silo serve <entry> --unix ${path})?`,
          { cause: error },
        ),
      ),
    );
  });
  return new SocketChannel(socket, path, options.stderrTail ?? (() => ''));
}

class SocketChannel implements WorkerChannel {
  readonly label: string;
  readonly pid = null;
  readonly readable: Readable;
  readonly ended: Promise<string>;
  private gone: string | null = null;

  constructor(
    private readonly socket: Socket,
    path: string,
    readonly stderrTail: () => string,
  ) {
    this.label = `worker at unix:${path}`;
    this.readable = socket;
    socket.on('error', () => undefined);
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        this.gone = 'closed its connection';
        resolve(this.gone);
      }),
    );
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.gone !== null || this.socket.destroyed) throw new Error('the socket is closed');
    await new Promise<void>((resolve, reject) => {
      this.socket.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (this.gone !== null) return;
    this.socket.end();
    if (!(await settlesWithin(this.ended, 2000))) this.socket.destroy();
    await this.ended;
  }

  kill(): void {
    this.socket.destroy();
  }
}

/**
 * Resolves true if `promise` settles within `ms`, false otherwise (it never rejects).
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A command for messages: `node dist/samples/worker.js` rather than the node binary's full path.
 *
 * @example
 * ```ts
 * describeCommand([process.execPath, 'worker.js']); // 'node worker.js'
 * ```
 */
export function describeCommand(command: readonly string[]): string {
  const [program, ...rest] = command;
  const shown = program === process.execPath ? 'node' : program;
  return [shown, ...rest].join(' ');
}
