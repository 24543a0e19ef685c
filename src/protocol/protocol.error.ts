/**
 * Errors of the vgi_rpc / vgi.v2 protocol layer. Each knows how it must appear in an
 * error batch: `exceptionType` (the reference SDK's names, which peers display) and an
 * optional `errorKind` token (vgi-wire §3.6).
 */
import type { SiloErrorCode } from '../errors/error-codes';
import { SiloError } from '../errors/silo.error';
import { ErrorKind, type ErrorKindToken } from './wire.constants';

/**
 * Base of every protocol refusal or decoding failure.
 */
export class WireProtocolError extends SiloError {
  constructor(
    code: SiloErrorCode,
    /** The exception type name written to `exception_type` (e.g. `ProtocolError`). */
    readonly exceptionType: string,
    message: string,
    /** The `vgi_rpc.error_kind` token, when the failure has one. */
    readonly errorKind: ErrorKindToken | null = null,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * A request or response batch is malformed: no batch, no method, wrong row count,
 * parameter schema mismatch, undecodable nested record.
 */
export class RequestFormatError extends WireProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SILO401', 'ProtocolError', message, null, options);
  }
}

/**
 * `vgi_rpc.request_version` is missing or is not the framing version `"1"`.
 */
export class RequestVersionError extends WireProtocolError {
  constructor(got: string | null) {
    super(
      'SILO402',
      'VersionError',
      got === null
        ? "Request batch metadata has no 'vgi_rpc.request_version'. Set it to '1'."
        : `Request framing version '${got}' is not supported. Set 'vgi_rpc.request_version' to '1'.`,
    );
  }
}

/**
 * The request carries no `vgi_rpc.protocol` routing key and no generation-A (1.x)
 * `vgi_rpc.protocol_version` either: neither a vgi.v2 nor a generation-A client.
 */
export class ProtocolNotSpecifiedError extends WireProtocolError {
  constructor(served: readonly string[]) {
    super(
      'SILO403',
      'ProtocolNotSpecifiedError',
      "Request batch metadata has no 'vgi_rpc.protocol' routing key and no 1.x 'vgi_rpc.protocol_version'; " +
        `this worker speaks [${served.join(', ')}]. Send vgi_rpc.protocol = "vgi.v2" with protocol_version 2.0.0, ` +
        'or, as a generation-A VGI extension does, protocol_version 1.0.0 or 1.3.0 without a routing key.',
      ErrorKind.protocolNotSpecified,
    );
  }
}

/**
 * The routing key names a protocol this worker does not host.
 */
export class ProtocolNotSupportedError extends WireProtocolError {
  constructor(protocol: string, hosted: readonly string[]) {
    super(
      'SILO404',
      'ProtocolNotSupportedError',
      `Protocol '${protocol}' is not hosted by this worker; it hosts [${hosted.join(', ')}]. ` +
        'Connect with a client speaking one of those protocols.',
      ErrorKind.protocolNotSupported,
    );
  }
}

/**
 * The protocol has no such method.
 */
export class MethodNotImplementedError extends WireProtocolError {
  constructor(message: string) {
    super('SILO405', 'MethodNotImplementedError', message, ErrorKind.methodNotImplemented);
  }
}

/**
 * The client's `vgi_rpc.protocol_version` is not 2.0.x.
 */
export class ProtocolVersionMismatchError extends WireProtocolError {
  constructor(
    /** What the client sent (`null` = the key was missing). */
    readonly clientVersion: string | null,
    /** What this worker implements. */
    readonly serverVersion: string,
    direction: string,
  ) {
    super(
      'SILO406',
      'ProtocolVersionError',
      'VGI client/worker protocol_version mismatch.\n' +
        `  Client: ${clientVersion ?? '<not declared>'}\n` +
        `  Server: ${serverVersion}\n` +
        `  Direction: ${direction}`,
      ErrorKind.protocolVersionMismatch,
    );
  }
}

/**
 * A peer answered with an error batch (client side, vgi-wire §3.6).
 */
export class RemoteError extends WireProtocolError {
  constructor(
    exceptionType: string,
    /** The remote exception's own message. */
    readonly exceptionMessage: string,
    /** The remote traceback (may be empty). */
    readonly traceback: string,
    errorKind: ErrorKindToken | null,
    /** The batch's `vgi_rpc.log_message` (`"<type>: <message>"`). */
    readonly logMessage: string,
  ) {
    super('SILO407', exceptionType, `The worker answered with ${logMessage}`, errorKind);
  }
}

/**
 * Values given to an encoder do not fit the record they must become.
 */
export class RecordEncodeError extends SiloError {
  constructor(subject: string, detail: string, options?: { cause?: unknown }) {
    super('SILO408', `${subject}: ${detail}`, options);
  }
}
