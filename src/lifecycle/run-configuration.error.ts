import { SiloError } from '../errors/silo.error';

/**
 * A run was asked for something it cannot do: an option out of range, a projection of a
 * column the output does not have (SILO205), an unknown catalog or function, an unknown or
 * missing argument, a value that does not fit its type. The TestBed and the client throw
 * it alike, so one `instanceof` check covers both.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof RunConfigurationError) process.exitCode = 2; }
 * ```
 */
export class RunConfigurationError extends SiloError {
  constructor(message: string, code: 'SILO603' | 'SILO205' = 'SILO603') {
    super(code, message);
  }
}
