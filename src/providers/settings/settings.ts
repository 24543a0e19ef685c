import { SiloError, messages } from '../../errors';

/**
 * The DuckDB settings shipped with the bind (those named in `requiredSettings`),
 * injected with `SETTINGS`.
 *
 * @example
 * ```ts
 * @BufferingFunction({ name: 'f', requiredSettings: ['threads'] })
 * class F { constructor(@Inject(SETTINGS) private readonly settings: Settings) {} }
 * const threads = this.settings.get<bigint>('threads');
 * ```
 */
export class Settings {
  private readonly values: Readonly<Record<string, unknown>>;

  constructor(values: Readonly<Record<string, unknown>> = {}) {
    this.values = values;
  }

  /** The setting's value, or undefined when DuckDB did not send it. */
  get<T = unknown>(name: string): T | undefined {
    return this.values[name] as T | undefined;
  }

  /** The setting's value, or an error naming the setting. */
  require<T = unknown>(name: string): T {
    if (!(name in this.values)) {
      throw new SiloError('SILO507', messages.settingNotProvided(name));
    }
    return this.values[name] as T;
  }

  /** All settings as a plain object. */
  all(): Readonly<Record<string, unknown>> {
    return this.values;
  }
}
