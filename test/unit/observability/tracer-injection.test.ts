import 'reflect-metadata';
import { type RecordBatch, tableFromArrays } from 'apache-arrow';
import { BufferingFunction, Combine, defineModule, Finalize, Inject, type Output, Process, TableInput, TRACER, type SiloTracer } from 'vgi-silo';
import { createTestingWorker } from 'vgi-silo/testing';
import { MetricsRegistry } from '../../../src/observability';

class Args {
  @TableInput({ doc: 'Input table' }) data!: unknown;
}

const seen: boolean[] = [];
const inspected: number[] = [];

@BufferingFunction({ name: 'traced_passthrough', args: Args })
class TracedPassthrough {
  constructor(@Inject(TRACER) private readonly tracer: SiloTracer) {}

  @Process() async process(batch: RecordBatch): Promise<string> {
    return this.tracer.span('inspect batch', (span) => {
      span.setAttribute('rows', batch.numRows);
      inspected.push(batch.numRows);
      return 'ok';
    });
  }

  @Combine() async combine(): Promise<string[]> {
    seen.push(this.tracer.enabled);
    return ['only'];
  }

  @Finalize() finalize(_state: undefined, out: Output): void {
    out.finish();
  }
}

describe('TRACER', () => {
  it('should be injectable in the TestBed, where it records nothing and runs the traced code', async () => {
    const testBed = await createTestingWorker({ modules: [defineModule({ functions: [TracedPassthrough] })] }).compile();
    const result = await testBed.run('traced_passthrough', { input: tableFromArrays({ x: Float64Array.from([1, 2, 3]) }), chaos: false });
    expect(result.output.numRows).toBe(0);
    expect(result.executionId).toHaveLength(16);
    expect(seen).toEqual([false]);
    expect(inspected).toEqual([3]);
  });
});

describe('MetricsRegistry with an OpenTelemetry meter', () => {
  it('should mirror every counter and histogram observation to the meter, with the same attributes', () => {
    const added: unknown[] = [];
    const recorded: unknown[] = [];
    const meter = {
      createCounter: (name: string) => ({ add: (v: number, a?: object) => added.push([name, v, a]) }),
      createHistogram: (name: string) => ({ record: (v: number, a?: object) => recorded.push([name, v, a]) }),
      createObservableGauge: () => ({ addCallback: () => undefined }),
    };
    const m = new MetricsRegistry(meter);
    m.counter('calls_total', 'Calls.');
    m.histogram('latency_seconds', 'Latency.');
    m.add('calls_total', 2, { phase: 'process' });
    m.handle('latency_seconds', { phase: 'process' }).record(0.25);
    expect(added).toEqual([['calls_total', 2, { phase: 'process' }]]);
    expect(recorded).toEqual([['latency_seconds', 0.25, { phase: 'process' }]]);
  });
});
