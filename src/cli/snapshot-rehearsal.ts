/**
 * A rehearsal for start-up snapshots (`silo snapshot`). V8 compiles a function when it
 * first runs, and a start-up snapshot keeps the bytecode compiled while it was built. So
 * while `silo snapshot` builds one, a small query of a built-in passthrough runs through
 * the whole request path — request bytes in, the framer, the decoders, the dispatcher,
 * storage, the encoders, response bytes out — in every protocol version, in memory. A
 * worker started from the snapshot then runs that path from its first call without
 * compiling it (type feedback and optimized code are not kept: each process builds those).
 *
 * The rehearsal has its own container, storage (in memory), logger and observability: the
 * snapshot keeps nothing of it but compiled code and bounded caches. User functions do not
 * run (they may have side effects); only the framework's path does.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { Field, Float64, Int64, type RecordBatch, Schema, Utf8 } from 'apache-arrow';
import { batchFromColumns } from '../arrow/batch-utils';
import type { WorkerChannel } from '../client/connection/worker-channel';
import { WorkerConnection } from '../client/connection/worker-connection';
import { openSink } from '../client/run/open-sink';
import { releaseCallScope } from '../container/call-scope';
import { BatchLog, BatchLogCursor } from '../collections/batch-log';
import { InjectCollection } from '../collections/inject-collection.decorator';
import { CLOCK, LOGGER, SEALER, STORAGE } from '../container/tokens';
import { TableInput } from '../decorators/arguments.decorator';
import { BufferingFunction } from '../decorators/buffering-function.decorator';
import { Combine, Finalize, InitialFinalizeState, Process } from '../decorators/lifecycle-hooks.decorator';
import type { Output, SinkContext } from '../definition/contexts';
import { type ProtocolSpec, VGI_A10_PROTOCOL, VGI_A13_PROTOCOL, VGI_V2_PROTOCOL } from '../protocol/method-table';
import { SystemClock } from '../providers/clock';
import { MemoryLogger } from '../providers/logging';
import { SecretSealer } from '../providers/secrets/secret.sealer';
import { MemoryStorage } from '../providers/storage/memory-storage.provider';
import { defineModule } from '../registration/module';
import { streamConnection } from '../server/connection';
import { RequestHandler } from '../server/request.handler';
import { assembleWorker } from '../worker/bootstrap';
import { CliError } from './cli.error';

/** The rehearsal's function; never served by a real worker. */
const REHEARSAL_FUNCTION = 'silo_snapshot_rehearsal';

/** Input batches per protocol version: enough to run every call of the sink and finalize paths. */
const BATCHES = 3;

/** Rows per batch: DuckDB's vector size. */
const ROWS = 2048;

class RehearsalArgs {
  @TableInput({ doc: 'Input table' }) data!: unknown;
}

/** A passthrough on a batch log, the shape of most buffering functions. */
@BufferingFunction({
  name: REHEARSAL_FUNCTION,
  description: 'Rehearses the request path while a start-up snapshot is built',
  args: RehearsalArgs,
  state: BatchLogCursor,
})
class RehearsalFunction {
  constructor(@InjectCollection(BatchLog, 'rows') private readonly rows: BatchLog) {}

  @Process()
  async process(batch: RecordBatch, ctx: SinkContext): Promise<Uint8Array> {
    await this.rows.append(batch);
    return ctx.executionId;
  }

  @Combine()
  combine(_stateIds: Uint8Array[], ctx: SinkContext): Uint8Array[] {
    return [ctx.executionId];
  }

  @InitialFinalizeState()
  start(): BatchLogCursor {
    return new BatchLogCursor();
  }

  @Finalize()
  finalize(cursor: BatchLogCursor, out: Output): Promise<void> {
    return this.rows.replay(cursor, out);
  }
}

/** A batch of the commonest column types, one with nulls. */
function rehearsalBatch(): RecordBatch {
  const schema = new Schema([
    new Field('k', new Int64(), true),
    new Field('v', new Float64(), true),
    new Field('s', new Utf8(), true),
  ]);
  const rows = Array.from({ length: ROWS }, (_, i) => i);
  return batchFromColumns(schema, {
    k: rows.map(BigInt),
    v: rows.map((i) => i / 7),
    s: rows.map((i) => (i % 10 === 0 ? null : `text ${i}`)),
  });
}

/**
 * A client channel to `handler` through two in-memory streams (1 MiB buffers, so a
 * batch-sized message is written in one piece).
 *
 * @internal
 */
export function inMemoryChannel(handler: RequestHandler): WorkerChannel {
  const toWorker = new PassThrough({ highWaterMark: 1 << 20 });
  const toClient = new PassThrough({ highWaterMark: 1 << 20 });
  const served = handler.serve(streamConnection('rehearsal', toWorker, toClient));
  return {
    label: 'snapshot rehearsal',
    pid: null,
    readable: toClient,
    write: (bytes) =>
      new Promise<void>((done, fail) => toWorker.write(bytes, (error) => (error ? fail(error) : done()))),
    ended: served.then((end) => String(end)),
    stderrTail: () => '',
    close: async () => {
      toWorker.end();
      await served;
    },
    kill: () => toWorker.destroy(),
  };
}

async function oneQuery(handler: RequestHandler, protocol: ProtocolSpec, batch: RecordBatch): Promise<number> {
  const conn = new WorkerConnection(inMemoryChannel(handler), { protocol });
  try {
    const { ref, init, executionId } = await openSink(conn, REHEARSAL_FUNCTION, batch.schema);
    let state = executionId;
    for (let i = 0; i < BATCHES; i++)
      state = (await conn.call('table_buffering_process', { ...ref, executionId, inputBatch: batch, batchIndex: null }))
        .result;
    const { result: ids } = await conn.call('table_buffering_combine', { ...ref, executionId, stateIds: [state] });
    let rows = 0;
    for (const finalizeStateId of ids) {
      const stream = await conn.openInit({ ...init, phase: 'TABLE_BUFFERING_FINALIZE', executionId, finalizeStateId });
      for (let b = await stream.next(); b !== null; b = await stream.next()) rows += b.numRows;
    }
    await conn.call('table_buffering_destructor', { ...ref, executionId });
    return rows;
  } finally {
    await conn.close();
  }
}

function rehearsalFailed(protocol: ProtocolSpec, what: string, cause?: unknown): CliError {
  return new CliError(
    `The rehearsal silo snapshot runs before taking the snapshot failed in protocol ${protocol.version}: ${what.replace(/\.$/, '')}. ` +
      'It runs only vgi-silo code, not your functions: check that vgi-silo and apache-arrow are installed once, at the versions vgi-silo asks for.',
    { cause },
  );
}

/** What a rehearsal did, for `silo snapshot`'s report. */
export interface RehearsalReport {
  /** The protocol versions it ran a query in. */
  readonly protocols: readonly string[];
  /** How long it took, ms. */
  readonly ms: number;
}

/**
 * Runs the rehearsal: one query in each protocol version. Throws when a query did not
 * return its input (the framework itself is broken; the snapshot would be too).
 *
 * @internal
 */
export async function rehearseRequestPath(): Promise<RehearsalReport> {
  const started = performance.now();
  const storage = new MemoryStorage();
  const worker = assembleWorker(
    {
      catalog: 'rehearsal',
      modules: [defineModule({ name: 'rehearsal', functions: [RehearsalFunction] })],
      observability: { tracing: false },
    },
    [
      { provide: STORAGE, useValue: storage },
      { provide: LOGGER, useValue: new MemoryLogger() },
      { provide: CLOCK, useValue: new SystemClock() },
      { provide: SEALER, useValue: new SecretSealer(new Uint8Array(randomBytes(32)), 'the snapshot rehearsal') },
    ],
  );
  const handler = new RequestHandler(worker, { logger: new MemoryLogger() });
  const batch = rehearsalBatch();
  try {
    const protocols = [VGI_A10_PROTOCOL, VGI_A13_PROTOCOL, VGI_V2_PROTOCOL];
    for (const protocol of protocols) {
      let rows: number;
      try {
        rows = await oneQuery(handler, protocol, batch);
      } catch (cause) {
        throw rehearsalFailed(protocol, (cause as Error).message, cause);
      }
      if (rows !== BATCHES * ROWS)
        throw rehearsalFailed(protocol, `its query returned ${rows} rows, not ${BATCHES * ROWS}`);
    }
    return { protocols: protocols.map((p) => p.version), ms: performance.now() - started };
  } finally {
    await worker.close();
    await storage.close();
    // Node cannot take the snapshot while promise hooks are on; the first call turns them on again.
    releaseCallScope();
  }
}
