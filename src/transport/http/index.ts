/**
 * The HTTP transport (vgi-wire §2.3, §2.4, §6): a worker fleet behind one URL, stream
 * continuations sealed under a fleet-shared key, optional bearer tokens.
 */
export { listenHttp, type HttpListenOptions, type HttpWorkerServer } from './http.transport';
export { HttpRpcHandler, type HttpRpcHandlerOptions } from './http-rpc.handler';
export { httpSettingsFromEnv, DEFAULT_MAX_REQUEST_BYTES, type HttpSettings } from './http-settings';
export {
  StreamTokenSealer,
  InvalidStreamTokenError,
  type StreamTokenSealerOptions,
  type TokenBinding,
  type TokenKind,
} from './stream-token.sealer';
export { BearerAuthenticator, type AuthOutcome } from './bearer-auth';
export { parseRoute, type HttpRoute } from './http-route';
export { ARROW_STREAM_MEDIA_TYPE, SUPPORTED_REQUEST_ENCODINGS, HttpRefusal } from './http-body.reader';
