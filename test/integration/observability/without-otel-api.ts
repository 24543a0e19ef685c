/**
 * Preloaded into a worker process (`node -r`): makes `@opentelemetry/api` unresolvable,
 * as in a project that did not install the optional peer.
 */
import Module from 'node:module';

type Resolve = (request: string, ...rest: unknown[]) => string;
const internals = Module as unknown as { _resolveFilename: Resolve };
const resolve = internals._resolveFilename;
internals._resolveFilename = function (request: string, ...rest: unknown[]): string {
  if (request === '@opentelemetry/api' || request.startsWith('@opentelemetry/api/')) {
    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};
