import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordBatch, tableFromArrays, Field, Schema, Utf8 } from 'apache-arrow';
import { Pool } from 'pg';
import {
  BufferingFunction,
  Combine,
  type FunctionStorage,
  Finalize,
  Inject,
  type Output,
  PostgresStorage,
  Process,
  SECRETS,
  STORAGE,
  type Secrets,
  type SinkContext,
  SqliteStorage,
  defineModule,
  batchFromColumns,
  OnBind,
} from '../../../src';
import { createTestingWorker } from '../../../src/testing';

const SECRET = `hunter2-${randomBytes(8).toString('hex')}`;
const OUT = new Schema([new Field('seen', new Utf8(), true)]);

/** Reads its secret in every phase, so the secret must reach processes that never saw the bind. */
@BufferingFunction({ name: 'uses_secret', requiredSecrets: [{ type: 's3' }] })
class UsesSecret {
  constructor(@Inject(SECRETS) private readonly secrets: Secrets) {}
  @OnBind() bind() {
    return OUT;
  }
  @Process() process(_b: RecordBatch, ctx: SinkContext) {
    this.secrets.require('prod');
    return ctx.executionId;
  }
  @Combine() combine(_ids: Uint8Array[], ctx: SinkContext) {
    return [ctx.executionId];
  }
  @Finalize() finalize(_s: unknown, out: Output) {
    out.emit(
      batchFromColumns(OUT, { seen: [String(this.secrets.require('prod').values.secret).length > 0 ? 'yes' : 'no'] }),
    );
    out.finish();
  }
}

const modules = [defineModule({ functions: [UsesSecret] })];
const input = tableFromArrays({ x: Int32Array.from([1, 2, 3]) });
const secrets = [{ name: 'prod', type: 's3', values: { key_id: 'AKIA', secret: SECRET } }];

/** Starts a query up to combine (so the init context is persisted), stopping before the destructor clears it. */
async function persistExecution(storage: FunctionStorage): Promise<void> {
  const worker = await createTestingWorker({ modules }).overrideProvider(STORAGE).useValue(storage).compile();
  // A full run, every phase in a fresh container, proves the secret crosses phases...
  const { output } = await worker.run('uses_secret', { input, secrets, chaos: { rerun: false } });
  expect(output.getChild('seen')!.get(0)).toBe('yes');
  // ...then an execution left open keeps its persisted context for inspection.
  const bind = {
    functionName: 'uses_secret',
    arguments: { positional: [], named: {} },
    inputSchema: input.schema,
    secrets,
  };
  const { outputSchema } = await worker.dispatcher.bind(bind);
  await worker.dispatcher.initSink({ bind, outputSchema });
}

describe('Secrets at rest', () => {
  it('should never write a secret value in plaintext to the SQLite file or its WAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'silo-secrets-'));
    const storage = new SqliteStorage({ path: join(dir, 'storage.db') });
    try {
      await persistExecution(storage);
      expect((await storage.listScopes()).length).toBeGreaterThan(0);
      const files = readdirSync(dir);
      expect(files).toContain('storage.db');
      for (const f of files) {
        const bytes = readFileSync(join(dir, f));
        expect(bytes.includes(SECRET)).toBe(false);
        expect(bytes.includes(Buffer.from(SECRET).toString('base64').slice(0, 16))).toBe(false);
      }
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const url = process.env.DATABASE_URL;
  (url ? it : it.skip)('should never write a secret value in plaintext to the PostgreSQL tables', async () => {
    const schema = `silo_secrets_${randomBytes(6).toString('hex')}`;
    const storage = new PostgresStorage({ connectionString: url, schema });
    const admin = new Pool({ connectionString: url, max: 1 });
    try {
      await persistExecution(storage);
      const tables = await admin.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
        [schema],
      );
      expect(tables.rows.length).toBeGreaterThan(0);
      let rows = 0;
      for (const { table_name } of tables.rows) {
        const dump = await admin.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${table_name}" t`);
        rows += dump.rowCount ?? 0;
        for (const { row } of dump.rows) {
          // bytea renders as hex: look for the secret both as text and as hex.
          expect(row.includes(SECRET)).toBe(false);
          expect(row.includes(Buffer.from(SECRET).toString('hex'))).toBe(false);
        }
      }
      expect(rows).toBeGreaterThan(0);
    } finally {
      await storage.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});
