/**
 * docs/serving.md's stdio and unix socket examples, through a real DuckDB: the guide's
 * worker entry and module are written out as files, and the guide's own ATTACH and SELECT
 * run as written, with only the LOCATION pointing at those files (and at a temporary
 * storage and socket).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { toShellCommand } from '../../src/cli/entry-command';
import { EmbeddedDuckDb } from '../../src/duckdb';
import {
  REPO,
  endPooledWorkers,
  hostEnv,
  plainRows,
  useDuckDbStorage,
  workerArgv,
  type DuckDbStorage,
} from '../support/duckdb';
import { ROOT, guideSnippets, markdownBlocks } from '../support/typescript-snippets';

jest.setTimeout(180_000);

const GUIDE = 'docs/serving.md';
const markdown = readFileSync(path.join(ROOT, GUIDE), 'utf8');
const stdioSql = markdownBlocks(markdown, 'sql').find((b) => b.code.includes("LOCATION 'node dist/worker.js'"));
const shownResult = markdownBlocks(markdown, 'text').find((b) => stdioSql && b.line > stdioSql.line);
const unixSql = markdownBlocks(markdown, 'sql').find((b) => b.code.includes("LOCATION 'unix:///tmp/fns.sock'"));
const unixCommand = markdownBlocks(markdown, 'bash').find((b) => b.code.includes('--unix /tmp/fns.sock'));

describe(`${GUIDE}: the stdio and unix socket examples through DuckDB`, () => {
  let dir: string;
  let storage: DuckDbStorage;
  let db: EmbeddedDuckDb | undefined;

  beforeAll(() => {
    storage = useDuckDbStorage('silo-docs-serving-');
    dir = mkdtempSync(path.join(tmpdir(), 'silo-docs-worker-'));
    mkdirSync(path.join(dir, 'src'));
    // The guide's files, as a project would have them; packages resolve from this repository.
    for (const s of guideSnippets(GUIDE)) writeFileSync(path.join(dir, 'src', s.file), s.code);
    symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  });

  afterAll(() => {
    db?.close();
    endPooledWorkers(storage.env.SILO_SQLITE_PATH);
    storage.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should have an ATTACH of the stdio worker and the result it shows', () => {
    expect(stdioSql?.code).toContain('ATTACH');
    expect(shownResult?.code).toMatch(/\d/);
  });

  it("should attach the guide's worker over stdio and answer the guide's query with the result shown", async () => {
    const env = ['SILO_STORAGE', 'SILO_SQLITE_PATH', 'SILO_SECRET_KEY'].map((k) => `${k}=${storage.env[k]}`);
    const location = toShellCommand(['env', ...env, ...workerArgv(path.join(dir, 'src', 'worker.ts'))]);
    const statements = stdioSql!.code
      .replace("LOCATION 'node dist/worker.js'", `LOCATION '${location.replace(/'/g, "''")}'`)
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean);
    db = await EmbeddedDuckDb.open({ resolveFrom: [REPO] });
    let last;
    for (const sql of statements) last = await db.query(sql);
    const shown = Number(/([\d.]+)\s*│\s*$/m.exec(shownResult!.code)![1]);
    expect(plainRows(last!)).toEqual([{ total: shown }]);
    expect(shown).toBe(1498500);
  });

  it("should serve the guide's query from one worker on a unix socket, started as the guide starts it", async () => {
    expect(unixCommand?.code).toContain('node dist/worker.js --unix /tmp/fns.sock');
    const socket = path.join(storage.dir, 'fns.sock');
    const flags = /--unix \S+(.*)$/m.exec(unixCommand!.code)![1].trim().split(/\s+/).filter(Boolean); // the guide's other options
    const [node, ...args] = workerArgv(path.join(dir, 'src', 'worker.ts'), ['--unix', socket, ...flags]);
    const child = spawn(node, args, { env: { ...hostEnv } });
    try {
      await new Promise<void>((done, fail) => {
        child.stdout.once('data', () => done());
        child.once('exit', (code) => fail(new Error(`the worker exited (${code}) before listening`)));
      });
      const unixDb = await EmbeddedDuckDb.open({ resolveFrom: [REPO] });
      try {
        await unixDb.query(unixSql!.code.replace('unix:///tmp/fns.sock', `unix://${socket}`));
        const query = stdioSql!.code
          .split(';')
          .map((q) => q.trim())
          .find((q) => q.startsWith('SELECT'))!;
        expect(plainRows(await unixDb.query(query))).toEqual([{ total: 1498500 }]);
      } finally {
        unixDb.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
  });
});
