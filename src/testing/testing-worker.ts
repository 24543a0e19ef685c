import type { Table } from 'apache-arrow';
import { SiloError, messages } from '../errors';
import type { DependencyContainer } from 'tsyringe';
import type { Provider } from '../container/providers';
import { STORAGE, type Token } from '../container/tokens';
import { type FunctionStorage, toHex } from '../providers/storage';
import type { FunctionRegistry } from '../registration/function-registry';
import type { SiloModule } from '../registration/module';
import { type SiloWorker, assembleWorker } from '../worker/bootstrap';
import { runLifecycle, type RunOptions, type RunResult } from './lifecycle-run';

export type { RunOptions, RunResult };

/**
 * An in-process worker for tests: `run()` drives a function's whole lifecycle through
 * the real dispatcher the way DuckDB drives worker processes.
 *
 * @example
 * ```ts
 * const worker = await createTestingWorker({ modules: [SortModule] }).compile();
 * const { output } = await worker.run('sort_all', { input: tableFromArrays({ x: [3, 1, 2] }), sinkConnections: 2 });
 * expect(output.getChild('x')!.toArray()).toEqual(Float64Array.from([1, 2, 3]));
 * ```
 */
export class TestingWorker {
  private readonly main: SiloWorker;

  constructor(
    readonly catalog: string,
    private readonly modules: readonly SiloModule[],
    private readonly defaults: readonly Provider[],
    private readonly overrides: readonly Provider[],
  ) {
    this.main = assembleWorker(
      { catalog: this.catalog, modules: this.modules, providers: this.overrides },
      this.defaults,
    );
  }

  /** A fresh worker sharing this one's provider values and validated registry: what a new process would be. */
  private spawn(): SiloWorker {
    return assembleWorker(
      { catalog: this.catalog, modules: this.modules, providers: this.overrides },
      this.defaults,
      this.main.registry,
    );
  }

  get registry(): FunctionRegistry {
    return this.main.registry;
  }

  get container(): DependencyContainer {
    return this.main.container;
  }

  /** The worker's dispatcher, for tests that call lifecycle methods directly. */
  get dispatcher(): SiloWorker['dispatcher'] {
    return this.main.dispatcher;
  }

  /** The storage backend every phase uses. */
  get storage(): FunctionStorage {
    return this.get(STORAGE);
  }

  /** Resolves a provider from the root container. */
  get<T>(token: Token<T> | (new (...args: never[]) => T)): T {
    return this.main.container.resolve<T>(token as never);
  }

  /** Runs one query: bind, sink over N connections, combine, finalize streams, destructor. */
  async run(functionName: string, options: RunOptions): Promise<RunResult> {
    const chaos = options.chaos !== false;
    const rerun = chaos && !(typeof options.chaos === 'object' && options.chaos.rerun === false);
    const workerFor = chaos ? () => this.spawn() : () => this.main;
    const first = await runLifecycle(functionName, options, workerFor, chaos, this.storage);
    if (rerun) {
      const second = await runLifecycle(functionName, options, workerFor, chaos, this.storage);
      assertSameOutput(functionName, first.output, second.output);
    }
    return first;
  }

  async close(): Promise<void> {
    await this.main.close();
  }
}

function assertSameOutput(functionName: string, a: Table, b: Table): void {
  const rows = (t: Table) =>
    JSON.stringify(
      t.toArray().map((r) => r?.toJSON()),
      (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? toHex(v) : v),
    );
  if (a.numRows !== b.numRows || rows(a) !== rows(b)) {
    throw new SiloError('SILO203', messages.chaosLeak(functionName));
  }
}
