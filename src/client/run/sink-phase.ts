/**
 * The sink over VGI connections: the shared sink driver (`src/lifecycle`), with `init`
 * streams and `table_buffering_process` calls on the wire, then combine on the connection
 * that finished last.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { driveSink, type SinkOutcome, type SinkPlan } from '../../lifecycle';
import { type VgiConnection } from '../connection/vgi-connection';

/** The function a call names. */
interface FunctionRef {
  readonly functionName: string;
  readonly schemaPath: readonly string[];
  readonly attachOpaqueData: Uint8Array;
}

/** Everything the sink needs on the wire. */
interface WireSinkPlan extends FunctionRef, Omit<SinkPlan<VgiConnection>, 'calls'> {
  /** The final BindRequest bytes. */
  readonly bindCall: Uint8Array;
  readonly outputSchema: Schema;
  readonly bindOpaqueData: Uint8Array | null;
  readonly inputSchema: Schema;
}

/**
 * Runs the sink over the plan's connections. Stops every connection at the first failure
 * and raises it.
 */
export function runSink(plan: WireSinkPlan): Promise<SinkOutcome<VgiConnection>> {
  const ref: FunctionRef = {
    functionName: plan.functionName,
    schemaPath: plan.schemaPath,
    attachOpaqueData: plan.attachOpaqueData,
  };
  return driveSink({
    ...plan,
    calls: {
      init: async (conn, executionId) => {
        const stream = await conn.openInit({
          bindCall: plan.bindCall,
          outputSchema: plan.outputSchema,
          bindOpaqueData: plan.bindOpaqueData,
          phase: 'TABLE_BUFFERING',
          executionId,
        });
        await stream.completeSinkInit(plan.inputSchema);
        return stream.header.executionId;
      },
      process: async (conn, batch: RecordBatch, batchIndex, executionId) => {
        const { result } = await conn.call('table_buffering_process', {
          ...ref,
          executionId,
          inputBatch: batch,
          batchIndex,
        });
        return result;
      },
    },
  });
}

/** Runs combine on the connection that finished the sink last, with the state ids in completion order. */
export async function combineOn(sink: SinkOutcome<VgiConnection>, ref: FunctionRef): Promise<Uint8Array[]> {
  const { result } = await sink.combiner.call('table_buffering_combine', {
    ...ref,
    executionId: sink.executionId,
    stateIds: sink.stateIds,
  });
  return result;
}
