/**
 * The main job (`npm start`) as the quick start runs it: the samples as SQL in a real
 * DuckDB, through worker processes DuckDB starts, with SQLite storage, checked against
 * plain SQL by the job itself. Here from source, at the smallest size it accepts.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REGISTER_TS, REPO } from '../integration/client/support';

jest.setTimeout(180_000);

const run = promisify(execFile);

describe('the main job', () => {
  it('should print the samples computed by DuckDB through Silo workers, what ran where, and leave no storage behind', async () => {
    const { stdout } = await run(process.execPath, ['-r', REGISTER_TS, join(REPO, 'samples', 'main-job.ts')], {
      cwd: REPO,
      env: { ...process.env, SILO_MAIN_ROWS: '100000' },
      timeout: 170_000,
    });
    expect(stdout).toMatch(/^DuckDB v1\.5\.3 with the vgi extension \(protocol 1\.0\.0\) from npm, 4 threads\n/);
    expect(stdout).toContain(
      "per_key_sum((SELECT city, fare FROM trips), key := 'city', value := 'fare') ORDER BY city\n  -> 12 groups in ",
    );
    expect(stdout).toMatch(
      /execution [0-9a-f]{32}: 49 process calls on sink pids \[\d+(, \d+)*\], combine on \[\d+\], finalize streams on \[\d+(, \d+)*\]/,
    );
    expect(stdout).toContain('  = SELECT city, sum(fare), count(*) FROM trips GROUP BY city\n');
    expect(stdout).toContain('  = SELECT * FROM trips ORDER BY fare DESC LIMIT 5 (fares)\n');
    expect(stdout).toContain('  = one trip of trips per city of SELECT DISTINCT city FROM trips\n');
    expect(stdout).toContain('  = SELECT trip_id, fare FROM trips WHERE trip_id % 4 = 0 ORDER BY fare DESC, trip_id\n');
    expect(stdout).toContain('storage left by the executions after their destructors: 0 scopes\n');
  });
});
