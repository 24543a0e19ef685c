/**
 * Suites that need a PostgreSQL server: they run when DATABASE_URL is set, fail in CI when
 * it is not (CI must start one: `.ci/start-postgres.sh`), and are skipped with a warning
 * on a developer machine without one.
 */

/**
 * Declares `describe(name)` with the database URL, or the failing / skipped stand-in.
 *
 * @example
 * ```ts
 * describeWithPostgres('PostgresStorage', (url) => {
 *   it('connects', async () => { await new Pool({ connectionString: url }).end(); });
 * });
 * ```
 */
export function describeWithPostgres(name: string, body: (url: string) => void): void {
  const url = process.env.DATABASE_URL;
  if (url) {
    describe(name, () => body(url));
  } else if (process.env.CI) {
    describe(name, () => {
      it('should run in CI, where DATABASE_URL is required', () => {
        throw new Error('DATABASE_URL is not set but CI is: source .ci/start-postgres.sh before running the tests.');
      });
    });
  } else {
    console.warn(`${name}: skipped, DATABASE_URL is not set (source .ci/start-postgres.sh to run these tests).`);
    describe.skip(`${name} (needs DATABASE_URL)`, () => {
      it('is skipped', () => undefined);
    });
  }
}
