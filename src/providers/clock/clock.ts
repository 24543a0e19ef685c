/**
 * Time, injected with `CLOCK`, so tests can fix it.
 *
 * @example
 * ```ts
 * constructor(@Inject(CLOCK) private readonly clock: Clock) {}
 * const stamp = this.clock.epochMicros();
 * ```
 */
export interface Clock {
  /** The current time. */
  now(): Date;
  /** Microseconds since the Unix epoch. */
  epochMicros(): bigint;
}

/**
 * The real clock.
 *
 * @example
 * ```ts
 * new SystemClock().now();
 * ```
 */
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
  epochMicros(): bigint {
    return BigInt(Date.now()) * 1000n;
  }
}

/**
 * A clock that only moves when told to.
 *
 * @example
 * ```ts
 * const clock = new FixedClock(new Date('2026-01-01T00:00:00Z'));
 * clock.advance(1000);
 * ```
 */
export class FixedClock implements Clock {
  private ms: number;
  constructor(start: Date = new Date(0)) {
    this.ms = start.getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  epochMicros(): bigint {
    return BigInt(this.ms) * 1000n;
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.ms += ms;
  }
}
