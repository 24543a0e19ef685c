import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const child = join(__dirname, '../../fixtures/secrets/secret-key.child.ts');
const register = require.resolve('../../support/register-ts.js');

describe('SecretSealer host key creation', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'silo-key-race-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should give every process the same key when 6 of them create it at once', async () => {
    const processes = Array.from({ length: 6 }, () =>
      spawn(process.execPath, ['-r', register, child, dir], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    const outputs = processes.map(
      (p) =>
        new Promise<string[]>((resolve, reject) => {
          let out = '';
          p.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out === 'ready\n') ready();
          });
          p.on('error', reject);
          p.on('exit', (code) =>
            code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`child exited with ${code}`)),
          );
        }),
    );
    let readyCount = 0;
    function ready() {
      // Release all children together once each has loaded, so their creations overlap.
      if (++readyCount === processes.length) for (const p of processes) p.stdin.end('go\n');
    }
    const ids = (await Promise.all(outputs)).map((lines) => lines[1]);
    expect(ids.every((id) => /^[0-9a-f]{8}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(1);
    // No temporary files left behind.
    expect(readdirSync(join(dir, 'silo'))).toEqual(['secret.key']);
  });
});
