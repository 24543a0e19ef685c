/**
 * Samples this process's own CPU (the client side of a run: Silo's `runFunction`) with
 * the inspector, the way `node --cpu-prof` samples a worker, and writes the same
 * `.cpuprofile` JSON so one summarizer reads both.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/** `node --cpu-prof`'s default sampling interval, so client and worker profiles compare. */
const INTERVAL_US = 1000;

function post<T = unknown>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))),
  );
}

/**
 * Runs `body` under the sampling profiler and writes the profile to `file`.
 *
 * @example
 * ```ts
 * const result = await profileSelf('/tmp/client.cpuprofile', () => runFunction(options));
 * ```
 */
export async function profileSelf<T>(file: string, body: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: INTERVAL_US });
    await post(session, 'Profiler.start');
    try {
      return await body();
    } finally {
      const { profile } = await post<{ profile: object }>(session, 'Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
    }
  } finally {
    session.disconnect();
  }
}
