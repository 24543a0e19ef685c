/**
 * The files `silo init <dir>` writes: a project with one buffering function in the hook
 * shapes of this release (`process(batch, ctx)`, `finalize(state, out, ctx)`, declared
 * with `implements BufferingHandlers<Args, State>`), its test
 * on the testing worker, a worker entry DuckDB can ATTACH, and the TypeScript and Jest
 * settings decorators need (legacy decorators with their metadata, in tsc and in Jest
 * through @swc/jest). Versions come from this vgi-silo's own package.json, so a project
 * is created against the release that created it.
 */
import { type PackageManifest } from './package-version';

/** What the templates are filled with. */
interface InitSettings {
  /** The npm package name (the directory's name, cleaned). */
  readonly packageName: string;
  /** The catalog the worker serves (ATTACH name in DuckDB): the package name as an identifier. */
  readonly catalog: string;
  readonly manifest: PackageManifest;
}

/** Peers every Silo project installs beside vgi-silo. */
const RUNTIME_PEERS = ['apache-arrow', 'reflect-metadata', 'tsyringe'] as const;
/** Build and test tools, at the versions vgi-silo is developed with. */
const DEV_TOOLS = ['@swc/core', '@swc/jest', '@types/jest', '@types/node', 'jest', 'typescript'] as const;

/** Version ranges of the tools when the manifest has no devDependencies (a stripped install). */
const FALLBACK_RANGES: Readonly<Record<string, string>> = {
  'apache-arrow': '^21.2.0',
  'reflect-metadata': '^0.2.2',
  tsyringe: '^4.10.0',
  '@swc/core': '^1.16.0',
  '@swc/jest': '^0.2.39',
  '@types/jest': '^30.0.0',
  '@types/node': '^20.19.0',
  jest: '^30.0.0',
  typescript: '~5.9.3',
};

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Every file of a new project, by path relative to its directory.
 */
export function initFiles(settings: InitSettings): Record<string, string> {
  const { packageName, catalog, manifest } = settings;
  const range = (name: string): string =>
    manifest.peerDependencies?.[name] ?? manifest.devDependencies?.[name] ?? FALLBACK_RANGES[name];
  const dependencies: Record<string, string> = { 'vgi-silo': `^${manifest.version}` };
  for (const name of RUNTIME_PEERS) dependencies[name] = range(name);
  const devDependencies: Record<string, string> = {};
  for (const name of DEV_TOOLS) devDependencies[name] = manifest.devDependencies?.[name] ?? FALLBACK_RANGES[name];
  return {
    'package.json': json({
      name: packageName,
      version: '0.1.0',
      private: true,
      description: `Silo buffering functions for DuckDB (catalog ${catalog})`,
      main: 'dist/worker.js',
      scripts: {
        build: 'tsc -p tsconfig.build.json',
        test: 'jest',
        typecheck: 'tsc -p tsconfig.json --noEmit',
        start: 'node dist/worker.js',
      },
      dependencies,
      devDependencies,
    }),
    'tsconfig.json': json({
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        moduleResolution: 'node',
        strict: true,
        // Silo's decorators are TypeScript's legacy decorators, and read the parameter types
        // of constructors (dependency injection) from the metadata tsc emits.
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
        skipLibCheck: true,
        types: ['node', 'jest'],
        outDir: 'dist',
        rootDir: 'src',
      },
      include: ['src'],
    }),
    'tsconfig.build.json': json({
      extends: './tsconfig.json',
      compilerOptions: { types: ['node'] },
      exclude: ['src/**/*.test.ts'],
    }),
    'jest.config.js': JEST_CONFIG,
    '.gitignore': 'node_modules/\ndist/\n*.db\n*.db-wal\n*.db-shm\n',
    'src/column-sum.function.ts': FUNCTION,
    'src/column-sum.function.test.ts': FUNCTION_TEST,
    'src/functions.module.ts': MODULE,
    'src/worker.ts': WORKER.replace('__CATALOG__', catalog),
    'README.md': readme(packageName, catalog),
  };
}

const JEST_CONFIG = `/**
 * Jest compiles TypeScript with swc: legacy decorators and decorator metadata, as tsc
 * emits them (Silo's dependency injection reads the constructor parameter types).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
`;

const FUNCTION = `/**
 * \`column_sum((SELECT ...), column := 'value')\`: the sum of a numeric column and the
 * number of rows, however many processes DuckDB feeds the input through.
 *
 * Each sink call (any process, any thread) adds one partial sum to execution storage;
 * the one finalize stream reads every partial and emits a single row. Nothing lives in
 * the process between calls: every hook may run in another worker process.
 */
// RecordBatch is imported as a value, not a type: the decorator metadata tsc emits names
// it, and Silo checks each hook's parameter types against that metadata.
import { Field, Float64, Int64, RecordBatch, Schema } from 'apache-arrow';
import {
  type BindContext, type BoundStorage, BufferingFunction, type BufferingHandlers, EXECUTION_STORAGE, Finalize, type FinalizeContext, Inject, Named, OnBind,
  type Output, Process, type SinkContext, StateField, batchFromColumns, toBytes,
} from 'vgi-silo';

/** The function's arguments. */
export class ColumnSumArgs {
  @Named('utf8', { doc: 'The numeric column to sum', default: 'value' }) column!: string;
}

/** The finalize stream's cursor: whether the one result row was emitted. */
export class ColumnSumCursor {
  @StateField('bool') emitted = false;
}

const OUTPUT = new Schema([new Field('sum', new Float64(), false), new Field('rows', new Int64(), false)]);

@BufferingFunction({
  name: 'column_sum',
  description: 'The sum of a numeric column, and the row count',
  args: ColumnSumArgs,
  state: ColumnSumCursor,
})
export class ColumnSum implements BufferingHandlers<ColumnSumArgs, ColumnSumCursor> {
  constructor(@Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage) {}

  @OnBind() bind(ctx: BindContext<ColumnSumArgs>): Schema {
    if (!ctx.inputSchema.fields.some((f) => f.name === ctx.args.column)) {
      throw new Error(\`column_sum: no column "\${ctx.args.column}" in the input (columns: \${ctx.inputSchema.fields.map((f) => f.name).join(', ')}).\`);
    }
    return OUTPUT;
  }

  @Process() async process(batch: RecordBatch, ctx: SinkContext<ColumnSumArgs>): Promise<void> {
    const values = batch.getChild(ctx.args.column)!;
    let sum = 0;
    for (let i = 0; i < batch.numRows; i++) {
      const v: unknown = values.get(i);
      if (v !== null) sum += Number(v);
    }
    await this.storage.append('partials', '', toBytes(JSON.stringify({ sum, rows: batch.numRows })));
  }

  // No @Combine(): one finalize stream drains the whole input. A @Combine() returning
  // several finalize state ids would drain partitions in parallel streams.

  @Finalize() async finalize(state: ColumnSumCursor, out: Output, ctx: FinalizeContext<ColumnSumArgs>): Promise<void> {
    if (state.emitted) return out.finish();
    let sum = 0;
    let rows = 0n;
    for (const entry of await this.storage.logScan('partials', '')) {
      const partial = JSON.parse(new TextDecoder().decode(entry.value)) as { sum: number; rows: number };
      sum += partial.sum;
      rows += BigInt(partial.rows);
    }
    out.emit(batchFromColumns(ctx.fullOutputSchema, { sum: [sum], rows: [rows] }));
    state.emitted = true;
  }
}
`;

const FUNCTION_TEST = `import 'reflect-metadata';
import { tableFromArrays } from 'apache-arrow';
import { createTestingWorker } from 'vgi-silo/testing';
import { FunctionsModule } from './functions.module';

describe('column_sum', () => {
  const n = 10_000;
  const input = tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => i), value: Float64Array.from({ length: n }, (_, i) => i / 2) });

  it('should sum the column over 4 sink connections, every phase in a fresh container', async () => {
    const worker = await createTestingWorker({ modules: [FunctionsModule] }).compile();
    const { output, leaks } = await worker.run('column_sum', { input, sinkConnections: 4, batchSize: 1000, chaos: true });
    expect(output.getChild('sum')!.get(0)).toBe((n * (n - 1)) / 4);
    expect(output.getChild('rows')!.get(0)).toBe(BigInt(n));
    expect(leaks).toEqual([]);
  });

  it('should refuse a column the input does not have, at bind', async () => {
    const worker = await createTestingWorker({ modules: [FunctionsModule] }).compile();
    await expect(worker.run('column_sum', { input, args: { column: 'fare' } })).rejects.toThrow('column_sum: no column "fare" in the input (columns: id, value)');
  });
});
`;

const MODULE = `import { defineModule } from 'vgi-silo';
import { ColumnSum } from './column-sum.function';

/** The functions this worker serves. */
export const FunctionsModule = defineModule({ name: 'functions', functions: [ColumnSum] });
`;

const WORKER = `/**
 * The worker DuckDB starts (ATTACH ... LOCATION 'node dist/worker.js'): stdio by default,
 * or --unix PATH, or --http PORT.
 */
import 'reflect-metadata';
import { bootstrapWorker, serveWorker } from 'vgi-silo';
import { FunctionsModule } from './functions.module';

void bootstrapWorker({ catalog: '__CATALOG__', modules: [FunctionsModule] }).then((worker) => serveWorker(worker, process.argv.slice(2)));
`;

function readme(packageName: string, catalog: string): string {
  return `# ${packageName}

Silo buffering functions for DuckDB, served by a worker process over Arrow IPC.

\`\`\`bash
npm install
npm test              # the function through the testing worker (every phase in a fresh container)
npm run build         # dist/worker.js
npx silo list dist/worker.js
npx silo run dist/worker.js column_sum --input data.csv --arg column=value
\`\`\`

## From DuckDB

Install DuckDB for Node.js and the \`vgi\` extension (or use any DuckDB 1.5.3 with the
extension loaded), then ATTACH the worker:

\`\`\`bash
npx silo sql dist/worker.js "SELECT * FROM ${catalog}.column_sum((SELECT range * 1.5 AS value FROM range(1000)))"
\`\`\`

\`\`\`sql
ATTACH '${catalog}' AS ${catalog} (TYPE vgi, LOCATION 'node dist/worker.js');
SELECT * FROM ${catalog}.column_sum((SELECT * FROM 'data.parquet'), column := 'fare');
\`\`\`

DuckDB runs the LOCATION with \`/bin/sh -c\` from its working directory and may start
several worker processes for one query, so the function keeps everything it needs
between calls in storage. Workers started by one DuckDB share storage through
\`SILO_STORAGE=sqlite\` (the default, \`SILO_SQLITE_PATH\`) or \`SILO_STORAGE=postgres\`
(\`DATABASE_URL\`); \`npx silo storage inspect\` lists what is stored.

## Layout

- \`src/column-sum.function.ts\`: the function (\`@BufferingFunction\`, its hooks \`@OnBind\`,
  \`@Process\`, \`@Finalize\`; every hook takes its own inputs first and its context last).
- \`src/column-sum.function.test.ts\`: its test on the testing worker.
- \`src/functions.module.ts\`: the module listing the functions.
- \`src/worker.ts\`: the worker entry DuckDB starts.
`;
}
