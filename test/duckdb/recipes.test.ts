/**
 * The recipes' samples, `dedup` and `external_sort` (catalog `samples`), as SQL in a real
 * DuckDB: the sink runs in a process per DuckDB thread, combine and the finalize streams
 * in pooled workers, all sharing one SQLite file; checked against plain SQL.
 */
import { openWithWorker, queryError, SAMPLES_ENTRY, type WorkerDb } from '../support/duckdb';

jest.setTimeout(240_000);

/* 120k events of 3,000 users; `payload` repeats with period 7, so (user, payload) keys repeat too. */
const EVENTS = `
  CREATE TABLE events AS
  SELECT range AS event_id,
         (hash(range) % 3000)::INTEGER AS user_id,
         'p' || (range % 7)::VARCHAR AS payload,
         ((range * 7919) % 120011)::DOUBLE / 10 AS amount
  FROM range(120000)`;

describe('The recipe samples through DuckDB', () => {
  let w: WorkerDb;

  beforeAll(async () => {
    w = await openWithWorker({ entry: SAMPLES_ENTRY, config: { threads: '2' } });
    await w.db.run('SET vgi_worker_pool_idle_limit_seconds = 600');
    await w.db.run(EVENTS);
  });

  afterAll(() => w?.close());

  it('should keep exactly one real row per user, as many as SELECT DISTINCT user_id finds', async () => {
    await w.db.run("CREATE TEMP TABLE firsts AS SELECT * FROM samples.dedup((SELECT * FROM events), key := 'user_id')");
    const check = await w.db.query(`
      SELECT (SELECT count(*) FROM firsts) AS rows, (SELECT count(DISTINCT user_id) FROM firsts) AS users,
             (SELECT count(*) FROM firsts JOIN events USING (event_id, user_id, payload, amount)) AS real_rows,
             (SELECT count(DISTINCT user_id) FROM events) AS expected`);
    const { rows, users, real_rows: realRows, expected } = check.rows[0];
    expect([rows, users, realRows]).toEqual([expected, expected, expected]);
  });

  it('should keep the first row of each (user, payload) in input order with one DuckDB thread', async () => {
    await w.db.run('SET threads = 1');
    try {
      const through = await w.db.query(
        "SELECT event_id FROM samples.dedup((SELECT * FROM events), key := 'user_id, payload') ORDER BY event_id",
      );
      const plain = await w.db.query(
        'SELECT min(event_id) AS event_id FROM events GROUP BY user_id, payload ORDER BY event_id',
      );
      expect(through.rows.length).toBe(plain.rows.length);
      expect(through.rows.map((r) => r.event_id)).toEqual(plain.rows.map((r) => r.event_id));
    } finally {
      await w.db.run('SET threads = 2');
    }
  });

  it('should return the rows in ORDER BY amount DESC, event_id order, through multi-pass merges (fan_in := 4)', async () => {
    // 120k rows in batches of 2,048: about 60 runs, merged 4 at a time in combine, then in the finalize stream.
    const through = await w.db.query(
      "SELECT event_id, amount FROM samples.external_sort((SELECT * FROM events), by := 'amount DESC, event_id', fan_in := 4)",
    );
    const plain = await w.db.query('SELECT event_id, amount FROM events ORDER BY amount DESC, event_id');
    expect(through.rows).toHaveLength(120_000);
    expect(through.rows.map((r) => r.event_id)).toEqual(plain.rows.map((r) => r.event_id));
  });

  it('should sort by text with the default fan-in, ties broken by a second key, as ORDER BY does', async () => {
    const through = await w.db.query(
      "SELECT event_id FROM samples.external_sort((SELECT * FROM events WHERE user_id < 500), by := 'payload, user_id DESC, event_id')",
    );
    const plain = await w.db.query(
      'SELECT event_id FROM events WHERE user_id < 500 ORDER BY payload, user_id DESC, event_id',
    );
    expect(through.rows.map((r) => r.event_id)).toEqual(plain.rows.map((r) => r.event_id));
  });

  it("should refuse a key column the input does not have, with the recipe's coded message", async () => {
    const message = await queryError(
      w.db,
      "SELECT * FROM samples.external_sort((SELECT * FROM events), by := 'price')",
    );
    expect(message).toContain(
      '[SILO560] external_sort: no column "price" in the input (columns: event_id, user_id, payload, amount). Name one of the input\'s columns as the key.',
    );
  });
});
