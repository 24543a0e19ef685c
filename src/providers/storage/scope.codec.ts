/**
 * Encodings shared by the SQL backends (SQLite, PostgreSQL): a scope as one byte string,
 * limit normalisation, and last-write-wins de-duplication of batched puts.
 */
import { SiloError, messages } from '../../errors';
import { toHex } from '../../common/bytes';
import type { StorageEntry, StorageScope, StorageScopeKind } from './function-storage';

const KIND_TO_TAG: Readonly<Record<StorageScopeKind, number>> = { execution: 0x01, attach: 0x02, transaction: 0x03 };

/** The first byte of every encoded execution scope (SQL can tell scope kinds apart by it). */
export const EXECUTION_SCOPE_TAG = KIND_TO_TAG.execution;

/**
 * Encodes a scope as `[kind tag] ++ id`: one column in SQL tables, so every key is
 * `(scope, ns, key)` and an execution and an attach with equal ids never collide.
 */
export function encodeScope(scope: StorageScope): Uint8Array {
  const tag = KIND_TO_TAG[scope.kind];
  if (tag === undefined) {
    throw new SiloError('SILO515', messages.unknownScopeKind(String(scope.kind)));
  }
  if (!(scope.id instanceof Uint8Array)) {
    throw new SiloError('SILO515', messages.scopeIdNotBytes(typeof scope.id));
  }
  const out = new Uint8Array(scope.id.length + 1);
  out[0] = tag;
  out.set(scope.id, 1);
  return out;
}

/**
 * Inverse of {@link encodeScope}.
 */
export function decodeScope(encoded: Uint8Array): StorageScope {
  const kind = (Object.keys(KIND_TO_TAG) as StorageScopeKind[]).find((k) => KIND_TO_TAG[k] === encoded[0]);
  if (kind === undefined) {
    throw new SiloError('SILO332', messages.storedScopeUnknown(toHex(encoded)));
  }
  return { kind, id: encoded.slice(1) };
}

/**
 * A scan or pop limit as a non-negative integer, or `undefined` for "no limit".
 * Mirrors `MemoryStorage`: negative means zero, fractions are truncated.
 */
export function normalizeLimit(limit: number | undefined): number | undefined {
  if (limit === undefined || limit === Number.POSITIVE_INFINITY) return undefined;
  if (Number.isNaN(limit)) return 0;
  return Math.max(0, Math.trunc(limit));
}

/**
 * Keeps the last entry for each key, as applying the entries one after the other would.
 * PostgreSQL refuses to upsert one key twice in one statement, so batches are folded first.
 */
export function lastWriteWins(entries: readonly StorageEntry[]): StorageEntry[] {
  const byKey = new Map<string, StorageEntry>();
  for (const entry of entries) {
    const hex = toHex(entry.key);
    byKey.delete(hex);
    byKey.set(hex, entry);
  }
  return [...byKey.values()];
}
