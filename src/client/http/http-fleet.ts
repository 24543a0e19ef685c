/**
 * The connections of a run on a list of HTTP workers: a "connection" costs nothing until it
 * sends a request, so starting one is making a view on the shared {@link HttpTargets}.
 */
import { HttpConnection, type HttpConnectionOptions } from './http-connection';
import { HttpTargets } from './http-targets';
import { type ConnectionLauncher, type VgiConnection, type WorkerRole } from '../connection/vgi-connection';

export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  type HttpFleetOptions,
  type HttpRequestInfo,
  normalizeWorkerUrl,
  type WireBody,
} from './http-targets';

/**
 * A list of HTTP worker URLs used round robin, and the connections of a run on them.
 *
 * @example
 * ```ts
 * const fleet = new HttpFleet(['http://10.0.0.7:8080/vgi', 'http://10.0.0.8:8080/vgi'], { authToken: process.env.SILO_AUTH_TOKEN });
 * const conn = fleet.start('sink');
 * const { result } = await conn.call('catalog_catalogs', {}); // to 10.0.0.7; the next request goes to 10.0.0.8
 * await fleet.closeAll();
 * ```
 */
export class HttpFleet extends HttpTargets implements ConnectionLauncher {
  private readonly connections = new Set<HttpConnection>();

  /**
   * A connection for `role`: a view on the fleet whose requests go round robin.
   *
   * @example
   * ```ts
   * const conn = fleet.start('finalize');
   * ```
   */
  start(role: WorkerRole): HttpConnection {
    const connection: HttpConnectionOptions = {
      protocol: this.options.protocol,
      onLog: this.options.onLog && ((log) => this.options.onLog!(log, role)),
      onRequest: this.options.onRequest && ((request) => this.options.onRequest!(request, role)),
      onRefused: this.options.onRefused && ((request) => this.options.onRefused!(request, role)),
    };
    const conn = new HttpConnection(this, connection);
    this.connections.add(conn);
    return conn;
  }

  /** Nothing to start ahead over HTTP: a connection costs nothing until it sends a request. */
  prestart(_count: number): void {
    // Intentionally empty: see above.
  }

  /** Always 0: nothing is started ahead. */
  get spareCount(): number {
    return 0;
  }

  /**
   * A connection that has served no call. Over HTTP every request may reach any worker anyway.
   *
   * @example
   * ```ts
   * const conn = fleet.fresh();
   * ```
   */
  fresh(): HttpConnection {
    return this.start('finalize');
  }

  /**
   * Forgets a connection (its requests are already answered).
   *
   * @example
   * ```ts
   * fleet.release(conn);
   * ```
   */
  release(conn: VgiConnection): void {
    this.connections.delete(conn as HttpConnection);
    void conn.close();
  }

  /**
   * Abandons any request still in flight and closes the pooled sockets.
   *
   * @example
   * ```ts
   * await fleet.closeAll();
   * ```
   */
  async closeAll(): Promise<void> {
    for (const conn of this.connections) conn.kill();
    this.connections.clear();
    this.closeAgents();
  }
}
