/**
 * The package as users get it: `npm pack` (which builds through `prepack`), the tarball
 * installed into a scratch project with its peers, a function compiled against the
 * published types with `tsc` (`skipLibCheck: false`) as CommonJS (`moduleResolution:
 * node`) and as ESM (`node16`), then run through the TestBed and through `silo run` with
 * real worker processes.
 *
 * npm runs with a cache beside the dependencies (node_modules/.cache), so after the first
 * run the installs come from it; the registry is asked only for what it lacks. About 85 s
 * of CPU (the build and two type-checks of every published declaration dominate); the
 * timeouts leave room for a loaded machine.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const REPO = resolve(__dirname, '..', '..', '..');
const FIXTURES = join(REPO, 'test', 'fixtures', 'packaging');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };

/** The version of a package installed in the repository, so the scratch install hits the cache. */
function installed(name: string): string {
  return `${name}@${(JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`;
}

const npmEnv: NodeJS.ProcessEnv = {
  ...process.env,
  npm_config_cache: join(REPO, 'node_modules', '.cache', 'packaging-npm'),
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
};

async function npm(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await exec('npm', args, { cwd, env: npmEnv, maxBuffer: 64 * 1024 * 1024, timeout: 420_000 });
    return stdout;
  } catch (e) {
    const error = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${error.stderr ?? ''}${error.stdout ?? ''}`);
  }
}

async function run(
  file: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(file, args, { cwd, env, timeout: 220_000 });
  } catch (e) {
    const error = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${error.stderr ?? ''}${error.stdout ?? ''}`);
  }
}

const COMPILER_OPTIONS = {
  target: 'ES2022',
  strict: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  skipLibCheck: false,
  types: ['node'],
  outDir: 'dist',
  rootDir: 'src',
};

/** What `npm pack` reads, copied so that its build does not replace the repository's dist/. */
const PACKED_SOURCES = [
  'src',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.pack.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
];

function copyOfRepository(dir: string): void {
  for (const entry of PACKED_SOURCES) cpSync(join(REPO, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

/**
 * A scratch project of one module kind holding the fixture sources; node_modules is its
 * parent's. ES modules take apache-arrow from 'vgi-silo/arrow' (its 'apache-arrow' would be
 * the ESM build, another copy); CommonJS code imports 'apache-arrow' itself.
 */
function scratchProject(dir: string, kind: 'commonjs' | 'module', compilerOptions: Record<string, unknown>): void {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `scratch-${kind}`, private: true, type: kind }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...COMPILER_OPTIONS, ...compilerOptions }, include: ['src'] }, null, 2),
  );
  for (const file of ['sum-rows.function.ts', 'check.ts', 'worker.ts']) {
    const source = readFileSync(join(FIXTURES, file), 'utf8');
    writeFileSync(
      join(dir, 'src', file),
      kind === 'commonjs' ? source.replace(/from 'vgi-silo\/arrow'/g, "from 'apache-arrow'") : source,
    );
  }
}

describe('the packed package', () => {
  const work = mkdtempSync(join(tmpdir(), 'silo-packaging-'));
  const app = join(work, 'app');
  let files: string[] = [];
  let tarball = '';

  beforeAll(async () => {
    const source = join(work, 'source');
    copyOfRepository(source);
    const [packed] = JSON.parse(await npm(['pack', '--json', '--pack-destination', work], source)) as {
      filename: string;
      files: { path: string }[];
    }[];
    files = packed.files.map((f) => f.path);
    tarball = join(work, packed.filename);
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true }));
    // Peers the user installs; pg and @jest/globals deliberately not. Scripts are skipped:
    // better-sqlite3 would compile for a minute, so the repository's built copy stands in.
    await npm(
      [
        'install',
        '--prefer-offline',
        '--ignore-scripts',
        '--no-package-lock',
        join(work, packed.filename),
        installed('apache-arrow'),
        installed('tsyringe'),
        installed('reflect-metadata'),
        installed('class-validator'),
        installed('@types/node'),
        installed('esbuild'),
      ],
      app,
    );
    rmSync(join(app, 'node_modules', 'better-sqlite3'), { recursive: true, force: true });
    symlinkSync(join(REPO, 'node_modules', 'better-sqlite3'), join(app, 'node_modules', 'better-sqlite3'), 'dir');
    scratchProject(join(app, 'cjs'), 'commonjs', { module: 'commonjs', moduleResolution: 'node' });
    scratchProject(join(app, 'esm'), 'module', { module: 'node16', moduleResolution: 'node16' });
  }, 480_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('should ship the compiled code, its types, the license and the changelog, and no source maps or tests', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'CHANGELOG.md',
        'package.json',
        'dist/src/index.js',
        'dist/src/index.d.ts',
        'dist/src/testing/index.d.ts',
        'dist/src/testing/storage-conformance.d.ts',
        'dist/src/apache-arrow.d.ts',
        'dist/src/cli/main.js',
        'dist/src/client/index.d.ts',
        'dist/src/server/index.d.ts',
      ]),
    );
    expect(files.filter((f) => !/^dist\/src\/.+\.(js|d\.ts)$/.test(f)).sort()).toEqual([
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'package.json',
    ]);
    expect(files.filter((f) => f.endsWith('.map') || f.includes('.test.'))).toEqual([]);
    expect(readFileSync(join(app, 'node_modules', 'vgi-silo', 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) \d{4} the Silo authors\n/,
    );
  });

  it('should not install pg, @jest/globals or DuckDB, which are optional peers', () => {
    for (const name of ['pg', '@jest/globals', '@duckdb/node-api', '@types/pg'])
      expect(existsSync(join(app, 'node_modules', name))).toBe(false);
  });

  it.each([
    ['CommonJS with moduleResolution node', 'cjs'],
    ['ESM with moduleResolution node16', 'esm'],
  ])(
    'should compile a function against the published types and run it through the TestBed (%s)',
    async (_name, variant) => {
      const dir = join(app, variant);
      await run(process.execPath, [TSC, '-p', 'tsconfig.json'], dir);
      const { stdout } = await run(process.execPath, [join('dist', 'check.js')], dir);
      expect(JSON.parse(stdout)).toEqual({
        total: String(7 + (4999 * 5000) / 2),
        rows: '5000',
        leaks: [],
        postgres:
          '[SILO345] PostgreSQL storage (SILO_STORAGE=postgres, or new PostgresStorage()) needs the "pg" package, which vgi-silo does not install. Install it next to vgi-silo: npm install pg',
        subpaths: ['function', 'function', 'function'],
      });
    },
    240_000,
  );

  /** The CommonJS scratch project, its worker compiled. */
  async function compiledCjs(): Promise<string> {
    const dir = join(app, 'cjs');
    if (!existsSync(join(dir, 'dist', 'worker.js'))) await run(process.execPath, [TSC, '-p', 'tsconfig.json'], dir);
    return dir;
  }

  /**
   * `silo run <entry> sum_rows` over a column n = 0..rows-1 with `offset`, through two sink
   * workers, from the CommonJS project with the installed silo command: its ndjson output.
   */
  async function sumRowsThroughSilo(
    entry: string,
    rows: number,
    offset: number,
    env: NodeJS.ProcessEnv,
  ): Promise<string> {
    const input = join(work, `in-${rows}.csv`);
    writeFileSync(input, `n\n${Array.from({ length: rows }, (_, i) => i).join('\n')}\n`);
    const { stdout } = await run(
      join(app, 'node_modules', '.bin', 'silo'),
      [
        'run',
        entry,
        'sum_rows',
        '--input',
        input,
        '--arg',
        `offset=${offset}`,
        '--workers',
        '2',
        '--out',
        '-',
        '--format',
        'ndjson',
        '--quiet',
      ],
      join(app, 'cjs'),
      env,
    );
    return stdout;
  }

  it('should run the compiled worker through the installed silo command, writing the result to stdout', async () => {
    const dir = await compiledCjs();
    const env = {
      ...process.env,
      SILO_STORAGE: 'sqlite',
      SILO_SQLITE_PATH: join(work, 'storage.db'),
      SILO_SECRET_KEY: randomBytes(32).toString('hex'),
    };
    const silo = join(app, 'node_modules', '.bin', 'silo');
    expect((await run(silo, ['--version'], dir, env)).stdout).toBe(`${pkg.version}\n`);
    expect(await sumRowsThroughSilo(join('dist', 'worker.js'), 100, 1, env)).toBe(`{"total":${1 + 4950},"rows":100}\n`);
  }, 240_000);

  it('should build a start-up snapshot of the compiled worker with silo snapshot, and run the function through workers started from it', async () => {
    const dir = await compiledCjs();
    const env = {
      ...process.env,
      SILO_STORAGE: 'sqlite',
      SILO_SQLITE_PATH: join(work, 'snapshot.db'),
      SILO_SQLITE_SPOOL_BYTES: '1',
      SILO_SECRET_KEY: randomBytes(32).toString('hex'),
    };
    const silo = join(app, 'node_modules', '.bin', 'silo');
    const blob = join(work, 'worker.blob');
    const built = await run(silo, ['snapshot', join('dist', 'worker.js'), '--out', blob], dir, env);
    expect(built.stdout).toContain(`written to ${blob}`);
    expect(built.stdout).toMatch(/served catalog "packaged" \(1 function\): spawn to discovered in \d+ ms/);
    // The installed CLI bundles its rehearsal of the request path into the snapshot's build.
    expect(built.stdout).toMatch(/rehearsed the request path in protocol 1\.0\.0, 1\.3\.0, 2\.0\.0 \(\d+ ms\)/);
    expect(built.stdout).toContain(`LOCATION '${process.execPath} --snapshot-blob ${blob}'`);
    // Two sink workers and a finalize worker, each a process started from the snapshot, with
    // this environment (the storage) and their own arguments.
    expect(await sumRowsThroughSilo(`${process.execPath} --snapshot-blob ${blob}`, 3000, 2, env)).toBe(
      `{"total":${2 + (2999 * 3000) / 2},"rows":3000}\n`,
    );
  }, 240_000);

  it('should scaffold a project with silo init that installs the packed package, compiles, passes its test and serves its function', async () => {
    const project = join(work, 'scaffold');
    const silo = join(app, 'node_modules', '.bin', 'silo');
    expect((await run(silo, ['init', project, '--catalog', 'demo'], work)).stdout).toContain(
      `(vgi-silo ^${pkg.version}, catalog demo)`,
    );
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).sort()).toEqual([
      'apache-arrow',
      'reflect-metadata',
      'tsyringe',
      'vgi-silo',
    ]);
    // The runtime dependencies install as a user's would, vgi-silo from the packed tarball and
    // its peers from the cache the install above filled; the build and test tools are the
    // repository's, at versions inside the ranges the project asks for (a registry install of
    // jest and swc would cost most of a minute).
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify(
        { ...manifest, dependencies: { ...manifest.dependencies, 'vgi-silo': `file:${tarball}` } },
        null,
        2,
      ),
    );
    await npm(['install', '--prefer-offline', '--ignore-scripts', '--no-package-lock', '--omit=dev'], project);
    rmSync(join(project, 'node_modules', 'better-sqlite3'), { recursive: true, force: true });
    symlinkSync(join(REPO, 'node_modules', 'better-sqlite3'), join(project, 'node_modules', 'better-sqlite3'), 'dir');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const semver = require(join(REPO, 'node_modules', 'semver')) as {
      satisfies(version: string, range: string): boolean;
    };
    for (const [name, range] of Object.entries(manifest.devDependencies)) {
      const version = (
        JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
      ).version;
      expect(`${name}@${version} satisfies ${range}: ${semver.satisfies(version, range)}`).toBe(
        `${name}@${version} satisfies ${range}: true`,
      );
      // Some may have come along with the runtime install (@types/node, with vgi-silo's types).
      rmSync(join(project, 'node_modules', name), { recursive: true, force: true });
      mkdirSync(join(project, 'node_modules', name, '..'), { recursive: true });
      symlinkSync(join(REPO, 'node_modules', name), join(project, 'node_modules', name), 'dir');
    }
    await run(process.execPath, [TSC, '-p', 'tsconfig.json', '--noEmit'], project);
    await run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], project);
    const tests = await run(process.execPath, [join(REPO, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci'], project);
    expect(tests.stderr).toMatch(/Tests: {7}2 passed, 2 total/);
    writeFileSync(join(project, 'in.csv'), `value\n${Array.from({ length: 100 }, (_, i) => i).join('\n')}\n`);
    const env = {
      ...process.env,
      SILO_STORAGE: 'sqlite',
      SILO_SQLITE_PATH: join(work, 'scaffold.db'),
      SILO_SECRET_KEY: randomBytes(32).toString('hex'),
    };
    const served = await run(
      join(project, 'node_modules', '.bin', 'silo'),
      [
        'run',
        join('dist', 'worker.js'),
        'column_sum',
        '--input',
        'in.csv',
        '--out',
        '-',
        '--format',
        'ndjson',
        '--quiet',
      ],
      project,
      env,
    );
    expect(served.stdout).toBe(`{"sum":${4950},"rows":100}\n`);
  }, 240_000);
});
