/**
 * Errors of Silo's own VGI client (`SILO6xx`: the client and the `silo` command). A
 * worker's own error batches arrive as the protocol's `RemoteError` (`SILO407`) unchanged.
 */
import { SiloError } from '../errors/silo.error';

/**
 * A worker process ended (or its socket closed) while a call was waiting for its answer,
 * or before the call could be written. The message names the process, the call, how it
 * ended, and the tail of its stderr, which is where a crash explains itself.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof WorkerExitedError) console.error(e.stderrTail); }
 * ```
 */
export class WorkerExitedError extends SiloError {
  constructor(
    /** The worker, e.g. `worker pid 4242 (node dist/samples/worker.js)`. */
    readonly worker: string,
    /** The call in flight, e.g. `table_buffering_process`. */
    readonly during: string,
    /** `exit code 1`, `signal SIGKILL`, `closed its connection`. */
    readonly how: string,
    /** The last lines the worker wrote to stderr ('' when none). */
    readonly stderrTail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'SILO601',
      `The ${worker} ended (${how}) during ${during}, before answering. ` +
        (stderrTail
          ? `Its stderr ended with:\n${indent(stderrTail)}`
          : `It wrote nothing to stderr.${during.startsWith('catalog_') ? ' Run the worker entry by hand to see whether it starts at all.' : ''}`),
      options,
    );
  }
}

/**
 * The worker wrote bytes that are not a well-formed vgi.v2 response (stdout polluted by a
 * `console.log`, a truncated stream, a missing result batch).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof WorkerProtocolViolation) console.error(e.message); }
 * ```
 */
export class WorkerProtocolViolation extends SiloError {
  constructor(worker: string, during: string, detail: string, stderrTail: string, options?: { cause?: unknown }) {
    super(
      'SILO602',
      `The ${worker} answered ${during} with bytes that are not a vgi.v2 response: ${detail}. ` +
        'A worker must write only protocol bytes to stdout (log to stderr or with the logger).' +
        (stderrTail ? ` Its stderr ended with:\n${indent(stderrTail)}` : ''),
      options,
    );
  }
}

/**
 * A run was asked for something the worker does not offer: an unknown catalog or
 * function, an unknown or missing argument, a value that does not fit its type.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof RunConfigurationError) process.exitCode = 2; }
 * ```
 */
export class RunConfigurationError extends SiloError {
  constructor(message: string) {
    super('SILO603', message);
  }
}

/**
 * The run was cancelled through its `AbortSignal`: live finalize streams received a
 * cancel tick and the destructor ran.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof RunCancelledError) console.error('stopped'); }
 * ```
 */
export class RunCancelledError extends SiloError {
  constructor(reason: string) {
    super('SILO604', `The run was cancelled (${reason}); live finalize streams were cancelled and the destructor ran.`);
  }
}

/**
 * A worker did not start: the command could not be spawned, or a unix socket never
 * became connectable.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof WorkerStartError) console.error(e.message); }
 * ```
 */
export class WorkerStartError extends SiloError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SILO605', message, options);
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  | ${line}`)
    .join('\n');
}
