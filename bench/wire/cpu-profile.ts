/**
 * Reads V8 `.cpuprofile` files (written by `node --cpu-prof`) and sums self time per
 * function and per component, so the report can say what dominates a worker's time
 * without anyone opening DevTools.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  /** 0-based, in the script as loaded (the built .js). */
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time of one function (or one component), in milliseconds. */
export interface SelfTime {
  readonly name: string;
  readonly ms: number;
}

/** What the profiles of a group of processes spent their time on. */
export interface ProfileSummary {
  /** Sampled wall time of all the processes together. */
  readonly totalMs: number;
  /** Waiting for I/O (V8's `(idle)`). */
  readonly idleMs: number;
  /** Everything else: JavaScript, native code, GC. */
  readonly busyMs: number;
  /** Part of `busyMs` spent under `require`/`import`: loading, compiling and evaluating modules at start-up. */
  readonly loadingMs: number;
  /** Functions by self time outside module loading, highest first. */
  readonly functions: readonly SelfTime[];
  /** Components (a Silo folder, an npm package, Node's internals, GC, and module loading as one entry) by self time, highest first. */
  readonly components: readonly SelfTime[];
}

/** The component that stands for everything under a module loader frame. */
export const MODULE_LOADING = '(start-up: loading modules)';

/** Where a script lives, relative to the repo: built files are named by their TypeScript source. */
function scriptName(url: string, repoRoot: string): string {
  if (url === '') return '';
  let path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  if (path.startsWith(`${repoRoot}/`)) path = path.slice(repoRoot.length + 1);
  if (path.startsWith('dist/')) path = path.slice('dist/'.length).replace(/\.js$/, '.ts');
  return path;
}

/** The component a script belongs to: `src/<folder>`, an npm package, `node:internal`, or a V8 pseudo-frame. */
function componentOf(script: string, functionName: string): string {
  if (script === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (script.startsWith('node:')) return 'node: internals';
  const parts = script.split('/');
  if (parts[0] === 'src' || parts[0] === 'samples' || parts[0] === 'bench')
    return parts.slice(0, Math.min(parts.length - 1, 3)).join('/') || parts[0];
  if (parts[0].startsWith('@')) return `${parts[0]}/${parts[1]}`;
  return parts[0];
}

/**
 * Names a frame `file:function`. Frames of the repository's built files get their
 * TypeScript file and line from the build's source map, so anonymous closures can be
 * told apart and found.
 */
class FrameNamer {
  private readonly maps = new Map<string, SourceMap | null>();

  constructor(private readonly repoRoot: string) {}

  name(frame: CallFrame): string {
    const fn = frame.functionName || '(anonymous)';
    const script = scriptName(frame.url, this.repoRoot);
    if (script === '') return fn;
    const line = this.sourceLine(frame);
    return line === null ? `${script}:${fn}` : `${script}:${fn} (line ${line})`;
  }

  private sourceLine(frame: CallFrame): number | null {
    if (!frame.url.startsWith('file://') || frame.url.includes('/node_modules/')) return null;
    let map = this.maps.get(frame.url);
    if (map === undefined) {
      const file = `${fileURLToPath(frame.url)}.map`;
      map = existsSync(file)
        ? new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as ConstructorParameters<typeof SourceMap>[0])
        : null;
      this.maps.set(frame.url, map);
    }
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as { originalLine?: number } | undefined;
    return entry?.originalLine === undefined ? null : entry.originalLine + 1;
  }
}

/** True for frames of Node's module loaders (CommonJS and ESM). */
const isLoaderFrame = (frame: CallFrame) => frame.url.startsWith('node:internal/modules/');

function sorted(map: Map<string, number>): SelfTime[] {
  return [...map].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}

/**
 * Sums self time over several profiles (one per process of a role).
 *
 * @example
 * ```ts
 * const summary = summarizeProfiles(['CPU.1.cpuprofile'], process.cwd());
 * summary.functions[0]; // { name: 'src/arrow/ipc.codec.ts:serializeBatch', ms: 812 }
 * ```
 */
export function summarizeProfiles(files: readonly string[], repoRoot: string): ProfileSummary {
  const functions = new Map<string, number>();
  const components = new Map<string, number>();
  const namer = new FrameNamer(repoRoot);
  let totalMs = 0;
  let idleMs = 0;
  let loadingMs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    // Whether a node runs under a module loader frame, memoized along the tree.
    const loading = new Map<number, boolean>();
    const underLoader = (id: number): boolean => {
      const known = loading.get(id);
      if (known !== undefined) return known;
      const node = byId.get(id);
      const up = parent.get(id);
      const result = node !== undefined && (isLoaderFrame(node.callFrame) || (up !== undefined && underLoader(up)));
      loading.set(id, result);
      return result;
    };
    for (let i = 0; i < profile.samples.length; i++) {
      // A sample lasts until the next one; the last one gets no time.
      const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      const node = byId.get(profile.samples[i]);
      if (!node) continue;
      totalMs += ms;
      const frame = node.callFrame;
      if (frame.functionName === '(idle)') {
        idleMs += ms;
        continue;
      }
      if (underLoader(node.id)) {
        loadingMs += ms;
        components.set(MODULE_LOADING, (components.get(MODULE_LOADING) ?? 0) + ms);
        continue;
      }
      const name = namer.name(frame);
      functions.set(name, (functions.get(name) ?? 0) + ms);
      const component = componentOf(scriptName(frame.url, repoRoot), frame.functionName);
      components.set(component, (components.get(component) ?? 0) + ms);
    }
  }
  return {
    totalMs,
    idleMs,
    busyMs: totalMs - idleMs,
    loadingMs,
    functions: sorted(functions),
    components: sorted(components),
  };
}
