/**
 * The part of a `pg` pool {@link PostgresStorage} uses, and the lazy load of `pg` itself.
 * `pg` is an optional peer dependency: only fleets on PostgreSQL install it, and the public
 * types must not need `@types/pg`. A `pg.Pool` satisfies {@link PostgresPool} as is.
 */
import { SiloError } from '../../errors/silo.error';

/** The result of a query, as `pg` returns it. */
export interface PostgresQueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number | null;
}

/**
 * A connection checked out of a {@link PostgresPool}.
 */
export interface PostgresPoolClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's own row type is `any`-valued
  query<R extends Record<string, any> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<PostgresQueryResult<R>>;
  release(): void;
}

/**
 * What PostgresStorage needs of a connection pool; pass a `pg.Pool` you own as `pool`.
 *
 * @example
 * ```ts
 * import { Pool } from 'pg';
 * const storage = new PostgresStorage({ pool: new Pool({ connectionString: process.env.DATABASE_URL }) });
 * ```
 */
export interface PostgresPool {
  connect(): Promise<PostgresPoolClient>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's own row type is `any`-valued
  query<R extends Record<string, any> = Record<string, unknown>>(config: {
    name?: string;
    text: string;
    values?: unknown[];
  }): Promise<PostgresQueryResult<R>>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  end(): Promise<void>;
}

/** Options Silo passes when it creates the pool itself. */
interface PostgresPoolConfig {
  readonly connectionString: string;
  readonly max: number;
}

/**
 * Creates a `pg.Pool`, loading `pg` only now: most workers never use PostgreSQL, and
 * loading it costs about 80 ms of each worker's start-up.
 */
export function createPostgresPool(config: PostgresPoolConfig): PostgresPool {
  let pg: { Pool: new (config: PostgresPoolConfig) => PostgresPool };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pg = require('pg') as typeof pg;
  } catch (cause) {
    const missing =
      (cause as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /'pg'/.test((cause as Error).message);
    if (!missing) throw cause;
    throw new SiloError(
      'SILO345',
      'PostgreSQL storage (SILO_STORAGE=postgres, or new PostgresStorage()) needs the "pg" package, which vgi-silo does not install. ' +
        'Install it next to vgi-silo: npm install pg',
      { cause },
    );
  }
  return new pg.Pool({ connectionString: config.connectionString, max: config.max });
}
