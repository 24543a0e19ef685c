/**
 * A real stdio worker process sets the V8 flags of SILO_V8_FLAGS (or Silo's default) on
 * itself when it starts serving, and refuses to start on a value that is not a list of flags.
 */
import { encodeRequest } from '../../../src/protocol';
import { exitWithin, sharedEnvironment, type SharedEnvironment, WorkerProcess } from '../../fixtures/wire/wire-driver';

describe('SILO_V8_FLAGS in a real stdio worker', () => {
  let shared: SharedEnvironment;
  const withEnv = (env: NodeJS.ProcessEnv): SharedEnvironment => ({ ...shared, env: { ...shared.env, ...env } });

  beforeAll(() => {
    shared = sharedEnvironment();
    delete shared.env.SILO_V8_FLAGS;
  });

  afterAll(() => shared.dispose());

  async function servesAndStops(worker: WorkerProcess): Promise<void> {
    worker.write(encodeRequest('catalog_catalogs', {}));
    expect((await worker.readStream()).batches.length).toBeGreaterThan(0);
    worker.closeStdin();
    expect(await exitWithin(worker, 10_000)).toEqual({ code: 0, signal: null });
  }

  const onV8_11_3 = process.versions.v8.startsWith('11.3.') ? it : it.skip;

  onV8_11_3('should set the later tier-up on itself by default, without a warning, and serve', async () => {
    const worker = WorkerProcess.spawn(withEnv({ SILO_LOG_LEVEL: 'debug' }));
    await servesAndStops(worker);
    expect(worker.stderr).toContain('V8 flags set: --interrupt-budget=270336');
    expect(worker.stderr).not.toContain('known to work when set at run time');
  });

  it('should hand the flags it is given to V8 (which names one it does not know on stderr), and serve', async () => {
    const worker = WorkerProcess.spawn(withEnv({ SILO_V8_FLAGS: '--silo-not-a-v8-flag', SILO_LOG_LEVEL: 'debug' }));
    await servesAndStops(worker);
    expect(worker.stderr).toContain('unrecognized flag --silo-not-a-v8-flag');
    expect(worker.stderr).toContain('V8 flags set: --silo-not-a-v8-flag');
    expect(worker.stderr).toContain(
      'SILO_V8_FLAGS: --silo-not-a-v8-flag is not among the V8 flags known to work when set at run time (--interrupt-budget, --max-opt); V8 may misbehave.',
    );
  });

  it('should set nothing when SILO_V8_FLAGS is empty', async () => {
    const worker = WorkerProcess.spawn(withEnv({ SILO_V8_FLAGS: '', SILO_LOG_LEVEL: 'debug' }));
    await servesAndStops(worker);
    expect(worker.stderr).not.toContain('V8 flags set');
  });

  it('should not start with a SILO_V8_FLAGS that is not a list of flags, and say what to fix', async () => {
    const worker = WorkerProcess.spawn(withEnv({ SILO_V8_FLAGS: 'interrupt-budget=270336' }));
    expect(await exitWithin(worker, 15_000)).toEqual({ code: 2, signal: null });
    expect(worker.stderr).toContain(
      '[SILO344] SILO_V8_FLAGS must be V8 flags separated by spaces, each written --name, --no-name or --name=value',
    );
  });
});
