/**
 * The worker's own metrics: counters, gauges and histograms kept in the process so that
 * `GET /metrics` can render them in the Prometheus text format (no SDK needed), and
 * mirrored to `@opentelemetry/api` metrics when a meter is given.
 */
import type { Attributes, OtelMeter as Meter } from './otel.types';

type OtelCounter = { add(value: number, attributes?: Attributes): void };
type OtelHistogram = { record(value: number, attributes?: Attributes): void };

/** Label values of one series. */
export type MetricLabels = Readonly<Record<string, string>>;

type Kind = 'counter' | 'gauge' | 'histogram';

interface Family {
  readonly name: string;
  readonly help: string;
  readonly kind: Kind;
  readonly buckets?: readonly number[];
  readonly series: Map<string, Series>;
  readonly observe?: () => number;
  readonly otel?: OtelCounter | OtelHistogram;
}

interface Series {
  readonly labels: MetricLabels;
  value: number;
  counts?: number[];
  sum?: number;
}

/** Latency buckets in seconds: 0.1 ms to 10 s. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10,
];

const key = (labels: MetricLabels): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const formatLabels = (labels: MetricLabels, extra?: [string, string]): string => {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k])}"`);
  if (extra) parts.push(`${extra[0]}="${extra[1]}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
};
const formatNumber = (n: number): string => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

/**
 * Counters, gauges and histograms by name and labels.
 *
 * @example
 * ```ts
 * const metrics = new MetricsRegistry();
 * metrics.counter('silo_calls_total', 'RPC calls served.');
 * metrics.add('silo_calls_total', 1, { phase: 'process' });
 * metrics.renderPrometheus(); // '# HELP silo_calls_total RPC calls served.\n# TYPE silo_calls_total counter\nsilo_calls_total{phase="process"} 1\n'
 * ```
 */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  /** @param meter mirrors every counter and histogram to OpenTelemetry metrics. */
  constructor(private readonly meter?: Meter) {}

  counter(name: string, help: string): void {
    this.define({
      name,
      help,
      kind: 'counter',
      series: new Map(),
      otel: this.meter?.createCounter(name, { description: help }),
    });
  }

  histogram(name: string, help: string, buckets: readonly number[] = LATENCY_BUCKETS_SECONDS): void {
    this.define({
      name,
      help,
      kind: 'histogram',
      buckets,
      series: new Map(),
      otel: this.meter?.createHistogram(name, { description: help }),
    });
  }

  /** A gauge read when metrics are rendered (and by OpenTelemetry's collection). */
  gauge(name: string, help: string, observe: () => number): void {
    this.define({ name, help, kind: 'gauge', series: new Map(), observe });
    this.meter?.createObservableGauge(name, { description: help }).addCallback((result) => result.observe(observe()));
  }

  private define(family: Family): void {
    if (!this.families.has(family.name)) this.families.set(family.name, family);
  }

  private series(family: Family, labels: MetricLabels): Series {
    const k = key(labels);
    let s = family.series.get(k);
    if (s === undefined) {
      s =
        family.kind === 'histogram'
          ? { labels, value: 0, counts: new Array<number>(family.buckets!.length).fill(0), sum: 0 }
          : { labels, value: 0 };
      family.series.set(k, s);
    }
    return s;
  }

  /**
   * One series of a counter or histogram, looked up once: `add`/`record` on it skip the
   * label lookup (the call path keeps these per function and phase).
   */
  handle(name: string, labels: MetricLabels = {}): MetricHandle {
    const family = this.families.get(name);
    if (family === undefined || family.kind === 'gauge') return NOOP_HANDLE;
    const s = this.series(family, labels);
    const otel = family.otel;
    const buckets = family.buckets;
    if (family.kind === 'counter')
      return {
        add: (v) => ((s.value += v), (otel as OtelCounter | undefined)?.add(v, labels)),
        record: () => undefined,
      };
    return {
      add: () => undefined,
      record: (v) => {
        s.value += 1;
        s.sum! += v;
        for (let i = buckets!.length - 1; i >= 0 && v <= buckets![i]; i--) s.counts![i] += 1;
        (otel as OtelHistogram | undefined)?.record(v, labels);
      },
    };
  }

  /** Adds to a counter. */
  add(name: string, value: number, labels: MetricLabels = {}): void {
    const family = this.families.get(name);
    if (family === undefined || family.kind !== 'counter') return;
    this.series(family, labels).value += value;
    (family.otel as OtelCounter | undefined)?.add(value, labels);
  }

  /** Records one observation of a histogram. */
  record(name: string, value: number, labels: MetricLabels = {}): void {
    const family = this.families.get(name);
    if (family === undefined || family.kind !== 'histogram') return;
    const s = this.series(family, labels);
    s.value += 1;
    s.sum! += value;
    const buckets = family.buckets!;
    for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]) s.counts![i] += 1;
    (family.otel as OtelHistogram | undefined)?.record(value, labels);
  }

  /** The current value of a counter series (a histogram's count), for tests and summaries. */
  value(name: string, labels: MetricLabels = {}): number {
    const family = this.families.get(name);
    if (family === undefined) return 0;
    if (family.observe) return family.observe();
    return family.series.get(key(labels))?.value ?? 0;
  }

  /** Every metric in the Prometheus text exposition format (version 0.0.4). */
  renderPrometheus(): string {
    const lines: string[] = [];
    for (const family of this.families.values()) {
      lines.push(
        `# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`,
        `# TYPE ${family.name} ${family.kind}`,
      );
      if (family.observe) {
        lines.push(`${family.name} ${formatNumber(family.observe())}`);
        continue;
      }
      for (const s of family.series.values()) {
        if (family.kind !== 'histogram') {
          lines.push(`${family.name}${formatLabels(s.labels)} ${formatNumber(s.value)}`);
          continue;
        }
        family.buckets!.forEach((le, i) =>
          lines.push(`${family.name}_bucket${formatLabels(s.labels, ['le', formatNumber(le)])} ${s.counts![i]}`),
        );
        lines.push(`${family.name}_bucket${formatLabels(s.labels, ['le', '+Inf'])} ${s.value}`);
        lines.push(
          `${family.name}_sum${formatLabels(s.labels)} ${formatNumber(s.sum!)}`,
          `${family.name}_count${formatLabels(s.labels)} ${s.value}`,
        );
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

/** A series of a counter (`add`) or histogram (`record`). */
export interface MetricHandle {
  add(value: number): void;
  record(value: number): void;
}

const NOOP_HANDLE: MetricHandle = Object.freeze({ add: () => undefined, record: () => undefined });

/** The content type of {@link MetricsRegistry.renderPrometheus}'s output. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
