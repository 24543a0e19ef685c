import { RPC_PHASES } from './instrumentation';
import type { SpanRecord } from './json-lines-tracer';
import { executionTraceContext } from './trace-ids';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Columns aligned: those in `left` to the left, numbers to the right. */
function table(rows: string[][], left: readonly number[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (left.includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * The per-phase summary and the timeline of one execution's spans: which process ran
 * what, when, how long, and how many rows went in and out. What `silo run --trace` prints.
 */
export function formatTimeline(spans: readonly SpanRecord[], executionId: Uint8Array): string {
  const { traceId } = executionTraceContext(executionId);
  const mine = spans.filter((s) => s.traceId === traceId).sort((a, b) => a.start - b.start);
  if (mine.length === 0)
    return `trace ${traceId}: no spans were recorded (the workers need @opentelemetry/api installed to trace).`;
  const t0 = mine[0].start;
  const pids = new Set(mine.map((s) => s.pid));
  const rpc = mine.filter((s) => typeof s.attributes['silo.phase'] === 'string');
  const summary: string[][] = [['phase', 'calls', 'processes', 'ms total', 'storage ms', 'rows in', 'rows out']];
  for (const phase of RPC_PHASES) {
    const of = rpc.filter((s) => s.attributes['silo.phase'] === phase);
    if (of.length === 0) continue;
    summary.push([
      phase,
      String(of.length),
      [...new Set(of.map((s) => s.pid))].join(','),
      of.reduce((n, s) => n + s.end - s.start, 0).toFixed(1),
      of.reduce((n, s) => n + num(s.attributes['silo.storage.ms']), 0).toFixed(1),
      String(of.reduce((n, s) => n + num(s.attributes['silo.rows_in']), 0)),
      String(of.reduce((n, s) => n + num(s.attributes['silo.rows_out']), 0)),
    ]);
  }
  const byId = new Map(mine.map((s) => [s.spanId, s]));
  const depth = (s: SpanRecord): number => {
    let d = 0;
    for (
      let p = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
      p !== undefined && d < 8;
      p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined
    )
      d++;
    return d;
  };
  const timeline: string[][] = [['start ms', 'ms', 'pid', 'span', 'rows in', 'rows out', '']];
  for (const s of mine) {
    const phase = s.attributes['silo.phase'];
    timeline.push([
      (s.start - t0).toFixed(1),
      (s.end - s.start).toFixed(1),
      String(s.pid),
      `${'  '.repeat(depth(s))}${typeof phase === 'string' ? phase : s.name}`,
      phase === undefined ? '' : String(num(s.attributes['silo.rows_in'])),
      phase === undefined ? '' : String(num(s.attributes['silo.rows_out'])),
      s.status === 2
        ? `failed${s.attributes['silo.error.code'] ? ` ${String(s.attributes['silo.error.code'])}` : ''}`
        : '',
    ]);
  }
  const total = Math.max(...mine.map((s) => s.end)) - t0;
  return [
    `trace ${traceId}: ${mine.length} spans from ${pids.size} process${pids.size === 1 ? '' : 'es'} over ${total.toFixed(1)} ms`,
    table(summary, [0]),
    '',
    table(timeline, [3, 6]),
  ].join('\n');
}
