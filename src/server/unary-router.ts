/**
 * Every unary method of a buffering worker (vgi-wire §4.0): the catalog, bind, the three
 * buffering calls and reflection, each answered with one complete response stream.
 */
import {
  type DecodedRequest,
  encodeErrorResponse,
  encodeUnaryResponse,
  outerResultSchema,
  type ResponseContext,
} from '../protocol';
import type { Logger } from '../providers/logging';
import type { SiloWorker } from '../worker/bootstrap';
import { toBindCall, toBindResponse } from './bind-call.mapper';
import { CATALOG_VERSION, type CatalogService } from './catalog.service';
import { ClientLogBuffer } from './client-log.buffer';

/** The execution (and function) a failed call belonged to, so its log line can be found with the execution's others. */
function executionFields(request: UnaryRequest): { execution: string; function?: string } | undefined {
  const params = request.params as { executionId?: unknown; functionName?: unknown } | undefined;
  const id = params?.executionId;
  if (!(id instanceof Uint8Array) || id.length === 0) return undefined;
  return {
    execution: Buffer.from(id).toString('hex'),
    function: typeof params?.functionName === 'string' ? params.functionName : undefined,
  };
}

/** A unary request (anything but the `init` stream). */
type UnaryRequest = Exclude<DecodedRequest, { method: 'init' }>;

/** A unary response stream, and whether it carries an error batch instead of a result. */
interface UnaryAnswer {
  readonly bytes: Uint8Array;
  readonly failed: boolean;
}

/** Who this worker is, as `list_protocols` reports it. */
export interface ServerIdentity {
  readonly serverId: string;
  readonly serverVersion: string;
}

/**
 * Answers unary requests. Errors never escape: each becomes an error stream on the
 * method's result schema, after any client logs the call wrote.
 */
export class UnaryRouter {
  constructor(
    private readonly worker: SiloWorker,
    private readonly catalog: CatalogService,
    private readonly identity: ServerIdentity,
    private readonly log: Logger,
  ) {}

  /** The complete response stream of `request`. */
  async answer(request: UnaryRequest, ctx: ResponseContext): Promise<Uint8Array> {
    return (await this.respond(request, ctx)).bytes;
  }

  /**
   * The response stream of `request`, and whether it is an error stream: HTTP marks
   * those with `X-VGI-RPC-Error` (vgi-wire §2.3), byte channels need not know.
   */
  async respond(request: UnaryRequest, ctx: ResponseContext): Promise<UnaryAnswer> {
    const logs = new ClientLogBuffer();
    try {
      return { bytes: await this.route(request, ctx, logs), failed: false };
    } catch (error) {
      this.log.warn(`${request.method} failed: ${(error as Error).message}`, executionFields(request));
      return { bytes: encodeErrorResponse(outerResultSchema(request.spec), error, ctx, logs.take()), failed: true };
    }
  }

  private async route(request: UnaryRequest, ctx: ResponseContext, logs: ClientLogBuffer): Promise<Uint8Array> {
    const { dispatcher } = this.worker;
    switch (request.method) {
      case 'catalog_catalogs':
        return encodeUnaryResponse(request.method, this.catalog.catalogs(), ctx);
      case 'catalog_attach':
        return encodeUnaryResponse(request.method, this.catalog.attach(request.params), ctx);
      case 'catalog_detach':
        return encodeUnaryResponse(request.method, undefined, ctx);
      case 'catalog_transaction_commit':
      case 'catalog_transaction_rollback':
        await dispatcher.endTransaction(request.params.transactionOpaqueData);
        return encodeUnaryResponse(request.method, undefined, ctx);
      case 'catalog_version':
        return encodeUnaryResponse(request.method, CATALOG_VERSION, ctx);
      case 'catalog_transaction_begin':
        // The id reaches every bind of the transaction (transaction_opaque_data): hooks see it as transactionId.
        return encodeUnaryResponse(request.method, await dispatcher.beginTransaction(), ctx);
      case 'catalog_schemas':
        return encodeUnaryResponse(request.method, this.catalog.schemas(request.params), ctx);
      case 'catalog_schema_get':
        return encodeUnaryResponse(request.method, this.catalog.schemaGet(request.params), ctx);
      case 'catalog_schema_contents_functions':
        return encodeUnaryResponse(request.method, this.catalog.functions(request.params, request.wire), ctx);
      case 'catalog_copy_from_formats':
      case 'catalog_schema_contents_tables':
      case 'catalog_schema_contents_views':
      case 'catalog_schema_contents_macros':
      case 'catalog_schema_contents_indexes':
      case 'catalog_table_get':
      case 'catalog_view_get':
      case 'catalog_macro_get':
        // A buffering worker has no tables, views, macros, indexes or COPY formats.
        return encodeUnaryResponse(request.method, [], ctx);
      case 'bind': {
        const outcome = await dispatcher.bind(toBindCall(request.params), logs.options);
        return encodeUnaryResponse(request.method, toBindResponse(outcome), ctx, logs.take());
      }
      case 'table_buffering_process': {
        const p = request.params;
        const stateId = await dispatcher.process(
          {
            functionName: p.functionName,
            schemaPath: p.schemaPath ?? undefined,
            executionId: p.executionId,
            batch: p.inputBatch,
            batchIndex: p.batchIndex ?? undefined,
          },
          logs.options,
        );
        return encodeUnaryResponse(request.method, stateId, ctx, logs.take());
      }
      case 'table_buffering_combine': {
        const p = request.params;
        const ids = await dispatcher.combine(
          {
            functionName: p.functionName,
            schemaPath: p.schemaPath ?? undefined,
            executionId: p.executionId,
            stateIds: p.stateIds,
          },
          logs.options,
        );
        return encodeUnaryResponse(request.method, ids, ctx, logs.take());
      }
      case 'table_buffering_destructor':
        // Best effort by contract: the dispatcher never throws here, and DuckDB ignores errors anyway.
        await dispatcher.destroy({
          functionName: request.params.functionName,
          executionId: request.params.executionId,
        });
        return encodeUnaryResponse(request.method, undefined, ctx);
      case 'list_protocols':
        return encodeUnaryResponse(request.method, this.identity, ctx);
      case 'describe':
        return encodeUnaryResponse(request.method, request.params.protocol, ctx);
    }
  }
}
