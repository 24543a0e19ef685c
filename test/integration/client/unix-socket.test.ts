import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { discoverCatalog, startUnixWorker } from '../../../src/client';
import { CONFORMANCE_WORKER, sharedStorageEnv } from './support';

describe('WorkerConnection over a unix socket', () => {
  const { dir, env } = sharedStorageEnv('silo-unix-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should serve several connections of one worker process, each its own request loop', async () => {
    const worker = await startUnixWorker(CONFORMANCE_WORKER, join(dir, 'worker.sock'), { env });
    try {
      const [a, b] = await Promise.all([worker.connect(), worker.connect()]);
      expect(a.pid).toBeNull();
      const [discovery, catalogs] = await Promise.all([discoverCatalog(a), b.call('catalog_catalogs', {})]);
      expect(discovery.catalog).toBe('example');
      expect(discovery.functions.map((f) => f.name)).toContain('buffer_input');
      expect(catalogs.result.map((c) => c.name)).toEqual(['example']);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await worker.close();
    }
  });

  it('should say why a worker never listened', async () => {
    await expect(
      startUnixWorker(
        [process.execPath, '-e', 'console.error("cannot bind"); process.exit(3)', '--'],
        join(dir, 'never.sock'),
        { env },
      ),
    ).rejects.toThrow(
      /^\[SILO605\] The unix-socket worker \(node -e .+ -- --unix \S+never\.sock\) ended \(exit code 3\) before listening on \S+never\.sock\. Its stderr:\ncannot bind$/,
    );
  });
});
