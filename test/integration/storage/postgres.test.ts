import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { toBytes } from '../../../src/common/bytes';
import type { StorageScope } from '../../../src/providers/storage/function-storage';
import { PostgresStorage } from '../../../src/providers/storage/postgres-storage.provider';
import { describeStorageConformance } from '../../../src/testing/storage-conformance';
import { describeWithPostgres } from '../../support/postgres';

describeWithPostgres('PostgresStorage', (url) => {
  // A schema of its own per run, so parallel runs and other suites never see our leases.
  const schema = `silo_test_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: url, max: 2 });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  describeStorageConformance('PostgresStorage', () => new PostgresStorage({ connectionString: url, schema }), {
    counterWraparound: true,
  });

  describe('PostgresStorage', () => {
    const scope: StorageScope = { kind: 'execution', id: toBytes('exec-1') };
    const ns = toBytes('ns');

    it('should create its schema once when many instances start at the same time', async () => {
      const fresh = `silo_test_${randomBytes(6).toString('hex')}`;
      const storages = Array.from(
        { length: 6 },
        () => new PostgresStorage({ connectionString: url, schema: fresh, maxConnections: 1 }),
      );
      try {
        await Promise.all(storages.map((s, i) => s.put(scope, ns, toBytes(`k${i}`), toBytes('v'))));
        expect(await storages[0].scan(scope, ns)).toHaveLength(6);
        const { rows } = await admin.query(`SELECT version FROM "${fresh}".silo_schema_migrations`);
        expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
      } finally {
        await Promise.all(storages.map((s) => s.close()));
        await admin.query(`DROP SCHEMA IF EXISTS "${fresh}" CASCADE`);
      }
    });

    it('should refuse a schema migrated by a newer version, saying how to fix it', async () => {
      const future = `silo_test_${randomBytes(6).toString('hex')}`;
      await admin.query(
        `CREATE SCHEMA "${future}"; CREATE TABLE "${future}".silo_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz); INSERT INTO "${future}".silo_schema_migrations VALUES (7, now())`,
      );
      const storage = new PostgresStorage({ connectionString: url, schema: future });
      try {
        await expect(storage.get(scope, ns, toBytes('k'))).rejects.toThrow(/\[SILO330\].*version 7.*Upgrade vgi-silo/);
      } finally {
        await storage.close();
        await admin.query(`DROP SCHEMA IF EXISTS "${future}" CASCADE`);
      }
    });

    it('should report an unreachable server with the address and a masked password', async () => {
      const storage = new PostgresStorage({ connectionString: 'postgres://me:hunter2@127.0.0.1:1/db' });
      try {
        const error = await storage.get(scope, ns, toBytes('k')).catch((e: Error) => e);
        expect(String(error)).toMatch(
          /\[SILO329\] PostgresStorage could not connect to postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/db/,
        );
        expect(String(error)).not.toContain('hunter2');
      } finally {
        await storage.close();
      }
    });

    it('should refuse a schema name that is not a plain identifier', () => {
      expect(() => new PostgresStorage({ connectionString: url, schema: 'a"; DROP TABLE x; --' })).toThrow(
        /\[SILO326\]/,
      );
    });

    it('should let a log reader paging by id see every entry while writers append', async () => {
      const storages = Array.from(
        { length: 3 },
        () => new PostgresStorage({ connectionString: url, schema, maxConnections: 3 }),
      );
      const reader = storages[0];
      const s: StorageScope = { kind: 'execution', id: new Uint8Array(randomBytes(16)) };
      const total = 300;
      let written = 0;
      const writers = storages.map(async (st) => {
        while (written < total) {
          written++;
          await st.append(s, ns, toBytes('log'), toBytes('x'));
        }
      });
      const seen: bigint[] = [];
      let afterId = 0n;
      let done = false;
      void Promise.all(writers).then(() => (done = true));
      for (;;) {
        const finished = done;
        const page = await reader.logScan(s, ns, toBytes('log'), { afterId, limit: 50 });
        for (const e of page) seen.push(e.id);
        if (page.length) afterId = page[page.length - 1].id;
        else if (finished) break;
      }
      const all = (await reader.logScan(s, ns, toBytes('log'))).map((e) => e.id);
      expect(seen).toEqual(all);
      await Promise.all(storages.map((st) => st.close()));
    });
  });
});
