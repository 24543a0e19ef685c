/**
 * `silo snapshot <entry> [--out FILE]`: a V8 start-up snapshot of a worker entry. The
 * entry (built JavaScript) is bundled into one file with esbuild, Node runs that file once
 * with `--build-snapshot` and saves the heap with every module loaded, and the result is
 * checked by starting a worker from it and discovering its catalog. A worker started as
 * `node --snapshot-blob FILE` then skips loading and compiling its modules.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { listFunctions } from '../../client';
import { SNAPSHOT_ENTRY_ENV, SNAPSHOT_MAIN_KEY, SNAPSHOT_PREPARATIONS_KEY } from '../../worker/startup-snapshot';
import { CliError } from '../cli.error';
import type { RehearsalReport } from '../snapshot-rehearsal';

/** Options of `silo snapshot`. */
export interface SnapshotOptions {
  /** The snapshot file (default: the entry's name with `.blob`, beside it). */
  readonly out?: string;
  /** More packages to leave out of the bundle (native addons the functions use). */
  readonly external?: readonly string[];
}

/**
 * Packages never bundled: native addons (they cannot be in a snapshot, and load when first
 * used), and optional peers that are loaded only if installed.
 */
export const SNAPSHOT_EXTERNALS = [
  'better-sqlite3',
  'pg',
  'pg-native',
  '@duckdb/*',
  '@haybarn/*',
  '@opentelemetry/api',
] as const;

/** What esbuild's `buildSync` takes and returns, as far as this command uses it. */
interface Esbuild {
  buildSync(options: Record<string, unknown>): { errors: { text: string }[]; warnings: { text: string }[] };
}

function loadEsbuild(): Esbuild {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('esbuild') as Esbuild;
  } catch (cause) {
    throw new CliError(
      'silo snapshot bundles the entry with esbuild, which is not installed. Install it next to vgi-silo: npm install --save-dev esbuild.',
      { cause },
    );
  }
}

/**
 * Prepended to the bundle. In a snapshot build Node's `require` loads only built-in
 * modules; the packages left out of the bundle are loaded through a require rooted at the
 * entry, as they would be without the bundle.
 */
function requireShim(entry: string): string {
  // The snapshot builder passes no module or exports either; the entry's own code uses them.
  return `var module = typeof module !== 'undefined' ? module : { exports: {} };
var exports = module.exports;
var require = (function (nodeRequire) {
  var mod = nodeRequire('node:module');
  var user;
  return function (id) {
    return mod.isBuiltin(id) ? nodeRequire(id) : (user || (user = mod.createRequire(${JSON.stringify(entry)})))(id);
  };
})(require);`;
}

/**
 * Appended to the bundle: when the entry did not make a worker wait for the snapshot to be
 * restored (it never called bootstrapWorker), the snapshot's main says so and exits.
 */
function fallbackMain(): string {
  return `;(function () {
  if (globalThis[Symbol.for(${JSON.stringify(SNAPSHOT_MAIN_KEY)})] !== undefined) return;
  globalThis[Symbol.for(${JSON.stringify(SNAPSHOT_MAIN_KEY)})] = 'none';
  require('node:v8').startupSnapshot.setDeserializeMainFunction(function () {
    process.stderr.write(${JSON.stringify(NO_WORKER_MESSAGE)} + '\\n');
    process.exit(70);
  });
})();`;
}

const NO_WORKER_MESSAGE =
  '[SILO516] This start-up snapshot holds no worker: its entry did not call bootstrapWorker() while it loaded. Call it as the entry loads, then run silo snapshot again.';

/**
 * The file esbuild bundles: it queues the request path's rehearsal (see snapshot-rehearsal)
 * to run before the snapshot is taken — loaded only then, after the entry loaded its
 * polyfills — and loads the worker entry. Run from TypeScript sources (this repository's
 * tests) there is no built rehearsal to bundle, and the entry alone is.
 */
function bundleEntry(work: string, source: string, report: string): string {
  const rehearsal = join(dirname(__dirname), `snapshot-rehearsal${extname(__filename)}`);
  if (extname(rehearsal) !== '.js' || !existsSync(rehearsal)) return source;
  const file = join(work, 'snapshot-entry.js');
  const queue = `(globalThis[Symbol.for(${JSON.stringify(SNAPSHOT_PREPARATIONS_KEY)})] ??= [])`;
  const rehearse = `require(${JSON.stringify(rehearsal)}).rehearseRequestPath()`;
  const save = `(done) => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(done))`;
  writeFileSync(file, `${queue}.push(() => ${rehearse}.then(${save}));\nrequire(${JSON.stringify(source)});\n`);
  return file;
}

/** The report line of the rehearsal the build ran, if it ran one. */
function rehearsalLine(report: string): string[] {
  if (!existsSync(report)) return [];
  const { protocols, ms } = JSON.parse(readFileSync(report, 'utf8')) as RehearsalReport;
  return [
    `Before saving it, the build rehearsed the request path in protocol ${protocols.join(', ')} (${Math.round(ms)} ms), so workers start with it compiled.`,
  ];
}

/** Node's notes on built-in modules it has not verified in snapshots: noise here. */
function withoutVerificationNotes(stderr: string): string {
  return stderr
    .split('\n')
    .filter(
      (line) =>
        !/not yet fully verified whether built-in module|may still work in some cases|request support for the module|Use `node --trace-warnings/.test(
          line,
        ),
    )
    .join('\n')
    .trim();
}

async function timedDiscovery(command: string[]): Promise<{ ms: number; functions: number; catalog: string }> {
  const started = performance.now();
  const discovery = await listFunctions(command);
  return { ms: performance.now() - started, functions: discovery.functions.length, catalog: discovery.catalog };
}

/**
 * Builds the snapshot of `entry` and returns the report to print.
 */
export async function snapshotCommand(entry: string, options: SnapshotOptions = {}): Promise<string> {
  const source = resolve(entry);
  if (!existsSync(source)) throw new CliError(`The worker entry "${entry}" does not exist.`);
  if (!['.js', '.cjs'].includes(extname(source))) {
    throw new CliError(
      `silo snapshot takes the built JavaScript entry, not "${entry}". Compile it first (npx tsc) and pass the .js file, e.g. dist/worker.js.`,
    );
  }
  const out = resolve(options.out ?? join(dirname(source), `${basename(source, extname(source))}.blob`));
  const esbuild = loadEsbuild();
  const work = mkdtempSync(join(tmpdir(), 'silo-snapshot-'));
  const rehearsalReport = join(work, 'rehearsal.json');
  let rehearsed: string[];
  try {
    const bundle = join(work, 'worker.bundle.js');
    // The built JavaScript is resolved as Node resolves it: a tsconfig.json found on the way
    // (its "paths" may point packages at TypeScript sources) must not redirect an import.
    const noTsconfig = join(work, 'tsconfig.json');
    writeFileSync(noTsconfig, '{}');
    let built: ReturnType<Esbuild['buildSync']>;
    try {
      built = esbuild.buildSync({
        entryPoints: [bundleEntry(work, source, rehearsalReport)],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: `node${process.versions.node.split('.')[0]}`,
        outfile: bundle,
        tsconfig: noTsconfig,
        external: [...SNAPSHOT_EXTERNALS, ...(options.external ?? [])],
        banner: { js: requireShim(source) },
        footer: { js: fallbackMain() },
        logLevel: 'silent',
      });
    } catch (cause) {
      // A failed build throws, its messages in `errors`.
      built = {
        errors: (cause as { errors?: { text: string }[] }).errors ?? [{ text: (cause as Error).message }],
        warnings: [],
      };
    }
    if (built.errors.length > 0) {
      throw new CliError(
        `esbuild could not bundle "${entry}": ${built.errors.map((e) => e.text).join('; ')}. Fix the import, or pass --external NAME for a package to load at run time instead.`,
      );
    }
    const build = spawnSync(process.execPath, ['--snapshot-blob', out, '--build-snapshot', bundle], {
      env: { ...process.env, [SNAPSHOT_ENTRY_ENV]: source },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (build.status !== 0) {
      throw new CliError(
        `Node could not build the snapshot of "${entry}" (exit ${build.status ?? build.signal}): ${withoutVerificationNotes(build.stderr) || 'no message'}. ` +
          'The entry must start the worker through bootstrapWorker(), and nothing it loads may open files, sockets or timers before that. ' +
          'A package with a native addon must stay out of the bundle: pass --external NAME.',
      );
    }
    rehearsed = rehearsalLine(rehearsalReport);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  let fromSnapshot: Awaited<ReturnType<typeof timedDiscovery>>;
  try {
    fromSnapshot = await timedDiscovery([process.execPath, '--snapshot-blob', out]);
  } catch (cause) {
    rmSync(out, { force: true });
    throw new CliError(
      `The snapshot of "${entry}" was built but a worker started from it did not answer: ${(cause as Error).message.replace(/\.$/, '')}. ` +
        'Check that the entry starts the worker through bootstrapWorker().',
      { cause },
    );
  }
  const plain = await timedDiscovery([process.execPath, source]);
  const megabytes = (statSync(out).size / 1024 / 1024).toFixed(1);
  return [
    `Snapshot of ${entry} written to ${out} (${megabytes} MB, for node ${process.version} only).`,
    `A worker started from it served catalog "${fromSnapshot.catalog}" (${fromSnapshot.functions} function${fromSnapshot.functions === 1 ? '' : 's'}): ` +
      `spawn to discovered in ${Math.round(fromSnapshot.ms)} ms, against ${Math.round(plain.ms)} ms from the entry itself.`,
    ...rehearsed,
    `ATTACH '${fromSnapshot.catalog}' (TYPE vgi, LOCATION '${process.execPath} --snapshot-blob ${out}');`,
    `Rebuild it after changing the code or Node; a different node refuses the file.`,
    '',
  ].join('\n');
}
