import type { FunctionStorage, GarbageCollectionReport } from './function-storage';
import { SiloError, messages } from '../../errors';

/**
 * Options of {@link GarbageCollector}.
 *
 * @example
 * ```ts
 * const options: GarbageCollectorOptions = { intervalMs: 30_000, onError: (e) => log.warn({ err: e }, 'storage GC failed') };
 * ```
 */
export interface GarbageCollectorOptions {
  /** Pause between the end of one collection and the start of the next (default 60 000 ms). */
  readonly intervalMs?: number;
  /**
   * How long an execution collected for an expired lease stays remembered, so its next
   * call is told it was collected (default: the storage's, one day).
   */
  readonly tombstoneTtlMs?: number;
  /** Called after each collection that removed at least one scope. */
  readonly onCollected?: (report: GarbageCollectionReport) => void;
  /**
   * Called when a collection fails; the collector keeps running. Default: a process
   * warning (stderr), never stdout, which the stdio transport owns.
   */
  readonly onError?: (error: unknown) => void;
}

/**
 * Runs `storage.collectGarbage()` periodically in a long-lived worker, removing the data
 * of executions whose lease expired (a worker was killed mid-query, a destructor never
 * arrived). Scopes with a live lease, and scopes that never took a lease, are kept.
 *
 * The timer is unref'd, so a collector never keeps a process alive; runs never overlap.
 *
 * @example
 * ```ts
 * const gc = new GarbageCollector(storage, { intervalMs: 30_000 }).start();
 * process.on('SIGTERM', () => void gc.stop());
 * ```
 */
export class GarbageCollector {
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<GarbageCollectionReport> | undefined;
  private started = false;

  constructor(
    private readonly storage: FunctionStorage,
    private readonly options: GarbageCollectorOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 60_000;
    if (!(this.intervalMs > 0)) {
      throw new SiloError('SILO339', messages.garbageCollectorInterval(this.intervalMs));
    }
  }

  /** Whether periodic collection is on. */
  get running(): boolean {
    return this.started;
  }

  /** Starts periodic collection; the first run is one interval from now. Idempotent. */
  start(): this {
    if (!this.started) {
      this.started = true;
      this.schedule();
    }
    return this;
  }

  /** Stops periodic collection and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight?.catch(() => undefined);
  }

  /** Collects now (joining a run already in progress instead of starting a second one). */
  runOnce(): Promise<GarbageCollectionReport> {
    const options =
      this.options.tombstoneTtlMs === undefined ? undefined : { tombstoneTtlMs: this.options.tombstoneTtlMs };
    this.inFlight ??= this.storage.collectGarbage(undefined, options).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const report = await this.runOnce();
      if (report.scopesCollected > 0) this.options.onCollected?.(report);
    } catch (error) {
      if (this.options.onError) this.options.onError(error);
      else
        process.emitWarning(
          `Storage garbage collection on the "${this.storage.backend}" backend failed: ${String(error)}`,
          'SiloStorageWarning',
        );
    }
    if (this.started) this.schedule();
  }
}
