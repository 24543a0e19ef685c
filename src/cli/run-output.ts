/**
 * Where `silo run` puts output batches as the finalize streams deliver them: into the
 * `--out` file or stdout, batch by batch (the file is opened on the first batch's schema,
 * or on the bound schema at the end when no row came), or — printed as a table — only the
 * rows that will be shown, with a count of the rest.
 */
import { type RecordBatch, type Schema, Table } from 'apache-arrow';
import { type BatchWriter, type TableOutput } from './table-files';
import { formatTable } from './table-printer';

/**
 * Collects a run's output without holding it.
 */
export class RunOutput {
  private writer: BatchWriter | null = null;
  private opening: Promise<BatchWriter> | null = null;
  /** Batches that arrived while the writer was opening (Parquet opens a database first). */
  private queued: RecordBatch[] = [];
  private failure: unknown = null;
  private readonly shown: RecordBatch[] = [];
  private shownRows = 0;
  /** Output rows received. */
  rows = 0;

  constructor(
    private readonly output: TableOutput | undefined,
    private readonly maxShown: number,
    private readonly stdout: NodeJS.WriteStream,
  ) {}

  /** Takes one batch: written now when the destination is open, else queued until it is. */
  push(batch: RecordBatch): void {
    if (this.failure !== null) throw this.failure;
    this.rows += batch.numRows;
    if (this.output === undefined) {
      if (this.shownRows < this.maxShown) {
        const kept =
          batch.numRows > this.maxShown - this.shownRows ? batch.slice(0, this.maxShown - this.shownRows) : batch;
        this.shown.push(kept);
        this.shownRows += kept.numRows;
      }
      return;
    }
    if (this.writer !== null) {
      this.writer.write(batch);
      return;
    }
    this.queued.push(batch);
    // A failure to open is raised by the next push, or by finish().
    this.open(batch.schema).catch(() => undefined);
  }

  private open(schema: Schema): Promise<BatchWriter> {
    this.opening ??= this.output!.open(schema, this.stdout).then(
      (writer) => {
        this.writer = writer;
        for (const batch of this.queued.splice(0)) writer.write(batch);
        return writer;
      },
      (error: unknown) => {
        this.failure = error;
        throw error;
      },
    );
    return this.opening;
  }

  /**
   * Ends the output: closes the file (opened on `schema` when no batch came, so an empty
   * result still has its header) or prints the table. Returns where it went, for the summary.
   */
  async finish(schema: Schema): Promise<void> {
    if (this.output === undefined) {
      const table = this.shown.length > 0 ? new Table(this.shown) : new Table(schema);
      this.stdout.write(`${formatTable(table, this.maxShown, this.rows)}\n`);
      return;
    }
    const writer = await this.open(schema);
    await writer.close();
  }

  /** Closes an open destination after a failed run, keeping what was written. */
  async abandon(): Promise<void> {
    if (this.opening === null) return;
    try {
      await (await this.opening).close();
    } catch {
      // The run's own error is the one to report.
    }
  }
}
