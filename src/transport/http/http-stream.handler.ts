/**
 * The `init` stream over HTTP (vgi-wire §2.4): one producer turn per request. `/init`
 * answers with the header stream and the first output stream; each `/exchange` resumes
 * the producer from its sealed continuation on whichever process receives it, runs one
 * turn and seals the next continuation. A continuation carrying `vgi_rpc.cancel` resumes
 * the stream only to cancel it, so `@OnCancel()` runs with the cursor it had.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { concatBytes } from '../../common/bytes';
import { deserializeSchema, EMPTY_SCHEMA, serializeSchema } from '../../arrow';
import { STORAGE } from '../../container/tokens';
import { SiloError } from '../../errors';
import {
  encodeErrorResponse,
  encodeInitError,
  encodeInitHeader,
  type InitRequest,
  isCancelRequest,
  MetadataKey,
  type ResponseContext,
  ResponseStreamEncoder,
} from '../../protocol';
import type { Logger } from '../../providers/logging';
import type { FunctionStorage } from '../../providers/storage';
import { ClientLogBuffer } from '../../server/client-log.buffer';
import {
  type InitStreamHandler,
  type StartedFinalize,
  type StartedSink,
  unsupportedPhaseError,
} from '../../server/init-stream.handler';
import type { SiloWorker } from '../../worker/bootstrap';
import type { FinalizeStream } from '../../worker/finalize-stream';
import { arrowReply, type HttpReply } from './http-reply';
import { ContinuationReplayedError, StreamClaims } from './stream-claims';
import { InvalidStreamTokenError, type TokenBinding } from './stream-token.sealer';
import { type FinalizeContinuation, newCallId, type SinkContinuation, type StreamTokens } from './stream-tokens';

/** Who asks, and how responses are stamped. */
interface HttpStreamCall {
  /** What the stream's tokens are bound to (protocol and caller). */
  readonly binding: TokenBinding;
  readonly ctx: ResponseContext;
}

/** A continuation body: the first IPC stream of an `/exchange` request. */
interface ContinuationStream {
  readonly schema: Schema;
  readonly batches: readonly RecordBatch[];
}

/** The fixed part of a finalize continuation; the cursor and a fresh claim are added after each turn. */
type FinalizeIdentity = Omit<FinalizeContinuation, 'state' | 'claim'>;

/**
 * Serves `…/init/init` and `…/init/exchange` for one worker.
 */
export class HttpStreamHandler {
  private claimsOf?: StreamClaims;

  constructor(
    private readonly worker: SiloWorker,
    private readonly init: InitStreamHandler,
    private readonly tokens: StreamTokens,
    private readonly log: Logger,
  ) {}

  private get claims(): StreamClaims {
    this.claimsOf ??= new StreamClaims(this.worker.container.resolve<FunctionStorage>(STORAGE));
    return this.claimsOf;
  }

  /** `/init`: the header stream, then the first output stream (with a continuation unless finished). */
  async open(init: InitRequest, call: HttpStreamCall): Promise<HttpReply> {
    if (init.phase === 'TABLE_BUFFERING') return this.openSink(init, call);
    if (init.phase === 'TABLE_BUFFERING_FINALIZE') return this.openFinalize(init, call);
    return this.initFailed(init, call, unsupportedPhaseError(init), new ClientLogBuffer());
  }

  /** `/exchange`: the next turn of the stream the continuation names, or its cancellation. */
  async continue(body: ContinuationStream, call: HttpStreamCall): Promise<HttpReply> {
    const batch = body.batches[0];
    const stateToken = batch?.metadata.get(MetadataKey.streamState);
    if (batch === undefined || stateToken === undefined) {
      throw new InvalidStreamTokenError(
        'state',
        `the /exchange body carries none. Put the token of the previous response in the batch metadata key '${MetadataKey.streamState}'.`,
      );
    }
    const continuation = this.tokens.openState(
      stateToken,
      batch.metadata.get(MetadataKey.callState) ?? null,
      call.binding,
    );
    if (continuation.kind === 'sink') return this.continueSink(continuation, batch, call);
    return this.continueFinalize(continuation, isCancelRequest(batch), call);
  }

  private initFailed(init: InitRequest, call: HttpStreamCall, error: unknown, logs: ClientLogBuffer): HttpReply {
    this.log.warn(
      `init (${init.phase ?? 'no phase'}) of ${init.bindCall.functionName} failed: ${(error as Error).message}`,
    );
    return arrowReply([encodeInitError(error, call.ctx, logs.take())], { rpcError: true });
  }

  // --- sink (an exchange stream DuckDB never continues) ----------------------------------

  private async openSink(init: InitRequest, call: HttpStreamCall): Promise<HttpReply> {
    let started: StartedSink;
    try {
      started = await this.init.startSink(init);
    } catch (error) {
      return this.initFailed(init, call, error, new ClientLogBuffer());
    }
    const callId = newCallId();
    const continuation: SinkContinuation = {
      kind: 'sink',
      callId,
      functionName: started.definition.options.name,
      executionId: started.executionId,
      outputSchema: serializeSchema(started.outputSchema),
    };
    const out = new ResponseStreamEncoder(
      started.outputSchema,
      call.ctx,
      `sink init output of ${started.definition.options.name}`,
    );
    const header = encodeInitHeader({ executionId: started.executionId, maxWorkers: started.maxWorkers }, call.ctx);
    const token = out.stateToken(
      this.tokens.sealState(continuation, call.binding),
      this.tokens.sealCall(callId, call.binding),
    );
    return arrowReply([header, out.start(), token, out.end()]);
  }

  /** A sink continuation ends the stream; data rows are refused as on byte channels (no exchange output exists). */
  private continueSink(continuation: SinkContinuation, batch: RecordBatch, call: HttpStreamCall): HttpReply {
    const out = new ResponseStreamEncoder(
      deserializeSchema(continuation.outputSchema),
      call.ctx,
      `sink output of ${continuation.functionName}`,
    );
    if (batch.numRows === 0 || isCancelRequest(batch)) return arrowReply([out.start(), out.end()]);
    const error = new SiloError(
      'SILO423',
      `The sink stream of ${continuation.functionName} was continued with ${batch.numRows} input rows. Send each input chunk with table_buffering_process instead; the sink init stream carries no data.`,
    );
    return arrowReply([out.start(), out.error(error), out.end()]);
  }

  // --- finalize (a producer: one turn per request) ---------------------------------------

  private async openFinalize(init: InitRequest, call: HttpStreamCall): Promise<HttpReply> {
    const logs = new ClientLogBuffer();
    let started: StartedFinalize;
    try {
      started = await this.init.startFinalize(init, logs);
    } catch (error) {
      return this.initFailed(init, call, error, logs);
    }
    const callId = newCallId();
    const identity: FinalizeIdentity = {
      kind: 'finalize',
      callId,
      functionName: started.definition.options.name,
      schemaPath: init.bindCall.schemaPath,
      executionId: started.call.executionId,
      finalizeStateId: started.call.finalizeStateId,
      projectionIds: started.call.projectionIds ?? null,
      filters: started.call.filters ?? [],
    };
    const header = encodeInitHeader(
      { executionId: started.call.executionId, maxWorkers: started.maxWorkers },
      call.ctx,
      logs.take(),
    );
    const output = await this.turn(started.stream, identity, call, logs, this.tokens.sealCall(callId, call.binding));
    return arrowReply([header, ...output]);
  }

  private async continueFinalize(
    continuation: FinalizeContinuation,
    cancel: boolean,
    call: HttpStreamCall,
  ): Promise<HttpReply> {
    const logs = new ClientLogBuffer();
    let stream: FinalizeStream;
    try {
      stream = await this.worker.dispatcher.openFinalize(
        {
          executionId: continuation.executionId,
          finalizeStateId: continuation.finalizeStateId,
          projectionIds: continuation.projectionIds ?? undefined,
          filters: continuation.filters,
          resumeState: continuation.state,
        },
        logs.options,
      );
      if (stream.context.functionName !== continuation.functionName) {
        throw new SiloError(
          'SILO432',
          `The continuation names ${continuation.functionName}, but its execution belongs to ${stream.context.functionName}. Echo the token of the stream you are continuing.`,
        );
      }
    } catch (error) {
      this.log.warn(
        `Could not resume the finalize stream of ${continuation.functionName}${cancel ? ' to cancel it' : ''}: ${(error as Error).message}`,
      );
      // A cancel is never answered with an error (vgi-wire §2.4.5): there is nothing left to stop.
      if (cancel) return arrowReply([encodeEmptyStream(EMPTY_SCHEMA, call.ctx)]);
      return arrowReply([encodeErrorResponse(EMPTY_SCHEMA, error, call.ctx, logs.take())], { rpcError: true });
    }
    // Redeemed once the execution is known to be live, before any user code runs: a
    // token used before is refused (HTTP 400), so a turn never runs twice.
    if (!(await this.claims.redeem(continuation.executionId, continuation.claim))) {
      if (cancel) return arrowReply([encodeEmptyStream(EMPTY_SCHEMA, call.ctx)]);
      throw new ContinuationReplayedError(continuation.functionName);
    }
    if (cancel) {
      await stream.cancel(logs.options);
      const out = new ResponseStreamEncoder(
        stream.outputSchema,
        call.ctx,
        `cancelled finalize output of ${continuation.functionName}`,
      );
      return arrowReply([out.start(), ...logs.take().map((l) => out.log(l)), out.end()]);
    }
    const { state: _cursor, claim: _claim, ...identity } = continuation;
    return arrowReply(await this.turn(stream, identity, call, logs, null));
  }

  /**
   * One producer turn as an output stream: logs, at most one data batch, then a
   * continuation unless the stream finished, then EOS. A tick that throws ends the stream
   * with an error batch, under a 200 like any other turn (vgi-wire §2.3).
   */
  private async turn(
    stream: FinalizeStream,
    identity: FinalizeIdentity,
    call: HttpStreamCall,
    logs: ClientLogBuffer,
    callToken: string | null,
  ): Promise<Uint8Array[]> {
    const out = new ResponseStreamEncoder(stream.outputSchema, call.ctx, `finalize output of ${identity.functionName}`);
    const parts = [out.start()];
    try {
      const outcome = await stream.tick(logs.options);
      parts.push(...logs.take().map((l) => out.log(l)));
      if (outcome.batch) parts.push(out.data(outcome.batch));
      if (!outcome.finished) {
        const claim = StreamClaims.mint();
        await this.claims.record(identity.executionId, claim);
        const next: FinalizeContinuation = { ...identity, state: stream.serializeState(), claim };
        parts.push(out.stateToken(this.tokens.sealState(next, call.binding), callToken));
      }
    } catch (error) {
      this.log.warn(`finalize of ${identity.functionName} failed: ${(error as Error).message}`);
      parts.push(...logs.take().map((l) => out.log(l)), out.error(error));
    }
    parts.push(out.end());
    return parts;
  }
}

/** An output stream without batches: schema, EOS. */
function encodeEmptyStream(schema: Schema, ctx: ResponseContext): Uint8Array {
  const out = new ResponseStreamEncoder(schema, ctx, 'empty output stream');
  return concatBytes(out.start(), out.end());
}
