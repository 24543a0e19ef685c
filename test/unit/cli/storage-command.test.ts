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
    expect(lines.find((l) => l.includes('aa01'))).toMatch(
      /^execution {2}aa01 {30}lease expires \d{4}-\d\d-\d\dT[\d:.]+Z \(in (59|60) s\)$/,
    );
    expect(lines.find((l) => l.includes('bb02'))).toMatch(/^execution {2}bb02 {30}lease expired .+ \(0 s ago\)$/);
    expect(lines.find((l) => l.includes('cc'))).toBe(`attach     cc${' '.repeat(30)}  no lease`);
    expect(lines[3]).toBe(`3 scopes (1 with an expired lease) in sqlite:${path}`);

    expect(await storageGcCommand(env)).toBe(`collected 1 scope with an expired lease from sqlite:${path}\n`);
    // The collected execution is remembered (no data), so its next call is told what happened.
    const after = (await storageInspectCommand(env)).trimEnd().split('\n');
    expect(after.find((l) => l.includes('bb02'))).toMatch(
      /^execution {2}bb02 {30}ended \(collected by GC\), remembered until \S+ \(in \d+ s\)$/,
    );
    expect(after.pop()).toBe(
      `2 scopes (0 with an expired lease), and 1 ended execution remembered without data in sqlite:${path}`,
    );
  });

  it('should end one execution with --execution ID, and say when there is nothing to clean', async () => {
    const storage = new SqliteStorage({ path });
    const scope = { kind: 'execution', id: Uint8Array.of(0xdd, 0x03) } as const;
    await storage.renewLease(scope, 60_000);
    await storage.append(scope, toBytes('rows'), toBytes(''), toBytes('row'));
    await storage.close();
    expect(await storageGcCommand(env, { execution: 'DD03' })).toBe(
      `ended execution dd03 in sqlite:${path} (it was live): its data was removed, and workers refuse its calls from now on\n`,
    );
    const check = new SqliteStorage({ path });
    expect((await check.scopeStatus(scope)).state).toBe('destroyed');
    expect(await check.logScan(scope, toBytes('rows'), toBytes(''))).toEqual([]);
    await check.close();
    expect(await storageGcCommand(env, { execution: 'ee04' })).toBe(
      `execution ee04 is unknown to sqlite:${path}: nothing to clean\n`,
    );
    await expect(storageGcCommand(env, { execution: 'not-hex' })).rejects.toThrow(
      '--execution must be an execution id in hex, as silo storage inspect lists it (e.g. 9f1c0a…), got "not-hex".',
    );
    await expect(storageGcCommand(env, { execution: 'dd03', allExpiredNow: true })).rejects.toThrow(
      /takes --execution ID or --all-expired-now, not both/,
    );
  });

  it('should collect live scopes too with --all-expired-now', async () => {
    const storage = new SqliteStorage({ path });
    const running = { kind: 'execution', id: Uint8Array.of(0xff, 0x05) } as const;
    await storage.renewLease(running, 3_600_000);
    await storage.put(running, toBytes('ns'), toBytes('k'), toBytes('v'));
    await storage.close();
    expect(await storageGcCommand(env, { allExpiredNow: true })).toMatch(
      new RegExp(
        `^collected \\d+ scopes? treating every lease as expired from sqlite:${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\n$`,
      ),
    );
    const check = new SqliteStorage({ path });
    expect((await check.scopeStatus(running)).state).toBe('collected');
    expect(await check.get(running, toBytes('ns'), toBytes('k'))).toBeUndefined();
    await check.close();
  });
});
