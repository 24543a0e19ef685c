/**
 * Which protocol version the client speaks to a worker: one the caller names (`2.0.0`,
 * alias `vgi.v2`; `1.3.0`; `1.0.0`), or `auto`, which asks the worker. There is no
 * handshake in the wire protocol (vgi-wire-gen-a §1.3): the worker enforces the version a
 * request carries and refuses one it does not speak. So `auto` sends the first request of
 * discovery, `catalog_catalogs`, in the newest version and steps down while the worker
 * refuses it as a protocol problem.
 */
import {
  APPLICATION_PROTOCOLS,
  type CatalogInfo,
  ErrorKind,
  type ProtocolSpec,
  RemoteError,
  VGI_A10_PROTOCOL,
  VGI_A13_PROTOCOL,
  VGI_PROTOCOL_NAME,
  VGI_V2_PROTOCOL,
} from '../protocol';
import { NoCommonProtocolError, type ProtocolAttempt, RunConfigurationError, WorkerHttpError } from './client.error';

export type { ProtocolAttempt };
import { type VgiConnection } from './connection/vgi-connection';

/** A protocol version as a caller names it; `auto` asks the worker. */
export type ProtocolChoice = '2.0.0' | 'vgi.v2' | '1.3.0' | '1.0.0' | 'auto';

/** The version a run spoke, as `result.protocol` reports it. */
export type ProtocolVersion = '2.0.0' | '1.3.0' | '1.0.0';

/** Every name {@link parseProtocolChoice} accepts, for messages and `--help`. */
export const PROTOCOL_CHOICES: readonly ProtocolChoice[] = ['auto', '2.0.0', 'vgi.v2', '1.3.0', '1.0.0'];

const BY_NAME: ReadonlyMap<string, ProtocolSpec> = new Map([
  ['2.0.0', VGI_V2_PROTOCOL],
  [VGI_PROTOCOL_NAME, VGI_V2_PROTOCOL],
  ['1.3.0', VGI_A13_PROTOCOL],
  ['1.0.0', VGI_A10_PROTOCOL],
]);

/**
 * The protocol a caller named, or `auto`. Anything else is refused, listing what is accepted.
 *
 * @example
 * ```ts
 * parseProtocolChoice('vgi.v2');  // VGI_V2_PROTOCOL
 * parseProtocolChoice(undefined); // 'auto'
 * ```
 */
export function parseProtocolChoice(text: string | undefined): ProtocolSpec | 'auto' {
  const name = (text ?? 'auto').trim();
  if (name === 'auto') return 'auto';
  const found = BY_NAME.get(name);
  if (found === undefined) {
    throw new RunConfigurationError(
      `"${text}" is not a protocol version this client speaks. Give one of ${PROTOCOL_CHOICES.join(', ')}: auto (the default) asks the worker; ` +
        '2.0.0 (or vgi.v2) is vgi.v2, 1.3.0 and 1.0.0 are wire generation A (the vgi extension from npm speaks 1.0.0).',
    );
  }
  return found;
}

/**
 * A protocol's version as `result.protocol` reports it.
 *
 * @example
 * ```ts
 * protocolVersionOf(VGI_A13_PROTOCOL); // '1.3.0'
 * ```
 */
export function protocolVersionOf(protocol: ProtocolSpec): ProtocolVersion {
  return protocol.version as ProtocolVersion;
}

/**
 * A protocol for messages: `2.0.0 (vgi.v2)`, `1.3.0 (generation A)`.
 *
 * @example
 * ```ts
 * describeProtocol(VGI_A10_PROTOCOL); // '1.0.0 (generation A)'
 * describeProtocol(result.protocol);  // '2.0.0 (vgi.v2)'
 * ```
 */
export function describeProtocol(protocol: ProtocolSpec | ProtocolVersion): string {
  const spec = typeof protocol === 'string' ? (BY_NAME.get(protocol) ?? VGI_V2_PROTOCOL) : protocol;
  return `${spec.version} (${spec.generation === 'B' ? spec.name : 'generation A'})`;
}

/** What asking the worker settled. */
export interface NegotiatedProtocol {
  readonly protocol: ProtocolSpec;
  /** The `catalog_catalogs` answer in that version: discovery goes on from it. */
  readonly catalogs: CatalogInfo[];
  /** The versions the worker refused before, newest first. */
  readonly refused: readonly ProtocolAttempt[];
}

/**
 * True when the worker refused a request for its protocol version rather than for what it
 * asked: a refusal kind of the framework, or an HTTP 404 (a worker without this
 * generation's paths — generation A has no protocol segment, vgi.v2 has one).
 *
 * @example
 * ```ts
 * isProtocolRefusal(error); // true for protocol_version_mismatch
 * ```
 */
export function isProtocolRefusal(error: unknown): boolean {
  if (error instanceof RemoteError) {
    const kinds: readonly string[] = [
      ErrorKind.protocolNotSpecified,
      ErrorKind.protocolNotSupported,
      ErrorKind.protocolVersionMismatch,
    ];
    return error.errorKind !== null && kinds.includes(error.errorKind);
  }
  return error instanceof WorkerHttpError && error.status === 404;
}

/**
 * Sends `catalog_catalogs` in the chosen version — with `auto`, in each of 2.0.0, 1.3.0
 * and 1.0.0 until the worker accepts one — and returns the version it accepted. A worker
 * that refuses every version tried is a {@link NoCommonProtocolError} naming each answer;
 * any other failure (a dead worker, a bad token) is raised as it is.
 *
 * @example
 * ```ts
 * const { protocol, catalogs } = await negotiateProtocol(conn, 'auto');
 * protocol.version; // '1.0.0' against the vgi-python reference worker
 * ```
 */
export async function negotiateProtocol(
  conn: VgiConnection,
  choice: ProtocolSpec | 'auto',
): Promise<NegotiatedProtocol> {
  const candidates = choice === 'auto' ? APPLICATION_PROTOCOLS : [choice];
  const refused: ProtocolAttempt[] = [];
  for (const protocol of candidates) {
    try {
      const { result } = await conn.call('catalog_catalogs', {}, { wire: protocol });
      return { protocol, catalogs: result, refused };
    } catch (error) {
      if (!isProtocolRefusal(error)) throw error;
      refused.push({ protocol, error: error as Error });
    }
  }
  throw new NoCommonProtocolError(conn.label, refused, choice === 'auto');
}

/**
 * The protocol version of one run (or one `silo list`), shared by all its connections:
 * they start speaking the named version — with `auto`, vgi.v2 — and {@link settle} fixes
 * it from the worker's answer before any of them sends a request of its own.
 *
 * @example
 * ```ts
 * const setting = new ProtocolSetting(parseProtocolChoice('auto'));
 * const conn = WorkerConnection.spawn(command, { protocol: setting.source });
 * const { catalogs } = await setting.settle(conn);
 * const discovery = await discoverCatalog(conn, { catalogs });
 * ```
 */
export class ProtocolSetting {
  private current: ProtocolSpec;

  constructor(readonly choice: ProtocolSpec | 'auto') {
    this.current = choice === 'auto' ? VGI_V2_PROTOCOL : choice;
  }

  /** The version spoken now. */
  get protocol(): ProtocolSpec {
    return this.current;
  }

  /** What connections read their version from (`ConnectionOptions.protocol`). */
  readonly source = (): ProtocolSpec => this.current;

  /** Asks the worker on `conn` ({@link negotiateProtocol}) and fixes the version for every connection. */
  async settle(conn: VgiConnection): Promise<NegotiatedProtocol> {
    const negotiated = await negotiateProtocol(conn, this.choice);
    this.current = negotiated.protocol;
    return negotiated;
  }
}
