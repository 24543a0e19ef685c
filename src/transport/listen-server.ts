import type { ListenOptions, Server } from 'node:net';

/**
 * Starts listening and settles once: resolves on `listening`, rejects with the listen
 * error (address in use, permission denied) instead of letting it surface as an
 * unhandled `error` event. Shared by the unix-socket and HTTP transports.
 */
export function listenServer(server: Server, options: ListenOptions): Promise<void> {
  return new Promise((done, fail) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      fail(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      done();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options);
  });
}
