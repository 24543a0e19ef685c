/**
 * Names, versions and metadata keys of the vgi_rpc framing and the vgi.v2 protocol
 * (vgi-wire §2.5, §3). One place, so no literal is spelled twice.
 */

/** Routing name of the VGI application protocol (`vgi_rpc.protocol`, HTTP path segment). */
export const VGI_PROTOCOL_NAME = 'vgi.v2';

/** Application protocol version this table implements; any `2.0.x` is accepted. */
export const VGI_PROTOCOL_VERSION = '2.0.0';

/**
 * The generation-A protocol versions served (no routing key; the version rides on every
 * request): 1.0.0, the `vgi` extension on npm, and 1.3.0, the extension's newest source.
 * Any PATCH of these MAJOR.MINOR is accepted.
 */
export const GENERATION_A_VERSIONS = ['1.0.0', '1.3.0'] as const;

/** Framing version carried in `vgi_rpc.request_version`. */
export const REQUEST_FRAMING_VERSION = '1';

/** The reflection protocol the reference TypeScript client calls first (vgi-wire §9). */
export const REFLECTION_PROTOCOL_NAME = 'vgi_rpc.Reflection.v1';

/** The retired introspection method; answered with `method_not_implemented`. */
export const RETIRED_DESCRIBE_METHOD = '__describe__';

/** Keys of batch (message) custom metadata. Never schema metadata. */
export const MetadataKey = {
  method: 'vgi_rpc.method',
  requestVersion: 'vgi_rpc.request_version',
  protocol: 'vgi_rpc.protocol',
  protocolVersion: 'vgi_rpc.protocol_version',
  requestId: 'vgi_rpc.request_id',
  serverId: 'vgi_rpc.server_id',
  logLevel: 'vgi_rpc.log_level',
  logMessage: 'vgi_rpc.log_message',
  logExtra: 'vgi_rpc.log_extra',
  errorKind: 'vgi_rpc.error_kind',
  cancel: 'vgi_rpc.cancel',
  streamState: 'vgi_rpc.stream_state#b64',
  callState: 'vgi_rpc.call_state#b64',
  location: 'vgi_rpc.location',
  shmSegmentName: 'vgi_rpc.shm_segment_name',
  shmSegmentSize: 'vgi_rpc.shm_segment_size',
} as const;

/** Stable `vgi_rpc.error_kind` tokens defined by the framework (vgi-wire §3.6). */
export const ErrorKind = {
  methodNotImplemented: 'method_not_implemented',
  protocolVersionMismatch: 'protocol_version_mismatch',
  protocolNotSpecified: 'protocol_not_specified',
  protocolNotSupported: 'protocol_not_supported',
  sessionLost: 'session_lost',
  serverDraining: 'server_draining',
} as const;

/** One of the {@link ErrorKind} tokens (or another peer's token, passed through). */
export type ErrorKindToken = (typeof ErrorKind)[keyof typeof ErrorKind] | (string & {});

/** The `vgi_rpc.log_level` value that marks an error batch. */
export const EXCEPTION_LEVEL = 'EXCEPTION';
