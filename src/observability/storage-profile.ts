/**
 * Per-execution storage profiles (`SILO_STORAGE_PROFILE=1`): operation counts, bytes and
 * time, kept per process and merged at the destructor.
 */

/** One storage operation's totals. */
export interface OperationProfile {
  count: number;
  bytes: number;
  ms: number;
}

/** Totals by storage operation name (`get`, `put`, `scan`, …). */
export type StorageProfile = Record<string, OperationProfile>;

/** Adds `from` into `into`. */
export function mergeProfiles(into: StorageProfile, from: StorageProfile): StorageProfile {
  for (const [op, p] of Object.entries(from)) {
    const t = (into[op] ??= { count: 0, bytes: 0, ms: 0 });
    t.count += p.count;
    t.bytes += p.bytes;
    t.ms += p.ms;
  }
  return into;
}

/** Bytes a storage call moved: its `Uint8Array` arguments and results, entries and arrays of them (scope and namespace excluded). */
export function payloadBytes(value: unknown, depth = 0): number {
  if (value instanceof Uint8Array) return value.byteLength;
  if (depth > 2 || value === null || typeof value !== 'object') return 0;
  if (Array.isArray(value)) {
    let n = 0;
    for (const v of value) n += payloadBytes(v, depth + 1);
    return n;
  }
  const entry = value as { key?: unknown; value?: unknown };
  return payloadBytes(entry.key, depth + 1) + payloadBytes(entry.value, depth + 1);
}

/**
 * The profile as a table, slowest operation first.
 */
export function formatProfile(profile: StorageProfile): string {
  const rows = Object.entries(profile).sort((a, b) => b[1].ms - a[1].ms);
  const table = [
    ['operation', 'calls', 'bytes', 'ms', 'ms/call'],
    ...rows.map(([op, p]) => [
      op,
      String(p.count),
      String(p.bytes),
      p.ms.toFixed(2),
      (p.ms / Math.max(1, p.count)).toFixed(3),
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  return table
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
    .join('\n');
}
