/**
 * A real DuckDB with the `vgi` extension, in this process (optional: needs `@duckdb/node-api`
 * and the extension packages from npm).
 */
export * from './embedded-duckdb';
export * from './extension-package';
