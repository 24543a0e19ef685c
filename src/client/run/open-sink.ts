/**
 * The first steps of a query on one connection, for harnesses that then drive the calls
 * themselves (the call-path benchmark, `silo snapshot`'s rehearsal): discover the catalog,
 * bind a function with no arguments but its input table, and open its sink.
 */
import type { Schema } from 'apache-arrow';
import { nullableSchema } from '../../lifecycle';
import type { VgiConnection } from '../connection/vgi-connection';
import { discoverCatalog, findFunction } from '../discovery';
import { bindArgumentsByName } from './argument-binding';
import { bindFunction } from './bind-call';

/**
 * Binds `functionName` for input of `schema` on `conn` and opens its sink. Returns what
 * every later call of the execution names (`ref`), the init request's common fields
 * (`init`, for finalize streams) and the execution id.
 *
 * @internal
 * @example
 * ```ts
 * const { ref, init, executionId } = await openSink(conn, 'buffer_input', batch.schema);
 * await conn.call('table_buffering_process', { ...ref, executionId, inputBatch: batch, batchIndex: null });
 * ```
 */
export async function openSink(conn: VgiConnection, functionName: string, schema: Schema) {
  const discovery = await discoverCatalog(conn, {});
  const fn = findFunction(discovery, functionName);
  const inputSchema = nullableSchema(schema);
  const attachOpaqueData = discovery.attach.attachOpaqueData;
  const bound = await bindFunction(conn, { fn, arguments: bindArgumentsByName(fn, {}), inputSchema, attachOpaqueData });
  const init = {
    bindCall: bound.bindCall,
    outputSchema: bound.response.outputSchema,
    bindOpaqueData: bound.response.opaqueData,
  };
  const sink = await conn.openInit({ ...init, phase: 'TABLE_BUFFERING', executionId: null });
  await sink.completeSinkInit(inputSchema);
  return {
    ref: { functionName: fn.name, schemaPath: fn.schemaPath, attachOpaqueData },
    init,
    executionId: sink.header.executionId,
  };
}
