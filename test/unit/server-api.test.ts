/**
 * `vgi-silo/server` is what an operator embedding a worker imports: the request handler,
 * the dispatcher and registry behind it, the transports, and storage upkeep.
 */
import { describe, expect, it } from '@jest/globals';
import * as server from '../../src/server-api';

describe('vgi-silo/server', () => {
  it('should export the request handler, dispatcher, registry, transports and garbage collector', () => {
    const names = [
      'RequestHandler',
      'Dispatcher',
      'FunctionRegistry',
      'serveWorker',
      'serveStdio',
      'listenUnixSocket',
      'listenHttp',
      'HttpRpcHandler',
      'parseTransportArgs',
      'GarbageCollector',
    ];
    expect(names.filter((name) => typeof (server as Record<string, unknown>)[name] !== 'function')).toEqual([]);
  });
});
