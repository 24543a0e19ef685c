/**
 * Progress of `silo run` on stderr: a live bar (rows sunk, batches, finalize streams)
 * when stderr is a terminal, plain lines at phase changes and every quarter otherwise,
 * so logs and CI output stay readable.
 */
import { SingleBar } from 'cli-progress';
import { type RunProgress } from '../client';

/** Receives run progress; `stop()` clears the bar. */
export interface ProgressReporter {
  update(progress: RunProgress): void;
  stop(): void;
}

/**
 * A reporter for `stream` (a bar on a TTY, lines otherwise), or a silent one.
 *
 * @example
 * ```ts
 * const progress = createProgressReporter(process.stderr);
 * await runFunction({ ...options, onProgress: (p) => progress.update(p) });
 * progress.stop();
 * ```
 */
export function createProgressReporter(stream: NodeJS.WriteStream, options: { readonly quiet?: boolean } = {}): ProgressReporter {
  if (options.quiet) return { update: () => undefined, stop: () => undefined };
  return stream.isTTY ? new BarReporter(stream) : new LineReporter(stream);
}

class BarReporter implements ProgressReporter {
  private readonly bar: SingleBar;
  private started = false;

  constructor(stream: NodeJS.WriteStream) {
    this.bar = new SingleBar({
      stream,
      format: '{phase} |{bar}| {percentage}% | rows {rowsIn}/{totalRows} | batches {batchesIn}/{totalBatches} | streams {streamsDone}/{streamsTotal} | out {rowsOut}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    });
  }

  update(p: RunProgress): void {
    const finalizing = p.phase === 'finalize' || p.phase === 'destructor' || p.phase === 'done';
    const total = Math.max(1, finalizing ? p.streamsTotal : p.totalRows);
    const value = finalizing ? p.streamsDone : p.rowsIn;
    const payload = { ...p, phase: p.phase.padEnd(10) };
    if (!this.started) {
      this.bar.start(total, value, payload);
      this.started = true;
    } else {
      this.bar.setTotal(total);
      this.bar.update(value, payload);
    }
  }

  stop(): void {
    // Safe to call twice: silo run stops the bar before it reports a cleanup, and again at the end.
    if (this.started) this.bar.stop();
    this.started = false;
  }
}

class LineReporter implements ProgressReporter {
  private phase = '';
  private quarter = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(p: RunProgress): void {
    if (p.phase !== this.phase) {
      this.phase = p.phase;
      this.quarter = 0;
      this.stream.write(`silo: ${p.phase}${describe(p)}\n`);
      return;
    }
    if (p.phase === 'sink' && p.totalRows > 0) {
      const quarter = Math.floor((4 * p.rowsIn) / p.totalRows);
      if (quarter > this.quarter) {
        this.quarter = quarter;
        this.stream.write(`silo: sink ${p.rowsIn}/${p.totalRows} rows, ${p.batchesIn}/${p.totalBatches} batches\n`);
      }
    }
    if (p.phase === 'finalize' && p.streamsDone > this.quarter) {
      this.quarter = p.streamsDone;
      this.stream.write(`silo: finalize ${p.streamsDone}/${p.streamsTotal} streams, ${p.rowsOut} rows out\n`);
    }
  }

  stop(): void {
    // Lines need no cleanup.
  }
}

function describe(p: RunProgress): string {
  if (p.phase === 'sink') return ` ${plural(p.totalRows, 'row')} in ${plural(p.totalBatches, 'batch')}`;
  if (p.phase === 'finalize') return ` ${plural(p.streamsTotal, 'stream')}`;
  if (p.phase === 'done') return ` ${plural(p.rowsOut, 'row')} out`;
  return '';
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : noun.endsWith('h') ? 'es' : 's'}`;
}
