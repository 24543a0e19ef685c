import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snapshotCommand } from '../../../src/cli/commands/snapshot.command';
import { untilRestored } from '../../../src/worker/startup-snapshot';

const dir = mkdtempSync(join(tmpdir(), 'silo-snapshot-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('silo snapshot', () => {
  it('should refuse an entry that does not exist', async () => {
    await expect(snapshotCommand(join(dir, 'missing.js'))).rejects.toThrow(/\[SILO610\].*missing\.js" does not exist/);
  });

  it('should ask for the built JavaScript when given TypeScript', async () => {
    const entry = join(dir, 'worker.ts');
    writeFileSync(entry, 'export {};\n');
    await expect(snapshotCommand(entry)).rejects.toThrow(
      /takes the built JavaScript entry.*Compile it first \(npx tsc\)/,
    );
  });

  it('should say what is wrong with an entry that does not start a worker, and leave no snapshot behind', async () => {
    const entry = join(dir, 'not-a-worker.js');
    writeFileSync(entry, "process.stdout.write('hello\\n');\n");
    const out = join(dir, 'not-a-worker.blob');
    await expect(snapshotCommand(entry, { out })).rejects.toThrow(
      /\[SILO610\] The snapshot of ".*not-a-worker\.js" was built but a worker started from it did not answer: .*exit code 70.*\[SILO516\] This start-up snapshot holds no worker: its entry did not call bootstrapWorker\(\) while it loaded/s,
    );
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('should bundle what Node would load, not what a tsconfig.json "paths" entry points at', async () => {
    const project = join(dir, 'paths-project');
    mkdirSync(join(project, 'node_modules', 'dep'), { recursive: true });
    mkdirSync(join(project, 'src'), { recursive: true });
    const marker = join(project, 'loaded.txt');
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { dep: ['src/dep.ts'] } } }),
    );
    writeFileSync(
      join(project, 'src', 'dep.ts'),
      `require('fs').writeFileSync(${JSON.stringify(marker)}, 'typescript source');\n`,
    );
    writeFileSync(
      join(project, 'node_modules', 'dep', 'index.js'),
      `require('fs').writeFileSync(${JSON.stringify(marker)}, 'installed package');\n`,
    );
    writeFileSync(join(project, 'entry.js'), "require('dep');\n");
    // The entry starts no worker, so the check fails; the build ran the bundle once.
    await expect(snapshotCommand(join(project, 'entry.js'))).rejects.toThrow(/SILO516/);
    expect(readFileSync(marker, 'utf8')).toBe('installed package');
  }, 60_000);

  it("should report a bundling error with esbuild's words", async () => {
    const entry = join(dir, 'broken.js');
    writeFileSync(entry, "require('./no-such-module');\n");
    await expect(snapshotCommand(entry, { out: join(dir, 'broken.blob') })).rejects.toThrow(
      /esbuild could not bundle .*broken\.js.*no-such-module/,
    );
  });
});

describe('startup snapshot state outside a snapshot', () => {
  it('should not make bootstrapWorker wait', () => {
    expect(untilRestored()).toBeUndefined();
  });
});
