import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageGcCommand, storageInspectCommand } from '../../../src/cli/commands/storage.command';
import { SqliteStorage, toBytes } from '../../../src/providers/storage';

describe('silo storage inspect|gc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silo-storage-cmd-'));
  const path = join(dir, 'storage.db');
  const env = { SILO_STORAGE: 'sqlite', SILO_SQLITE_PATH: path };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should list scopes with their lease, then collect only the expired ones', async () => {
    const storage = new SqliteStorage({ path });
    const live = { kind: 'execution', id: Uint8Array.of(0xaa, 0x01) } as const;
    const dead = { kind: 'execution', id: Uint8Array.of(0xbb, 0x02) } as const;
    const attach = { kind: 'attach', id: Uint8Array.of(0xcc) } as const;
    for (const scope of [live, dead, attach]) await storage.put(scope, toBytes('ns'), toBytes('k'), toBytes('v'));
    await storage.renewLease(live, 60_000);
    await storage.renewLease(dead, 1);
    await storage.close();
    await new Promise((resolve) => setTimeout(resolve, 20));

    const listing = await storageInspectCommand(env);
    const lines = listing.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.includes('aa01'))).toMatch(/^execution {2}aa01 {30}lease expires \d{4}-\d\d-\d\dT[\d:.]+Z \(in (59|60) s\)$/);
    expect(lines.find((l) => l.includes('bb02'))).toMatch(/^execution {2}bb02 {30}lease expired .+ \(0 s ago\)$/);
    expect(lines.find((l) => l.includes('cc'))).toBe(`attach     cc${' '.repeat(30)}  no lease`);
    expect(lines[3]).toBe(`3 scopes (1 with an expired lease) in sqlite:${path}`);

    expect(await storageGcCommand(env)).toBe(`collected 1 scope with an expired lease from sqlite:${path}\n`);
    expect((await storageInspectCommand(env)).trimEnd().split('\n').pop()).toBe(`2 scopes (0 with an expired lease) in sqlite:${path}`);
  });
});
