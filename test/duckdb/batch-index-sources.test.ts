/**
 * `batch_index_buffer_input` declares requires_input_batch_index. With the 1.0 extension
 * (15fe529) and DuckDB 1.5.3, a source that cannot number its chunks never reaches the
 * extension's own "does not support batch_index" IO Error: DuckDB fails the query with an
 * INTERNAL Error that invalidates the whole database, or, for `range()`, the DuckDB
 * process dies. Each source runs in a DuckDB process of its own for that reason.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO, workerArgv } from '../support/duckdb';

jest.setTimeout(180_000);

interface Outcome {
  readonly lines: { ok: boolean; rows?: Record<string, unknown>[]; error?: string }[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

function runInOwnDuckDb(statements: string[]): Promise<Outcome> {
  const [node, ...args] = workerArgv(join(REPO, 'test', 'support', 'duckdb-sql-runner.ts'), [
    JSON.stringify(statements),
  ]);
  return new Promise((done) => {
    execFile(node, args, { cwd: REPO, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      const failure = error as (Error & { code?: number | null; signal?: NodeJS.Signals | null }) | null;
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Outcome['lines'][number]);
      done({ lines, code: failure ? (failure.code ?? null) : 0, signal: failure?.signal ?? null });
    });
  });
}

const call = (source: string) => `SELECT * FROM example.batch_index_buffer_input((${source}))`;
const NEXT = 'SELECT x FROM example.buffer_input((SELECT 7 AS x))';
const INVALIDATED =
  'FATAL Error: Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again.';

describe('batch_index_buffer_input over sources without a batch index (extension 15fe529)', () => {
  let values: Outcome;
  let unnest: Outcome;
  let range: Outcome;

  beforeAll(async () => {
    [values, unnest, range] = await Promise.all([
      runInOwnDuckDb([call('SELECT * FROM (VALUES (1), (2)) t(x)'), NEXT]),
      runInOwnDuckDb([call('SELECT unnest([1, 2, 3]) AS x'), NEXT]),
      runInOwnDuckDb([call('SELECT * FROM range(3) t(x)'), NEXT]),
    ]);
  });

  it('should fail over VALUES with an INTERNAL Error from the pipeline scheduler, which invalidates the database', () => {
    expect(values.lines.map((l) => l.ok)).toEqual([false, false]);
    expect(values.lines[0].error!.split('\n')[0]).toBe(
      'INTERNAL Error: Attempting to schedule a pipeline where the sink requires batch index but source does not support it',
    );
    expect(values.lines[1].error!.split('\n')[0]).toBe(INVALIDATED);
    expect(values.code).toBe(0);
  });

  it('should fail over unnest() with an INTERNAL Error from the extension, which invalidates the database', () => {
    expect(unnest.lines.map((l) => l.ok)).toEqual([false, false]);
    expect(unnest.lines[0].error!.split('\n')[0]).toBe(
      'INTERNAL Error: Calling GetPartitionData on a node that does not support it',
    );
    expect(unnest.lines[1].error!.split('\n')[0]).toBe(INVALIDATED);
  });

  it('should take the DuckDB process down over range() (SIGSEGV), answering nothing', () => {
    expect(range.lines).toEqual([]);
    expect(range.signal).toBe('SIGSEGV');
  });
});
