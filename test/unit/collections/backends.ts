import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BoundStorage, type FunctionStorage, MemoryStorage, SqliteStorage } from '../../../src/providers/storage';

/** A backend the collection tests run against, with a fresh execution scope per call of `bound()`. */
export interface Backend {
  readonly name: string;
  /** A user view of a fresh execution scope (and the backend behind it). */
  bound(): BoundStorage;
  /** Another connection to the same data (for SQLite: another connection to the file), bound to `scope`. */
  reopen(view: BoundStorage): BoundStorage;
  close(): Promise<void>;
}

export function memoryBackend(): Backend {
  const storage = new MemoryStorage();
  return {
    name: 'MemoryStorage',
    bound: () => BoundStorage.forUser(storage, { kind: 'execution', id: randomBytes(16) }),
    reopen: (view) => BoundStorage.forUser(storage, view.scope),
    close: () => storage.close(),
  };
}

export function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'silo-collections-'));
  const path = join(dir, 'storage.db');
  const opened: FunctionStorage[] = [];
  const open = () => {
    const s = new SqliteStorage({ path });
    opened.push(s);
    return s;
  };
  const main = open();
  return {
    name: 'SqliteStorage',
    bound: () => BoundStorage.forUser(main, { kind: 'execution', id: randomBytes(16) }),
    reopen: (view) => BoundStorage.forUser(open(), view.scope),
    close: async () => {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const BACKENDS: ReadonlyArray<readonly [string, () => Backend]> = [
  ['MemoryStorage', memoryBackend],
  ['SqliteStorage', sqliteBackend],
];
