/**
 * Starts and tracks the worker processes of one run: every connection is a process of
 * its own (DuckDB's `pool false` behaviour), fresh processes for finalize streams can be
 * started ahead of need so their start-up overlaps other work, and everything started is
 * closed (or killed) at the end.
 */
import { type ConnectionLauncher, type WorkerRole } from './vgi-connection';
import { type ProtocolSource, type ReceivedLog, WorkerConnection } from './worker-connection';

export type { WorkerRole } from './vgi-connection';

/** How to start the run's workers. */
export interface LauncherOptions {
  readonly command: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** The protocol version every process is spoken to in (default vgi.v2), or a function returning the one the run settled on. */
  readonly protocol?: ProtocolSource;
  /** Every log batch, tagged with the role of the connection that carried it. */
  readonly onLog?: (log: ReceivedLog, role: WorkerRole) => void;
  /** Worker stderr chunks as they arrive. */
  readonly onStderr?: (pid: number | null, chunk: string) => void;
}

/**
 * Starts worker processes for one run and closes them all at the end.
 *
 * @example
 * ```ts
 * const launcher = new WorkerLauncher({ command: [process.execPath, 'worker.js'] });
 * const conn = launcher.start('sink');
 * await launcher.closeAll();
 * ```
 */
export class WorkerLauncher implements ConnectionLauncher {
  private readonly all: WorkerConnection[] = [];
  private readonly spare: WorkerConnection[] = [];
  private readonly closing: Promise<void>[] = [];

  constructor(private readonly options: LauncherOptions) {}

  /**
   * Starts one worker process and connects to its stdio.
   *
   * @example
   * ```ts
   * const conn = launcher.start('finalize');
   * ```
   */
  start(role: WorkerRole): WorkerConnection {
    let pid: number | null = null;
    const conn = WorkerConnection.spawn(this.options.command, {
      env: this.options.env,
      cwd: this.options.cwd,
      protocol: this.options.protocol,
      onLog: (log) => this.options.onLog?.(log, role),
      onStderr: (chunk) => this.options.onStderr?.(pid, chunk),
    });
    pid = conn.pid;
    this.all.push(conn);
    return conn;
  }

  /**
   * Starts `count` processes for finalize streams now, so they are warm when needed.
   *
   * @example
   * ```ts
   * launcher.prestart(2);
   * ```
   */
  prestart(count: number): void {
    for (let i = 0; i < count; i++) this.spare.push(this.start('finalize'));
  }

  /** Processes started ahead and not yet taken. */
  get spareCount(): number {
    return this.spare.length;
  }

  /**
   * A process that has never served a call: a prestarted one, else a new one.
   *
   * @example
   * ```ts
   * const conn = launcher.fresh();
   * ```
   */
  fresh(): WorkerConnection {
    return this.spare.shift() ?? this.start('finalize');
  }

  /**
   * Closes one connection in the background (its process exits while the run goes on);
   * {@link closeAll} waits for it.
   *
   * @example
   * ```ts
   * launcher.release(conn);
   * ```
   */
  release(conn: WorkerConnection): void {
    const at = this.all.indexOf(conn);
    if (at >= 0) this.all.splice(at, 1);
    this.closing.push(conn.close());
  }

  /**
   * Closes every process still open: stdin EOF, then a wait for exit (signals after a grace period).
   *
   * @example
   * ```ts
   * await launcher.closeAll();
   * ```
   */
  async closeAll(): Promise<void> {
    const open = this.all.splice(0);
    this.spare.length = 0;
    await Promise.all([...open.map((c) => c.close()), ...this.closing.splice(0)]);
  }
}
