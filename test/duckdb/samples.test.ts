/**
 * The two samples, `top_k` and `per_key_sum` (catalog `samples`), over 200k generated
 * trips in a real DuckDB, checked against the same question asked in plain SQL.
 */
import { openWithWorker, SAMPLES_ENTRY, type WorkerDb } from '../support/duckdb';

jest.setTimeout(180_000);

/*
 * 200k trips: 37 cities, fares unique (i * 7919 mod 200003 is a bijection below the
 * prime 200003), so `ORDER BY fare DESC LIMIT k` has exactly one answer.
 */
const TRIPS = `
  CREATE TABLE trips AS
  SELECT range AS trip_id,
         'city_' || (hash(range) % 37)::VARCHAR AS city,
         (((range * 7919) % 200003) / 100)::DOUBLE AS fare
  FROM range(200000)`;

describe('The samples through DuckDB', () => {
  let w: WorkerDb;

  beforeAll(async () => {
    w = await openWithWorker({ entry: SAMPLES_ENTRY, config: { threads: '2' } });
    await w.db.run('SET vgi_worker_pool_idle_limit_seconds = 600');
    await w.db.run(TRIPS);
  });

  afterAll(() => w?.close());

  it('should attach the samples worker under its own catalog name', () => {
    expect(w.alias).toBe('samples');
  });

  it('should return the same 25 trips as ORDER BY fare DESC LIMIT 25, largest first', async () => {
    const through = await w.db.query(
      "SELECT trip_id, city, fare FROM samples.top_k(25, (SELECT * FROM trips), by := 'fare')",
    );
    const plain = await w.db.query('SELECT trip_id, city, fare FROM trips ORDER BY fare DESC LIMIT 25');
    expect(through.rows).toHaveLength(25);
    expect(through.rows).toEqual(plain.rows);
  });

  it('should give every city the sum and count GROUP BY gives', async () => {
    const through = await w.db.query(
      "SELECT city, round(sum, 2) AS total, count FROM samples.per_key_sum((SELECT * FROM trips), key := 'city', value := 'fare') ORDER BY city",
    );
    const plain = await w.db.query(
      'SELECT city, round(sum(fare)::DOUBLE, 2) AS total, count(*) AS count FROM trips GROUP BY city ORDER BY city',
    );
    expect(through.rows).toHaveLength(37);
    expect(through.rows).toEqual(plain.rows);
  });

  it("should refuse a ranking column the input does not have, with the sample's message", async () => {
    const message = await w.db.query("SELECT * FROM samples.top_k(3, (SELECT * FROM trips), by := 'price')").then(
      () => 'succeeded',
      (e: Error) => e.message,
    );
    const first = message.split('\n')[0];
    expect(first).toMatch(/^Invalid Input Error: VGI Worker Exception: /);
    expect(first).toContain(
      '[SILO560] top_k: no column "price" in the input (columns: trip_id, city, fare). Name one of the input\'s columns as the key.',
    );
  });
});
