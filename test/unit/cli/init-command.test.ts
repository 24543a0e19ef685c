import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCommand } from '../../../src/cli/commands/init.command';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('silo init', () => {
  const dir = mkdtempSync(join(tmpdir(), 'silo-init-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should write a project depending on this vgi-silo and its peers, with decorators set up for tsc and Jest', () => {
    const project = join(dir, 'My Trips');
    const said = initCommand(project);
    expect(said).toContain(`created my-trips in ${project} (vgi-silo ^${pkg.version}, catalog my_trips):`);
    expect(readdirSync(project).sort()).toEqual([
      '.gitignore',
      'README.md',
      'jest.config.js',
      'package.json',
      'src',
      'tsconfig.build.json',
      'tsconfig.json',
    ]);
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      name: string;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(manifest.name).toBe('my-trips');
    expect(manifest.dependencies).toEqual({
      'vgi-silo': `^${pkg.version}`,
      'apache-arrow': pkg.peerDependencies['apache-arrow'],
      'reflect-metadata': pkg.peerDependencies['reflect-metadata'],
      tsyringe: pkg.peerDependencies.tsyringe,
    });
    for (const [name, range] of Object.entries(manifest.devDependencies)) expect(range).toBe(pkg.devDependencies[name]);
    const tsconfig = JSON.parse(readFileSync(join(project, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: Record<string, unknown>;
    };
    expect(tsconfig.compilerOptions).toMatchObject({ experimentalDecorators: true, emitDecoratorMetadata: true });
    const jestConfig = readFileSync(join(project, 'jest.config.js'), 'utf8');
    expect(jestConfig).toContain('transform: { legacyDecorator: true, decoratorMetadata: true }');
    const fn = readFileSync(join(project, 'src', 'column-sum.function.ts'), 'utf8');
    expect(fn).toContain(
      '@Finalize() async finalize(state: ColumnSumCursor, out: Output, ctx: FinalizeContext<ColumnSumArgs>): Promise<void> {',
    );
    expect(fn).toContain('@Process() async process(batch: RecordBatch, ctx: SinkContext<ColumnSumArgs>)');
    expect(fn).toContain('export class ColumnSum implements BufferingHandlers<ColumnSumArgs, ColumnSumCursor> {');
    expect(readFileSync(join(project, 'src', 'worker.ts'), 'utf8')).toContain(
      "bootstrapWorker({ catalog: 'my_trips', modules: [FunctionsModule] })",
    );
    expect(readFileSync(join(project, 'README.md'), 'utf8')).toContain(
      "ATTACH 'my_trips' AS my_trips (TYPE vgi, LOCATION 'node dist/worker.js');",
    );
  });

  it('should refuse a directory with files, a file, and a catalog that is not an identifier', () => {
    const busy = join(dir, 'busy');
    initCommand(busy, { catalog: 'busy' });
    expect(() => initCommand(busy)).toThrow(
      `[SILO610] silo init ${busy}: "${busy}" is not empty (.gitignore, README.md, jest.config.js, …). Give a new or empty directory, so no file of yours is overwritten.`,
    );
    writeFileSync(join(dir, 'plain'), 'x');
    expect(() => initCommand(join(dir, 'plain'))).toThrow(`is a file. Give a new or empty directory.`);
    expect(() => initCommand(join(dir, 'fresh'), { catalog: '1-bad' })).toThrow(
      '[SILO610] silo init --catalog "1-bad": a catalog name is a plain SQL identifier',
    );
  });
});
