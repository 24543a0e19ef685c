/**
 * Progress of `silo run` on stderr: a live bar when stderr is a terminal — from the first
 * byte of the input read: bytes read of the file's size and rows sent, then the finalize
 * streams — and plain lines at phase changes and every quarter otherwise, so logs and CI
 * output stay readable.
 */
import { SingleBar } from 'cli-progress';
import { type RunProgress } from '../client';

/** Receives run progress; `stop()` clears the bar. */
interface ProgressReporter {
  update(progress: RunProgress): void;
  /** The input was read further (redraws from {@link InputProgress}). */
  inputRead(): void;
  stop(): void;
}

/** How far the input file has been read. */
interface InputProgress {
  /** The input file's size in bytes (0 until known). */
  totalBytes(): number;
  bytesRead(): number;
}

/**
 * A reporter for `stream` (a bar on a TTY, lines otherwise), or a silent one.
 */
export function createProgressReporter(
  stream: NodeJS.WriteStream,
  options: { readonly quiet?: boolean; readonly input?: InputProgress } = {},
): ProgressReporter {
  if (options.quiet) return { update: () => undefined, inputRead: () => undefined, stop: () => undefined };
  const input = options.input ?? { totalBytes: () => 0, bytesRead: () => 0 };
  return stream.isTTY ? new BarReporter(stream, input) : new LineReporter(stream, input);
}

const INITIAL: RunProgress = {
  phase: 'discovery',
  totalRows: 0,
  totalBatches: 0,
  rowsIn: 0,
  batchesIn: 0,
  streamsTotal: 0,
  streamsDone: 0,
  rowsOut: 0,
};

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0);
}

class BarReporter implements ProgressReporter {
  private readonly bar: SingleBar;
  private started = false;
  private last: RunProgress = INITIAL;
  private drawnAt = 0;

  constructor(
    stream: NodeJS.WriteStream,
    private readonly input: InputProgress,
  ) {
    this.bar = new SingleBar({
      stream,
      format:
        '{phase} |{bar}| {percentage}% | read {read}/{size} MB | rows sent {rowsIn} | streams {streamsDone}/{streamsTotal} | out {rowsOut}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    });
  }

  update(p: RunProgress): void {
    const changed = p.phase !== this.last.phase;
    this.last = p;
    this.draw(changed);
  }

  inputRead(): void {
    this.draw(false);
  }

  private draw(force: boolean): void {
    // Redrawn at most every 50 ms: a progress callback per batch would cost more than the batch.
    const now = Date.now();
    if (!force && this.started && now - this.drawnAt < 50) return;
    this.drawnAt = now;
    const p = this.last;
    const finalizing = p.phase === 'finalize' || p.phase === 'destructor' || p.phase === 'done';
    const total = Math.max(1, finalizing ? p.streamsTotal : this.input.totalBytes());
    const value = finalizing ? p.streamsDone : Math.min(total, this.input.bytesRead());
    const loading = p.phase === 'discovery' && this.input.bytesRead() > 0 ? 'read' : p.phase;
    const payload = {
      ...p,
      phase: loading.padEnd(10),
      rowsIn: Math.max(p.rowsIn, 0),
      read: megabytes(this.input.bytesRead()),
      size: megabytes(this.input.totalBytes()),
    };
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

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly input: InputProgress,
  ) {}

  inputRead(): void {
    // Lines are written at the run's own progress steps.
  }

  update(p: RunProgress): void {
    if (p.phase !== this.phase) {
      this.phase = p.phase;
      this.quarter = 0;
      this.stream.write(`silo: ${p.phase}${describe(p, this.input)}\n`);
      return;
    }
    if (p.phase === 'sink' && (p.totalRows > 0 || this.input.totalBytes() > 0)) {
      const share = p.totalRows > 0 ? p.rowsIn / p.totalRows : this.input.bytesRead() / this.input.totalBytes();
      const quarter = Math.floor(4 * share);
      if (quarter > this.quarter) {
        this.quarter = quarter;
        const of =
          p.totalRows > 0
            ? `${p.rowsIn}/${p.totalRows} rows, ${p.batchesIn}/${p.totalBatches} batches`
            : `${plural(p.rowsIn, 'row')} in ${plural(p.batchesIn, 'batch')}, ${megabytes(this.input.bytesRead())}/${megabytes(this.input.totalBytes())} MB read`;
        this.stream.write(`silo: sink ${of}\n`);
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

function describe(p: RunProgress, input: InputProgress): string {
  if (p.phase === 'sink' && p.totalRows > 0)
    return ` ${plural(p.totalRows, 'row')} in ${plural(p.totalBatches, 'batch')}`;
  if (p.phase === 'sink') return ` streaming ${megabytes(input.totalBytes())} MB of input`;
  if (p.phase === 'finalize') return ` ${plural(p.streamsTotal, 'stream')}`;
  if (p.phase === 'done') return ` ${plural(p.rowsOut, 'row')} out`;
  return '';
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : noun.endsWith('h') ? 'es' : 's'}`;
}
