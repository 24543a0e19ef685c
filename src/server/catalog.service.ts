/**
 * The catalog a worker publishes (vgi-wire §4.1–§4.6, §4.13): one catalog, one schema per
 * schema name in the registry, every function in the table-function namespace, and empty
 * listings for every kind of object a buffering worker does not have.
 */
import { randomBytes } from 'node:crypto';
import {
  type AttachParams,
  type CatalogAttachRequest,
  type CatalogAttachResultInput,
  type CatalogInfoInput,
  encodeFunctionInfo,
  type FunctionDescriptor,
  objectCounts,
  type PathParams,
  type ProtocolSpec,
  recordSchema,
  VGI_V2_PROTOCOL,
  type SchemaInfoInput,
  type TypedPathParams,
} from '../protocol';
import { concatBytes } from '../common/bytes';
import { SiloError } from '../errors';
import type { FunctionRegistry } from '../registration/function-registry';
import { toFunctionDescriptor } from './function-descriptor.mapper';

/**
 * The catalog version every ATTACH sees. Non-zero (0 makes DuckDB drop its catalog cache on
 * every transaction) and constant: a worker's functions never change while it runs.
 */
export const CATALOG_VERSION = 1n;

/** Bytes of the random per-ATTACH id at the front of `attach_opaque_data`. */
const ATTACH_ID_BYTES = 16;

/**
 * Answers the catalog RPCs of one worker. FunctionInfo items are encoded on the first
 * listing of their schema and kept: encoding costs hundreds of milliseconds for a large
 * catalog, and DuckDB starts a process per sink thread and per finalize stream, most of
 * which never list functions. (Registration already validated every function; the wire
 * tests encode every conformance function.)
 *
 * @example
 * ```ts
 * const catalog = new CatalogService('example', worker.registry);
 * catalog.functions({ attachOpaqueData, path: ['main'], type: 'TABLE_FUNCTION', transactionOpaqueData: null }).length;
 * ```
 */
export class CatalogService {
  /** Encoded FunctionInfo items by protocol version, then schema: the versions' records differ. */
  private readonly functionInfos = new Map<ProtocolSpec, Map<string, Uint8Array[]>>();

  constructor(
    readonly catalog: string,
    private readonly registry: FunctionRegistry,
  ) {}

  /** The definitions published in `schema`. */
  private definitionsIn(schema: string) {
    return this.registry.all().filter((d) => d.options.schema === schema);
  }

  /** Encoded FunctionInfo items of `schema` in `protocol`'s shape, built once. */
  private encodedFunctions(schema: string, protocol: ProtocolSpec): Uint8Array[] {
    let byProtocol = this.functionInfos.get(protocol);
    if (!byProtocol) this.functionInfos.set(protocol, (byProtocol = new Map()));
    let items = byProtocol.get(schema);
    if (!items) {
      const itemSchema = recordSchema(protocol, 'catalog_schema_contents_functions', 'item');
      items = this.definitionsIn(schema).map((d) =>
        encodeFunctionInfo(forProtocol(toFunctionDescriptor(d), protocol), itemSchema),
      );
      byProtocol.set(schema, items);
    }
    return items;
  }

  /** `catalog_catalogs`: this worker's one catalog. */
  catalogs(): CatalogInfoInput[] {
    return [{ name: this.catalog }];
  }

  /**
   * `catalog_attach`: a fresh random id per ATTACH, followed by the catalog name. The id
   * scopes attach-level storage (`ATTACH_STORAGE`), as the reference's uuid does.
   */
  attach(request: CatalogAttachRequest): CatalogAttachResultInput {
    if (request.name !== this.catalog) {
      throw new SiloError(
        'SILO420',
        `Catalog "${request.name}" is not served by this worker; it serves "${this.catalog}". ` +
          `Attach it by that name: ATTACH '${this.catalog}' (TYPE vgi, LOCATION '<worker command>').`,
      );
    }
    const attachOpaqueData = concatBytes(randomBytes(ATTACH_ID_BYTES), Buffer.from(this.catalog, 'utf8'));
    return {
      attachOpaqueData,
      catalogVersion: CATALOG_VERSION,
      catalogVersionFrozen: true,
      // So DuckDB begins a transaction on this worker and passes its id with every bind.
      supportsTransactions: true,
      defaultSchema: this.registry.schemas()[0] ?? 'main',
    };
  }

  /** `catalog_schemas`: every schema holding a function, with all seven object counts. */
  schemas(params: AttachParams): SchemaInfoInput[] {
    return this.registry.schemas().map((schema) => this.schemaInfo(schema, params.attachOpaqueData));
  }

  /** `catalog_schema_get`: the schema at `path`, or nothing. */
  schemaGet(params: PathParams): SchemaInfoInput[] {
    const schema = schemaName(params.path);
    return schema !== undefined && this.registry.schemas().includes(schema)
      ? [this.schemaInfo(schema, params.attachOpaqueData)]
      : [];
  }

  /**
   * `catalog_schema_contents_functions`: the schema's functions for a `TABLE_FUNCTION`
   * listing; nothing for other kinds (DuckDB looks buffering functions up as table functions).
   */
  functions(params: TypedPathParams, protocol: ProtocolSpec = VGI_V2_PROTOCOL): Uint8Array[] {
    if (params.type !== 'TABLE_FUNCTION') return [];
    const schema = schemaName(params.path);
    return schema !== undefined && this.registry.schemas().includes(schema)
      ? this.encodedFunctions(schema, protocol)
      : [];
  }

  private schemaInfo(schema: string, attachOpaqueData: Uint8Array): SchemaInfoInput {
    const count = this.definitionsIn(schema).length;
    return { path: [schema], attachOpaqueData, estimatedObjectCount: objectCounts({ table_function: count }) };
  }
}

/**
 * What a function advertises in `protocol`. Generation A encodes pushed filters in a form
 * of its own, which the worker does not decode; a 1.0 extension that was told the filters
 * are applied would drop its own and return unfiltered rows, so generation A gets no
 * filter pushdown and DuckDB filters itself.
 */
function forProtocol(descriptor: FunctionDescriptor, protocol: ProtocolSpec): FunctionDescriptor {
  return protocol.generation === 'A'
    ? { ...descriptor, filterPushdown: false, filterSemanticProfiles: [] }
    : descriptor;
}

/** DuckDB sends a schema path (`["main"]`); the last element names the schema. */
function schemaName(path: readonly string[]): string | undefined {
  return path.length > 0 ? path[path.length - 1] : undefined;
}
