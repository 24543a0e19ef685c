import { ValueError } from './python-errors';

/*
 * DuckDB sends an INTERVAL argument as Arrow month_day_nano_interval. Silo passes values
 * of types it does not declare through unconverted, so the value arrives as whatever
 * carried it:
 * - apache-arrow 21 reads it as an Int32Array of 4 words: months, days, and the
 *   nanoseconds as a 64-bit integer split into its low and high 32-bit halves;
 * - the framework persists it with its type, so later phases in other processes get the
 *   same Int32Array back; an object with keys "0".."3" (a JSON copy) is read the same way;
 * - code and tests may also pass apache-arrow's `{ months, days, nanoseconds }` object.
 */

/** Months count as 30 days, as in the reference (a calendar month has no fixed length). */
const DAYS_PER_MONTH = 30n;
const MICROS_PER_DAY = 86_400_000_000n;

/** One INTERVAL value, split into its three fields. */
export interface MonthDayNano {
  readonly months: number;
  readonly days: number;
  readonly nanoseconds: bigint;
}

function word(source: Readonly<Record<string, unknown>>, index: number): number {
  const value = source[index];
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new ValueError(`ttl must be an INTERVAL; word ${index} of the value is ${String(value)}`);
  return value;
}

/**
 * Reads an INTERVAL argument in any of the shapes it can arrive in, or returns null for
 * SQL NULL (no interval).
 *
 * @example
 * ```ts
 * readMonthDayNano(Int32Array.of(1, 2, 0, 0)); // { months: 1, days: 2, nanoseconds: 0n }
 * ```
 */
export function readMonthDayNano(value: unknown): MonthDayNano | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') throw new ValueError(`ttl must be an INTERVAL, got ${typeof value}`);
  const o = value as Readonly<Record<string, unknown>>;
  if ('months' in o || 'days' in o || 'nanoseconds' in o) {
    const ns = o.nanoseconds;
    return {
      months: Number(o.months ?? 0),
      days: Number(o.days ?? 0),
      nanoseconds: typeof ns === 'bigint' ? ns : BigInt(typeof ns === 'number' || typeof ns === 'string' ? ns : 0),
    };
  }
  // Words 2 and 3 are the low (unsigned) and high (signed) halves of the nanoseconds.
  const low = BigInt(word(o, 2) >>> 0);
  const high = BigInt(word(o, 3) | 0);
  return { months: word(o, 0), days: word(o, 1), nanoseconds: (high << 32n) | low };
}

/** Floor division, as Python's `//` (rounds towards minus infinity). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/**
 * The length of an INTERVAL in microseconds: `(months * 30 + days)` days plus the
 * nanoseconds floored to microseconds.
 *
 * @example
 * ```ts
 * intervalMicros({ months: 0, days: 0, nanoseconds: 3_600_000_000_000n }); // 3_600_000_000n (1 hour)
 * ```
 */
export function intervalMicros(interval: MonthDayNano): bigint {
  return (
    (BigInt(interval.months) * DAYS_PER_MONTH + BigInt(interval.days)) * MICROS_PER_DAY +
    floorDiv(interval.nanoseconds, 1000n)
  );
}
