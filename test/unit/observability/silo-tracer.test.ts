import 'reflect-metadata';
import { type RecordBatch, tableFromArrays } from 'apache-arrow';
import {
  BufferingFunction,
  Combine,
  defineModule,
  Finalize,
  Inject,
  type Output,
  Process,
  TableInput,
  TRACER,
  type SiloTracer,
} from 'vgi-silo';
import { createTestingWorker } from 'vgi-silo/testing';

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
    const testBed = await createTestingWorker({
      modules: [defineModule({ functions: [TracedPassthrough] })],
    }).compile();
    const result = await testBed.run('traced_passthrough', {
      input: tableFromArrays({ x: Float64Array.from([1, 2, 3]) }),
      chaos: false,
    });
    expect(result.output.numRows).toBe(0);
    expect(result.executionId).toHaveLength(16);
    expect(seen).toEqual([false]);
    expect(inspected).toEqual([3]);
  });
});
