/**
 * Errors of Silo's own VGI client (`SILO6xx`: the client and the `silo` command). A
 * worker's own error batches arrive as the protocol's `RemoteError` (`SILO407`) unchanged.
 */
import type * as Http from 'node:http';
import { SiloError } from '../errors/silo.error';
import type { ProtocolSpec } from '../protocol';
import type { DestructorOutcome } from './run/destructor-outcome';

export { RunConfigurationError } from '../lifecycle/run-configuration.error';

/** One version tried, and how the worker answered it. */
export interface ProtocolAttempt {
  readonly protocol: ProtocolSpec;
  /** The worker's refusal. */
  readonly error: Error;
}

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
  constructor(
    worker: string,
    during: string,
    detail: string,
    stderrTail: string,
    options?: { cause?: unknown; advice?: string },
  ) {
    super(
      'SILO602',
      `The ${worker} answered ${during} with bytes that are not a vgi.v2 response: ${detail}. ` +
        (options?.advice ?? 'A worker must write only protocol bytes to stdout (log to stderr or with the logger).') +
        (stderrTail ? ` Its stderr ended with:\n${indent(stderrTail)}` : ''),
      options,
    );
  }
}

/**
 * The run was cancelled through its `AbortSignal`: live finalize streams received a
 * cancel tick, and the destructor was called when an execution existed. The message
 * says whether it ran; `destructor` holds what became of the execution.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof RunCancelledError && e.destructor?.ran === false) console.error('clean up', e.destructor.executionId); }
 * ```
 */
export class RunCancelledError extends SiloError {
  constructor(
    /** Why the caller cancelled (the abort reason). */
    readonly reason: string,
    /** The destructor's outcome; `null` when the run was cancelled before an execution existed. */
    readonly destructor: DestructorOutcome | null = null,
  ) {
    super('SILO604', `The run was cancelled (${reason}); ${describeDestructor(destructor)}`);
  }
}

function describeDestructor(outcome: DestructorOutcome | null): string {
  if (outcome === null) return 'no execution had started, so nothing was left in storage.';
  const id = Buffer.from(outcome.executionId).toString('hex');
  if (outcome.ran)
    return `live finalize streams were cancelled and the destructor ran${outcome.pid === null ? '' : ` on worker pid ${outcome.pid}`}, ending execution ${id}.`;
  const failed = `the destructor of execution ${id} could not run (${outcome.failure ?? 'no worker answered'})`;
  if (outcome.cleanedBy !== undefined) return `${failed}, so ${outcome.cleanedBy} instead: its data is gone.`;
  return `${failed}, so its data stays in storage until its lease expires. Remove it now with silo storage gc --execution ${id} where the workers' storage is.`;
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

/**
 * An HTTP worker could not be reached, or dropped the connection before it answered: the
 * message names the URL, the request and the network error, and what to check.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof WorkerUnreachableError) console.error(`is ${e.url} up?`); }
 * ```
 */
export class WorkerUnreachableError extends SiloError {
  constructor(
    /** The worker's base URL, e.g. `http://10.0.0.7:8080/vgi`. */
    readonly url: string,
    /** The request, e.g. `POST http://10.0.0.7:8080/vgi/vgi.v2/bind`. */
    readonly request: string,
    /** The call it carried, e.g. `table_buffering_process`. */
    readonly during: string,
    /** `connect`: no connection was made (refused, unknown host, unreachable); `response`: the connection dropped before the answer was complete. */
    readonly stage: 'connect' | 'response',
    /** The network error, e.g. `connect ECONNREFUSED 127.0.0.1:8080`. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'SILO606',
      stage === 'connect'
        ? `Could not reach the HTTP worker at ${url} for ${during}: ${request} failed (${detail}). ` +
            'Check that the worker is running and serving this URL — `silo serve <entry> --http PORT` prints it as HTTP:<url>, mount prefix included — and that its host and port are reachable from here.'
        : `The HTTP worker at ${url} dropped the connection before answering ${during} (${request}: ${detail}). ` +
            'The worker process may have crashed or been stopped: check that it is still running, and look at its stderr.',
      options,
    );
  }
}

/**
 * An HTTP worker did not answer within the run's request timeout (`requestTimeoutMs`,
 * `silo run --request-timeout`). The request reached it, so it is not sent elsewhere: the
 * call may still be running there.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof WorkerTimeoutError) console.error(`${e.url} took over ${e.timeoutMs} ms`); }
 * ```
 */
export class WorkerTimeoutError extends SiloError {
  constructor(
    /** The worker's base URL. */
    readonly url: string,
    /** The request, e.g. `POST http://10.0.0.7:8080/vgi/vgi.v2/table_buffering_process`. */
    readonly request: string,
    /** The call it carried. */
    readonly during: string,
    /** The timeout that ran out. */
    readonly timeoutMs: number,
  ) {
    super(
      'SILO611',
      `The HTTP worker at ${url} did not answer ${during} within ${timeoutMs} ms (${request}); the request was abandoned, and the call may still be running there. ` +
        "If the function legitimately takes this long, raise the request timeout (runFunction requestTimeoutMs, silo run --request-timeout SECONDS); otherwise look at the worker's log for a call that hangs.",
    );
  }
}

/**
 * Every worker of a fleet refused the connection for one request: none of them is
 * serving. Carries each worker's own {@link WorkerUnreachableError}.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof NoWorkerReachableError) console.error(e.failures.map((f) => f.url)); }
 * ```
 */
export class NoWorkerReachableError extends SiloError {
  constructor(readonly failures: readonly WorkerUnreachableError[]) {
    const first = failures[0];
    super(
      'SILO609',
      `None of the ${failures.length} HTTP workers could be reached for ${first.during}: ${failures.map((f) => `${f.url} (${f.detail})`).join('; ')}. ` +
        'Check that the workers are running and serving these URLs — `silo serve <entry> --http PORT` prints each as HTTP:<url>, mount prefix included — and that their hosts and ports are reachable from here.',
      { cause: first },
    );
  }
}

/**
 * An HTTP worker answered with a status other than 200 and no vgi.v2 error body (401,
 * 413, 415, a plain-text 404, a proxy's 502, ...), or with a 200 that is not Arrow. The
 * message carries the status, the body's text and how to fix the usual causes.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof WorkerHttpError && e.status === 401) console.error('pass --auth-token'); }
 * ```
 */
export class WorkerHttpError extends SiloError {
  constructor(
    /** The worker's base URL. */
    readonly url: string,
    /** The request, e.g. `POST http://10.0.0.7:8080/vgi/vgi.v2/bind`. */
    readonly request: string,
    /** The call it carried. */
    readonly during: string,
    /** The HTTP status. */
    readonly status: number,
    /** What the body said (its text, or the `detail` of a JSON body), shortened. */
    readonly body: string,
    /** How to fix it, when the status says ('' otherwise). */
    readonly advice: string,
  ) {
    // Loaded here, not at the top: a start-up snapshot build loads the client but cannot load node:http (Node 20).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const reason = (require('node:http') as typeof Http).STATUS_CODES[status];
    super(
      'SILO607',
      `The HTTP worker at ${url} answered ${during} (${request}) with HTTP ${status}${reason ? ` ${reason}` : ''}${body ? `: ${body}` : '.'}${advice ? `\n${advice}` : ''}`,
    );
  }
}

/**
 * A request is larger than the HTTP worker accepts: it advertises its limit
 * (`VGI-Max-Request-Bytes`, set by `SILO_MAX_REQUEST_BYTES`) on every answer, and a body
 * over it would only be refused with 413 — or, when the worker closes the connection
 * before reading it all, lost as a reset — so it is not sent.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof WorkerRequestTooLargeError) console.error(`use batches under ${e.limit} bytes`); }
 * ```
 */
export class WorkerRequestTooLargeError extends SiloError {
  constructor(
    /** The worker's base URL. */
    readonly url: string,
    /** The call, e.g. `table_buffering_process`. */
    readonly during: string,
    /** The request body's size. */
    readonly bytes: number,
    /** The largest body the worker accepts. */
    readonly limit: number,
    /** `not sent`: refused here, from the limit the worker advertised; `dropped`: the worker closed the connection while it was sent. */
    readonly outcome: 'not sent' | 'dropped',
    options?: { cause?: unknown },
  ) {
    super(
      'SILO608',
      `The ${during} request to the HTTP worker at ${url} is ${bytes} bytes, more than the ${limit} bytes that worker accepts (its VGI-Max-Request-Bytes, set by SILO_MAX_REQUEST_BYTES), ` +
        `${outcome === 'not sent' ? 'so it was not sent' : 'and the worker closed the connection while it was sent'}.\n` +
        'Raise SILO_MAX_REQUEST_BYTES on the workers (default 64 MiB), or send smaller input batches (runFunction batchSize, silo run --batch-size).',
      options,
    );
  }
}

/**
 * The worker refused every protocol version tried (`auto`: 2.0.0, 1.3.0, 1.0.0), or the
 * one the caller named, as a protocol problem. The message names what each attempt
 * answered and what to do.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof NoCommonProtocolError) console.error(e.attempts.map((a) => a.protocol.version)); }
 * ```
 */
export class NoCommonProtocolError extends SiloError {
  constructor(
    /** The worker, e.g. `worker pid 4242 (node w.js)` or `HTTP worker at http://10.0.0.7:8080/vgi`. */
    readonly worker: string,
    /** Each version tried, newest first, with the worker's refusal. */
    readonly attempts: readonly ProtocolAttempt[],
    /** True when the versions were tried by `auto`, false when the caller named the one. */
    readonly negotiated: boolean,
  ) {
    const answers = attempts
      .map(
        (a) =>
          `  ${a.protocol.version}${a.protocol.generation === 'B' ? ` (${a.protocol.name})` : ''}: ${a.error.message.replace(/\n\s*/g, '\n    ')}`,
      )
      .join('\n');
    const allNotFound = attempts.every((a) => a.error instanceof WorkerHttpError && a.error.status === 404);
    const advice = negotiated
      ? allNotFound
        ? 'Every attempt found no such path: check that the URL is the base URL of a VGI worker, mount prefix included (silo serve <entry> --http PORT prints it as HTTP:<url>).'
        : 'Check that this is a VGI worker; Silo workers speak all three versions, so a Silo worker refusing them all is older or newer than this client: run the same vgi-silo release on both ends.'
      : 'Leave the protocol at auto (runFunction protocol, silo --protocol), so the client asks the worker which version it speaks, or name that version.';
    super(
      'SILO612',
      `The ${worker} speaks ${negotiated ? 'none of the protocol versions this client tried' : `not protocol ${attempts[0]?.protocol.version ?? '?'}`}; it answered:\n${answers}\n${advice}`,
      { cause: attempts[attempts.length - 1]?.error },
    );
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  | ${line}`)
    .join('\n');
}
