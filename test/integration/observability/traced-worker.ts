/**
 * A worker (catalog `traced`) whose function opens its own child spans through the
 * injected `TRACER`: `traced_count(data)` counts its input rows, combine splits the count
 * into two finalize streams inside a span of its own, each stream emits its half.
 */
import 'reflect-metadata';
import { Field, Int64, type RecordBatch, Schema, Utf8 } from 'apache-arrow';
import {
  type BoundStorage,
  BufferingFunction,
  Combine,
  defineModule,
  EXECUTION_STORAGE,
  Finalize,
  type FinalizeContext,
  Inject,
  OnBind,
  type Output,
  Process,
  RecipeCursor,
  type SiloTracer,
  TableInput,
  TRACER,
  batchFromColumns,
  bootstrapWorker,
  serveWorker,
} from 'vgi-silo';

class CountArgs {
  @TableInput({ doc: 'Input table' }) data!: unknown;
}

const OUTPUT = new Schema([new Field('part', new Utf8(), false), new Field('rows', new Int64(), false)]);

@BufferingFunction({
  name: 'traced_count',
  description: 'Counts rows, tracing its own steps',
  args: CountArgs,
  state: RecipeCursor,
})
export class TracedCount {
  constructor(
    @Inject(EXECUTION_STORAGE) private readonly storage: BoundStorage,
    @Inject(TRACER) private readonly tracer: SiloTracer,
  ) {}

  @OnBind() bind(): Schema {
    return OUTPUT;
  }

  @Process() async process(batch: RecordBatch): Promise<string> {
    await this.storage.counterAdd('count', 'rows', batch.numRows);
    return 'counted';
  }

  @Combine() async combine(): Promise<string[]> {
    return this.tracer.span('split count', async (span) => {
      const rows = await this.tracer.span('read count', () => this.storage.counterGet('count', 'rows'));
      span.setAttribute('rows', Number(rows));
      return ['first', 'second'];
    });
  }

  @Finalize() async finalize(state: RecipeCursor, out: Output, ctx: FinalizeContext): Promise<void> {
    if (state.ready) return out.finish();
    const part = new TextDecoder().decode(ctx.finalizeStateId);
    const rows = await this.storage.counterGet('count', 'rows');
    const half = part === 'first' ? rows / 2n : rows - rows / 2n;
    out.emit(batchFromColumns(OUTPUT, { part: [part], rows: [half] }));
    state.ready = true;
  }
}

const TracedModule = defineModule({ name: 'traced', functions: [TracedCount] });

bootstrapWorker({ catalog: 'traced', modules: [TracedModule] })
  .then((worker) => serveWorker(worker, process.argv.slice(2)))
  .catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
