/**
 * Catalog discovery as DuckDB performs it at ATTACH and name lookup (vgi-wire §5.1 steps
 * 0 and 2): `catalog_catalogs`, `catalog_attach`, `catalog_copy_from_formats`,
 * `catalog_schemas`, then `catalog_schema_contents_functions` per schema.
 */
import { type DataType } from 'apache-arrow';
import {
  type CatalogAttachResult,
  type CatalogInfo,
  type FunctionInfo,
  type ProtocolSpec,
  readArgumentsSchema,
  RemoteError,
  type SchemaInfo,
  VGI_A10_PROTOCOL,
} from '../protocol';
import { RunConfigurationError } from './client.error';
import { parseProtocolChoice, type ProtocolChoice, ProtocolSetting } from './protocol-choice';
import { typeName } from './run/argument-values';
import { type SpawnOptions } from './connection/worker-channel';
import { type VgiConnection } from './connection/vgi-connection';
import { WorkerConnection } from './connection/worker-connection';

/** One parameter of a function, read from its FunctionInfo `arguments` schema (§4.7). */
export interface ArgumentInfo {
  readonly name: string;
  /** A positional scalar, the TABLE input, or a named (`name := value`) parameter. */
  readonly kind: 'positional' | 'table' | 'named';
  readonly type: DataType;
  /** The type's short name (`int64`, `utf8`, ...; `table` for the TABLE input). */
  readonly typeName: string;
  readonly doc: string | null;
  /** `vgi_default` as published (JSON text), or null. */
  readonly defaultValue: string | null;
  /** Other constraint metadata as published (`vgi_choices`, `vgi_range`, `vgi_pattern`). */
  readonly constraints: Readonly<Record<string, string>>;
  /** `vgi_type = "any"`: accepts a value of any type. */
  readonly anyType: boolean;
}

/** A function found in the catalog. */
export interface DiscoveredFunction {
  readonly name: string;
  readonly schemaPath: readonly string[];
  /** The FunctionInfo as the worker published it (flags, description, examples, ...). */
  readonly info: FunctionInfo;
  /** Parameters in wire order: positionals, the TABLE input, named (sorted). */
  readonly arguments: readonly ArgumentInfo[];
}

/** Everything discovery learned. */
export interface CatalogDiscovery {
  /** Every catalog the worker serves. */
  readonly catalogs: readonly CatalogInfo[];
  /** The attached catalog's name. */
  readonly catalog: string;
  readonly attach: CatalogAttachResult;
  readonly schemas: readonly SchemaInfo[];
  readonly functions: readonly DiscoveredFunction[];
  /** The protocol version discovery spoke. */
  readonly protocol: ProtocolSpec;
}

/** Options of {@link discoverCatalog}. */
export interface DiscoveryOptions {
  /** The catalog to attach; default the worker's only catalog. */
  readonly catalog?: string;
  /** The `catalog_catalogs` answer when it is already known (asking the worker which version it speaks sends that call). */
  readonly catalogs?: readonly CatalogInfo[];
}

const CONSTRAINT_KEYS = ['vgi_choices', 'vgi_range', 'vgi_pattern', 'vgi_varargs', 'vgi_const'];

/**
 * Discovers a worker's catalog over an open connection.
 *
 * @example
 * ```ts
 * const { functions } = await discoverCatalog(conn);
 * functions.map((f) => f.name); // ['buffer_input', 'sum_all_columns', ...]
 * ```
 */
export async function discoverCatalog(conn: VgiConnection, options: DiscoveryOptions = {}): Promise<CatalogDiscovery> {
  const catalogs = [...(options.catalogs ?? (await conn.call('catalog_catalogs', {})).result)];
  const names = catalogs.map((c) => c.name);
  const catalog = options.catalog ?? (names.length === 1 ? names[0] : undefined);
  if (catalog === undefined || !names.includes(catalog)) {
    throw new RunConfigurationError(
      catalog === undefined
        ? `The worker serves ${names.length} catalogs (${names.join(', ') || 'none'}); name the one to attach.`
        : `The worker serves no catalog "${catalog}"; it serves: ${names.join(', ') || 'none'}. Name one of those.`,
    );
  }
  const { result: attach } = await conn.call('catalog_attach', { name: catalog });
  // The 1.0 extension never asks for COPY FROM formats (vgi-wire-gen-a §2), so a 1.0 worker need not know the method.
  if (conn.protocol !== VGI_A10_PROTOCOL) {
    try {
      await conn.call('catalog_copy_from_formats', { attachOpaqueData: attach.attachOpaqueData });
    } catch (error) {
      // DuckDB accepts exactly this refusal (vgi-wire §4.0); anything else fails the ATTACH.
      if (!(error instanceof RemoteError && error.errorKind === 'method_not_implemented')) throw error;
    }
  }
  const { result: schemas } = await conn.call('catalog_schemas', { attachOpaqueData: attach.attachOpaqueData });
  const functions: DiscoveredFunction[] = [];
  for (const schema of schemas) {
    // A kind counted 0 is never listed by DuckDB; a missing key counts as 1 (§4.5).
    if (schema.estimatedObjectCount?.table_function === 0n) continue;
    const { result: infos } = await conn.call('catalog_schema_contents_functions', {
      attachOpaqueData: attach.attachOpaqueData,
      path: schema.path,
      type: 'TABLE_FUNCTION',
    });
    for (const info of infos) functions.push(describeFunction(info));
  }
  return { catalogs, catalog, attach, schemas, functions, protocol: conn.protocol };
}

/**
 * Discovers a worker's catalog in the protocol version `choice` names; with `auto` (the
 * default) the worker is asked first which version it speaks. `conn` must read its
 * version from `setting` (`ConnectionOptions.protocol: setting.source`).
 *
 * @example
 * ```ts
 * const setting = new ProtocolSetting(parseProtocolChoice('auto'));
 * const conn = WorkerConnection.spawn(command, { protocol: setting.source });
 * (await discoverIn(setting, conn)).protocol.version; // '2.0.0' against a Silo worker
 * ```
 */
export async function discoverIn(
  setting: ProtocolSetting,
  conn: VgiConnection,
  options: Pick<DiscoveryOptions, 'catalog'> = {},
): Promise<CatalogDiscovery> {
  const { catalogs } = await setting.settle(conn);
  return discoverCatalog(conn, { catalog: options.catalog, catalogs });
}

/**
 * Starts a worker, discovers its catalog and closes it again.
 *
 * @example
 * ```ts
 * const { catalog, functions } = await listFunctions([process.execPath, 'dist/samples/worker.js']);
 * const old = await listFunctions(command, { protocol: '1.0.0' });
 * ```
 */
export async function listFunctions(
  command: readonly string[],
  options: SpawnOptions & { readonly catalog?: string; readonly protocol?: ProtocolChoice } = {},
): Promise<CatalogDiscovery> {
  const setting = new ProtocolSetting(parseProtocolChoice(options.protocol));
  const conn = WorkerConnection.spawn(command, { ...options, protocol: setting.source });
  try {
    return await discoverIn(setting, conn, options);
  } finally {
    await conn.close();
  }
}

/**
 * Finds a function by `name` or `schema.name`: in the default schema first, else the
 * only schema that has it. Unknown names raise an error listing every function.
 *
 * @example
 * ```ts
 * const fn = findFunction(discovery, 'top_k');
 * ```
 */
export function findFunction(discovery: CatalogDiscovery, name: string): DiscoveredFunction {
  const dot = name.lastIndexOf('.');
  const wanted = dot > 0 ? { schema: name.slice(0, dot), name: name.slice(dot + 1) } : { schema: null, name };
  const matches = discovery.functions.filter(
    (f) => f.name === wanted.name && (wanted.schema === null || f.schemaPath.join('.') === wanted.schema),
  );
  const inDefault = matches.filter((f) => f.schemaPath.join('.') === discovery.attach.defaultSchema);
  if (inDefault.length > 0 || matches.length === 1) return inDefault[0] ?? matches[0];
  if (matches.length > 1) {
    throw new RunConfigurationError(
      `"${name}" exists in several schemas of catalog "${discovery.catalog}": ${matches.map(qualifiedName).join(', ')}. Name it with its schema.`,
    );
  }
  const known = [
    ...new Set(
      discovery.functions.map((f) =>
        f.schemaPath.join('.') === discovery.attach.defaultSchema ? f.name : qualifiedName(f),
      ),
    ),
  ].sort();
  throw new RunConfigurationError(
    `Catalog "${discovery.catalog}" has no function "${name}". Known functions: ${known.join(', ') || 'none'}.`,
  );
}

/**
 * `schema.name` of a function.
 *
 * @example
 * ```ts
 * qualifiedName(fn); // 'main.top_k'
 * ```
 */
export function qualifiedName(fn: DiscoveredFunction): string {
  return `${fn.schemaPath.join('.')}.${fn.name}`;
}

/**
 * A function's call signature in SQL style: `top_k(k int64, data TABLE, by := utf8)`.
 *
 * @example
 * ```ts
 * signature(fn); // 'top_k(k int64, data TABLE, by := utf8)'
 * ```
 */
export function signature(fn: DiscoveredFunction): string {
  const parts = fn.arguments.map((a) =>
    a.kind === 'table'
      ? `${a.name} TABLE`
      : a.kind === 'named'
        ? `${a.name} := ${a.typeName}`
        : `${a.name} ${a.typeName}`,
  );
  return `${fn.name}(${parts.join(', ')})`;
}

/**
 * A function's published FunctionInfo with its parameters read from the arguments schema.
 *
 * @example
 * ```ts
 * const fn = describeFunction(decodeFunctionInfo(item));
 * fn.arguments.map((a) => a.name); // ['k', 'data', 'by']
 * ```
 */
export function describeFunction(info: FunctionInfo): DiscoveredFunction {
  return { name: info.name, schemaPath: info.schemaPath, info, arguments: argumentsOf(info) };
}

function argumentsOf(info: FunctionInfo): ArgumentInfo[] {
  return readArgumentsSchema(info.arguments).map((a) => {
    const constraints: Record<string, string> = {};
    for (const key of CONSTRAINT_KEYS) {
      const value = a.metadata.get(key);
      if (value !== undefined) constraints[key] = value;
    }
    return {
      name: a.name,
      kind: a.kind,
      type: a.type!,
      typeName: a.kind === 'table' ? 'table' : a.anyType ? 'any' : typeName(a.type!),
      doc: a.doc ?? null,
      defaultValue: a.metadata.get('vgi_default') ?? null,
      constraints,
      anyType: a.anyType === true,
    };
  });
}
