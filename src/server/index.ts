/**
 * The request handler: requests of every protocol version in, dispatcher calls, response
 * streams out. Knows connections, never sockets; the transports in `../transport` own the
 * bytes' carriers. The package's `vgi-silo/server` entry point is `../server-api.ts`.
 */
export { RequestHandler, type ConnectionEnd, type RequestHandlerOptions } from './request.handler';
export { type Connection, PeerGoneError, streamConnection } from './connection';
export { CatalogService, CATALOG_VERSION } from './catalog.service';
export {
  toFunctionDescriptor,
  advertisesFilterPushdown,
  DEFAULT_MAX_WORKERS,
  DUCKDB_FILTER_PROFILE,
} from './function-descriptor.mapper';
export { toBindCall, toBindResponse } from './bind-call.mapper';
export { decodePushdownFilters, type DecodedFilters } from './pushdown-filters.decoder';
export { createServerIdentity, siloVersion } from './server-identity';
export { type ServerIdentity } from './unary-router';
