import { MetricsRegistry } from '../../../src/observability';

describe('MetricsRegistry', () => {
  it('should render counters, gauges and cumulative histogram buckets in the Prometheus text format', () => {
    const m = new MetricsRegistry();
    m.counter('jobs_total', 'Jobs.');
    m.histogram('latency_seconds', 'Latency.', [0.1, 1]);
    m.gauge('open', 'Open things.', () => 3);
    m.add('jobs_total', 2, { kind: 'a"b' });
    m.handle('latency_seconds', { op: 'get' }).record(0.05);
    m.record('latency_seconds', 0.5, { op: 'get' });
    m.record('latency_seconds', 5, { op: 'get' });
    expect(m.renderPrometheus()).toBe(
      [
        '# HELP jobs_total Jobs.',
        '# TYPE jobs_total counter',
        'jobs_total{kind="a\\"b"} 2',
        '# HELP latency_seconds Latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{op="get",le="0.1"} 1',
        'latency_seconds_bucket{op="get",le="1"} 2',
        'latency_seconds_bucket{op="get",le="+Inf"} 3',
        'latency_seconds_sum{op="get"} 5.55',
        'latency_seconds_count{op="get"} 3',
        '# HELP open Open things.',
        '# TYPE open gauge',
        'open 3',
        '',
      ].join('\n'),
    );
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
