/**
 * Start-up snapshots (`silo snapshot`): Node runs the bundled worker entry once at build
 * time with `--build-snapshot` and saves the heap; a worker started with
 * `node --snapshot-blob FILE` begins from that heap, with every module already loaded.
 *
 * The entry needs no change: {@link untilRestored} makes `bootstrapWorker` wait, during
 * the build, for the snapshot to be restored. What the entry does after that await (the
 * bootstrap itself, reading the environment and the command line, opening storage, serving)
 * happens in the process that was started, with its own environment and arguments.
 */
import * as v8 from 'node:v8';
import { messages, SiloError } from '../errors';

/** Environment variable `silo snapshot` sets for the build: the entry the snapshot is of. */
export const SNAPSHOT_ENTRY_ENV = 'SILO_SNAPSHOT_ENTRY';

/**
 * Set on `globalThis` once a worker waits for the snapshot to be restored; the end of the
 * bundle `silo snapshot` builds checks it, so a snapshot that would start no worker fails.
 */
export const SNAPSHOT_MAIN_KEY = 'vgi-silo.snapshot-main';

const waiting: Array<() => void> = [];

/**
 * Where steps to run before a snapshot is taken are kept: an array of functions returning
 * promises on `globalThis[Symbol.for(SNAPSHOT_PREPARATIONS_KEY)]`, filled before the
 * entry's modules load (`silo snapshot` puts the request path's rehearsal there). They run
 * once, in order, while the snapshot is being built, when a worker first waits for it to
 * be restored: what they compile is in the snapshot. A failing step fails the build.
 */
export const SNAPSHOT_PREPARATIONS_KEY = 'vgi-silo.snapshot-preparations';

function takePreparations(): Array<() => Promise<void>> {
  const global = globalThis as Record<symbol, Array<() => Promise<void>> | undefined>;
  return global[Symbol.for(SNAPSHOT_PREPARATIONS_KEY)]?.splice(0) ?? [];
}

/**
 * While a snapshot is being built, a promise that resolves once the snapshot is restored
 * in a started process; otherwise undefined (nothing to wait for).
 */
export function untilRestored(): Promise<void> | undefined {
  const snapshot = v8.startupSnapshot;
  if (snapshot === undefined || !snapshot.isBuildingSnapshot()) return undefined;
  if (waiting.length === 0) {
    const entry = process.env[SNAPSHOT_ENTRY_ENV] ?? 'snapshot';
    const global = globalThis as Record<symbol, unknown>;
    if (global[Symbol.for(SNAPSHOT_MAIN_KEY)] !== undefined) {
      throw new SiloError('SILO516', messages.snapshotWorkerTooLate());
    }
    global[Symbol.for(SNAPSHOT_MAIN_KEY)] = 'worker';
    snapshot.setDeserializeMainFunction(() => {
      // A process started from a snapshot has no script in argv; put the entry where a
      // script's path would be, so `process.argv.slice(2)` is the worker's own flags.
      process.argv.splice(1, 0, entry);
      for (const resume of waiting.splice(0)) resume();
    });
  }
  const restored = new Promise<void>((resolve) => waiting.push(resolve));
  const steps = takePreparations();
  return steps.length === 0
    ? restored
    : (async () => {
        for (const step of steps) await step();
        await restored;
      })();
}
