/**
 * The `init` stream method (vgi-wire §3.8, §4.9): the sink phase (header, then an empty
 * exchange answered with `SCHEMA, EOS`) and the finalize phase (header, then a producer
 * answering each tick with exactly one batch or the end of the stream).
 */
import type { Schema } from 'apache-arrow';
import type { MessageFramer } from '../arrow';
import { joinBytes } from '../common/bytes';
import { SiloError } from '../errors';
import {
  MetadataKey,
  ResponseStreamEncoder,
  encodeInitError,
  encodeInitHeader,
  type InitRequest,
  type ResponseContext,
} from '../protocol';
import type { Logger } from '../providers/logging';
import type { FunctionDefinition } from '../definition/function-definition';
import type { SiloWorker } from '../worker/bootstrap';
import type { FinalizeInitCall, FunctionRef } from '../worker/calls';
import type { FinalizeStream } from '../worker/finalize-stream';
import { projectSchema } from '../worker/output-collector';
import { toBindCall } from './bind-call.mapper';
import { ClientLogBuffer } from './client-log.buffer';
import type { Connection } from './connection';
import type { CpuStats } from './cpu-stats';
import { DEFAULT_MAX_WORKERS, advertisesFilterPushdown } from './function-descriptor.mapper';
import { decodePushdownFilters } from './pushdown-filters.decoder';
import { type ChannelEnd, openNext, readFailure } from './stream-intake';

/** Where a stream call reads and writes. */
interface StreamIo {
  readonly framer: MessageFramer;
  readonly connection: Connection;
  readonly ctx: ResponseContext;
}

/** How a stream call ended: served, refused before its header, or the channel ended under it. */
export type StreamEnd = { readonly kind: 'done' } | { readonly kind: 'init-failed' } | ChannelEnd;

/** A sink init that succeeded: what its header and its (empty) output stream need. */
export interface StartedSink {
  readonly executionId: Uint8Array;
  readonly definition: FunctionDefinition;
  readonly maxWorkers: number;
  /** The output stream's schema: the bound output schema, narrowed like the finalize output. */
  readonly outputSchema: Schema;
}

/** A finalize init that succeeded: the open producer stream and the call that opened it. */
export interface StartedFinalize {
  readonly stream: FinalizeStream;
  /** The dispatcher call (execution, finalize state id, projection, decoded filters). */
  readonly call: FinalizeInitCall;
  readonly definition: FunctionDefinition;
  readonly maxWorkers: number;
}

/** One write per answer; a lone part (a tick's batch once the schema went out) is written without a copy. */
const concat = (...parts: Uint8Array[]): Uint8Array => joinBytes(parts);

/** The function a call names, resolved the way the dispatcher resolves it. */
function definitionOf(worker: SiloWorker, ref: FunctionRef): FunctionDefinition {
  const schema = ref.schemaPath && ref.schemaPath.length > 0 ? ref.schemaPath[ref.schemaPath.length - 1] : undefined;
  return worker.registry.require(ref.functionName, schema);
}

/** A null or empty `execution_id` both mean "none yet". */
function presentId(id: Uint8Array | null): Uint8Array | undefined {
  return id !== null && id.length > 0 ? id : undefined;
}

/**
 * The refusal of an `init` whose phase is not a buffering phase.
 */
export function unsupportedPhaseError(init: InitRequest): SiloError {
  return new SiloError(
    'SILO422',
    `init phase ${init.phase ?? 'null'} is not served: this worker hosts table-buffering functions, whose init phases are TABLE_BUFFERING (sink) and TABLE_BUFFERING_FINALIZE (source). INPUT and FINALIZE belong to streaming table-in-out functions.`,
  );
}

/**
 * Runs `init` requests against a worker's dispatcher.
 */
export class InitStreamHandler {
  constructor(
    private readonly worker: SiloWorker,
    private readonly log: Logger,
    private readonly cpuStats?: CpuStats,
  ) {}

  /** Serves one `init` call, header to output EOS (input drained). */
  async run(init: InitRequest, io: StreamIo): Promise<StreamEnd> {
    if (init.phase === 'TABLE_BUFFERING') return this.sink(init, io);
    if (init.phase === 'TABLE_BUFFERING_FINALIZE') return this.finalize(init, io);
    return this.refuse(init, io, unsupportedPhaseError(init), []);
  }

  private async refuse(
    init: InitRequest,
    io: StreamIo,
    error: unknown,
    logs: ReturnType<ClientLogBuffer['take']>,
  ): Promise<StreamEnd> {
    const execution =
      init.executionId && init.executionId.length > 0 ? Buffer.from(init.executionId).toString('hex') : undefined;
    this.log.warn(
      `init (${init.phase ?? 'no phase'}) of ${init.bindCall.functionName} failed: ${(error as Error).message}`,
      { execution, function: init.bindCall.functionName },
    );
    await io.connection.write(encodeInitError(error, io.ctx, logs));
    return { kind: 'init-failed' };
  }

  // --- sink -------------------------------------------------------------------------------

  /**
   * The sink phase's work before its header: the primary init mints the execution id and
   * persists the init context, a secondary one echoes the id. Throws what the header's
   * error stream must report. Shared by the byte-channel loop and the HTTP transport.
   */
  async startSink(init: InitRequest): Promise<StartedSink> {
    const bind = toBindCall(init.bindCall);
    const definition = definitionOf(this.worker, bind);
    const { executionId } = await this.worker.dispatcher.initSink({
      bind,
      outputSchema: init.outputSchema,
      bindOpaqueData: init.bindOpaqueData ?? undefined,
      executionId: presentId(init.executionId),
    });
    return {
      executionId,
      definition,
      maxWorkers: definition.options.maxWorkers ?? DEFAULT_MAX_WORKERS,
      outputSchema: this.sinkOutputSchema(definition, init),
    };
  }

  private async sink(init: InitRequest, io: StreamIo): Promise<StreamEnd> {
    let started: StartedSink;
    try {
      started = await this.startSink(init);
    } catch (error) {
      return this.refuse(init, io, error, []);
    }
    const { definition, executionId } = started;
    await io.connection.write(encodeInitHeader({ executionId, maxWorkers: started.maxWorkers }, io.ctx));
    const out = new ResponseStreamEncoder(
      started.outputSchema,
      io.ctx,
      `sink init output of ${definition.options.name}`,
    );
    const opened = await openNext(io.framer);
    if (!('reader' in opened)) return opened;
    for (;;) {
      let frame;
      try {
        frame = await opened.reader.nextFrame();
      } catch (error) {
        return readFailure(error);
      }
      if (frame === null) {
        await io.connection.write(out.end());
        return { kind: 'done' };
      }
      if (frame.kind !== 'record-batch') continue;
      // DuckDB sends none; a client that does would wait forever for an exchange answer.
      const error = new SiloError(
        'SILO423',
        `The sink init input stream of ${definition.options.name} carried a data batch. Close it with no batches and send each input chunk with table_buffering_process on this connection.`,
      );
      await io.connection.write(concat(out.error(error), out.end()));
      try {
        await opened.reader.drain();
      } catch (e) {
        return readFailure(e);
      }
      return { kind: 'done' };
    }
  }

  /** The sink phase answers on the output schema, narrowed like the finalize output would be. */
  private sinkOutputSchema(definition: FunctionDefinition, init: InitRequest): Schema {
    if (!definition.options.projectionPushdown || init.projectionIds === null) return init.outputSchema;
    try {
      return projectSchema(init.outputSchema, init.projectionIds);
    } catch {
      // No data flows on this stream; an unusable projection is reported by the finalize init.
      return init.outputSchema;
    }
  }

  // --- finalize ---------------------------------------------------------------------------

  /**
   * The finalize phase's work before its header: resolve the function, decode the pushed
   * filters it can apply, and open its producer stream (running `@InitialFinalizeState()`,
   * whose client logs land in `logs`). Throws what the header's error stream must report.
   * Shared by the byte-channel loop and the HTTP transport.
   */
  async startFinalize(init: InitRequest, logs: ClientLogBuffer): Promise<StartedFinalize> {
    const executionId = presentId(init.executionId);
    if (executionId === undefined) {
      throw new SiloError(
        'SILO424',
        `The finalize init of ${init.bindCall.functionName} carries no execution_id. Send the id the sink init header returned.`,
      );
    }
    const bind = toBindCall(init.bindCall);
    const definition = definitionOf(this.worker, bind);
    const decoded = advertisesFilterPushdown(definition)
      ? decodePushdownFilters(init.pushdownFilters, init.outputSchema)
      : { filters: [], skipped: [] };
    if (decoded.skipped.length > 0)
      this.log.debug(`Pushed filters left to DuckDB for ${definition.options.name}: ${decoded.skipped.join('; ')}`);
    const call: FinalizeInitCall = {
      executionId,
      finalizeStateId: init.finalizeStateId ?? new Uint8Array(0),
      projectionIds: init.projectionIds ?? undefined,
      filters: decoded.filters,
      bind,
      outputSchema: init.outputSchema,
    };
    const stream = await this.worker.dispatcher.openFinalize(call, logs.options);
    return { stream, call, definition, maxWorkers: definition.options.maxWorkers ?? DEFAULT_MAX_WORKERS };
  }

  private async finalize(init: InitRequest, io: StreamIo): Promise<StreamEnd> {
    const logs = new ClientLogBuffer();
    let started: StartedFinalize;
    try {
      started = await this.startFinalize(init, logs);
    } catch (error) {
      return this.refuse(init, io, error, logs.take());
    }
    await io.connection.write(
      encodeInitHeader({ executionId: started.call.executionId, maxWorkers: started.maxWorkers }, io.ctx, logs.take()),
    );
    this.cpuStats?.mark('init');
    return this.produce(started.stream, started.definition.options.name, io, logs);
  }

  /**
   * The producer lockstep: per tick, logs then exactly one batch, or the output EOS. After
   * the output EOS (finished, cancelled or failed) the remaining ticks are read and
   * discarded up to the input EOS, so the next request starts on a clean boundary.
   */
  private async produce(stream: FinalizeStream, name: string, io: StreamIo, logs: ClientLogBuffer): Promise<StreamEnd> {
    const opened = await openNext(io.framer);
    if (!('reader' in opened)) {
      await stream.cancel(logs.options);
      return opened;
    }
    const out = new ResponseStreamEncoder(stream.outputSchema, io.ctx, `finalize output of ${name}`);
    let ended = false;
    for (;;) {
      let frame;
      try {
        frame = await opened.reader.nextFrame();
      } catch (error) {
        if (!ended) await stream.cancel(logs.options);
        return readFailure(error);
      }
      if (frame === null) {
        if (ended) return { kind: 'done' };
        // The client closed its ticks early: stop the producer and close our side too.
        await stream.cancel(logs.options);
        await io.connection.write(concat(out.start(), ...logs.take().map((l) => out.log(l)), out.end()));
        return { kind: 'done' };
      }
      if (frame.kind !== 'record-batch' || ended) continue;
      ended = await this.answerTick(stream, name, frame.customMetadata.has(MetadataKey.cancel), out, io, logs);
    }
  }

  /** Answers one tick; true when the output stream ended with it. */
  private async answerTick(
    stream: FinalizeStream,
    name: string,
    cancel: boolean,
    out: ResponseStreamEncoder,
    io: StreamIo,
    logs: ClientLogBuffer,
  ): Promise<boolean> {
    if (cancel) {
      await stream.cancel(logs.options);
      await io.connection.write(concat(out.start(), ...logs.take().map((l) => out.log(l)), out.end()));
      return true;
    }
    // Bytes must leave in the order the writer produced them: schema, this tick's logs, batch.
    const parts = [out.start()];
    let finished: boolean;
    try {
      const outcome = await stream.tick(logs.options);
      parts.push(...logs.take().map((l) => out.log(l)));
      if (outcome.batch) parts.push(out.data(outcome.batch));
      finished = outcome.finished;
      if (finished) parts.push(out.end());
    } catch (error) {
      this.log.warn(`finalize of ${name} failed: ${(error as Error).message}`, {
        execution: Buffer.from(stream.context.executionId).toString('hex'),
        function: name,
      });
      parts.push(...logs.take().map((l) => out.log(l)), out.error(error), out.end());
      finished = true;
    }
    await io.connection.write(concat(...parts));
    this.cpuStats?.mark('finalize_tick');
    return finished;
  }
}
