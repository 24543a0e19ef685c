/**
 * A usage or input error of the `silo` command: a bad argument, an unreadable file, an
 * unsupported extension. The command prints its message (no stack) and exits with 2.
 */
import { SiloError } from '../errors/silo.error';

/**
 * An error the user fixes by changing the command line or the input file.
 */
export class CliError extends SiloError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SILO610', message, options);
  }
}
