/**
 * `pg` is an optional peer: a worker without it runs on SQLite, and choosing PostgreSQL
 * says which package to install instead of failing with Node's "Cannot find module".
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type * as Silo from '../../../src';

function withoutPg(): typeof Silo {
  jest.resetModules();
  jest.doMock('pg', () => {
    const error = Object.assign(new Error("Cannot find module 'pg'\nRequire stack:\n- postgres-pool.ts"), {
      code: 'MODULE_NOT_FOUND',
    });
    throw error;
  });
  return jest.requireActual<typeof Silo>('../../../src');
}

describe('PostgreSQL storage without the pg package', () => {
  afterEach(() => {
    jest.dontMock('pg');
    jest.resetModules();
  });

  it('should load vgi-silo and create storage other than PostgreSQL without pg', () => {
    const silo = withoutPg();
    expect(() => silo.createStorageFromEnv({ SILO_STORAGE: 'memory' })).not.toThrow();
  });

  it('should name the install command when PostgreSQL storage is chosen', () => {
    const silo = withoutPg();
    expect(() =>
      silo.createStorageFromEnv({ SILO_STORAGE: 'postgres', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }),
    ).toThrow(
      '[SILO345] PostgreSQL storage (SILO_STORAGE=postgres, or new PostgresStorage()) needs the "pg" package, which vgi-silo does not install. Install it next to vgi-silo: npm install pg',
    );
  });

  it('should keep the error of a pg that is installed but broken', () => {
    jest.resetModules();
    jest.doMock('pg', () => {
      throw Object.assign(new Error("Cannot find module 'pg-pool'"), { code: 'MODULE_NOT_FOUND' });
    });
    const silo = jest.requireActual<typeof Silo>('../../../src');
    expect(() => new silo.PostgresStorage({ connectionString: 'postgres://nobody@127.0.0.1:1/none' })).toThrow(
      "Cannot find module 'pg-pool'",
    );
  });
});
