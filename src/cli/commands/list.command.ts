/**
 * `silo list <entry>`: starts the worker (or asks an HTTP worker, when `<entry>` is its
 * URL), discovers its catalog as DuckDB does at ATTACH, and prints every schema and
 * function with arguments, flags and description.
 */
import {
  type CatalogDiscovery,
  type DiscoveredFunction,
  describeCommand,
  describeProtocol,
  discoverIn,
  HttpConnection,
  listFunctions,
  parseProtocolChoice,
  type ProtocolChoice,
  ProtocolSetting,
  signature,
} from '../../client';
import { resolveWorkerTarget } from '../worker-target';

/** Options of `silo list`. */
interface ListOptions {
  readonly catalog?: string;
  readonly json?: boolean;
  /** Bearer token for an HTTP worker (`--auth-token`; default `SILO_AUTH_TOKEN`). */
  readonly authToken?: string;
  /** `--connect-timeout SECONDS`. */
  readonly connectTimeout?: string;
  /** `--request-timeout SECONDS`. */
  readonly requestTimeout?: string;
  /** `--protocol VERSION`: 2.0.0 (vgi.v2), 1.3.0, 1.0.0 or auto (the default). */
  readonly protocol?: string;
}

/**
 * Runs `silo list` and returns the text to print.
 */
export async function listCommand(entry: string, options: ListOptions): Promise<string> {
  const target = resolveWorkerTarget(entry, options);
  let discovery: CatalogDiscovery;
  let worker: string;
  const choice = parseProtocolChoice(options.protocol);
  if (target.kind === 'process') {
    discovery = await listFunctions(target.command, {
      catalog: options.catalog,
      protocol: options.protocol as ProtocolChoice | undefined,
    });
    worker = describeCommand(target.command);
  } else {
    const setting = new ProtocolSetting(choice);
    const conn = HttpConnection.open(target.urls, { ...target.settings, protocol: setting.source });
    try {
      discovery = await discoverIn(setting, conn, { catalog: options.catalog });
    } finally {
      await conn.close();
    }
    worker = target.urls.join(', ');
  }
  return options.json
    ? `${JSON.stringify(asJson(discovery), null, 2)}\n`
    : formatDiscovery(discovery, worker, choice === 'auto');
}

/**
 * The human-readable listing.
 */
function formatDiscovery(d: CatalogDiscovery, worker: string, negotiated = false): string {
  const out: string[] = [];
  const others = d.catalogs.filter((c) => c.name !== d.catalog).map((c) => c.name);
  out.push(`catalog ${d.catalog}${others.length > 0 ? ` (also serves: ${others.join(', ')})` : ''} — ${worker}`);
  for (const schema of d.schemas) {
    const path = schema.path.join('.');
    const functions = d.functions.filter((f) => f.schemaPath.join('.') === path);
    out.push(
      '',
      `schema ${path}${path === d.attach.defaultSchema ? ' (default)' : ''}: ${functions.length} function${functions.length === 1 ? '' : 's'}`,
    );
    for (const fn of functions) out.push('', ...formatFunction(fn).map((l) => `  ${l}`));
  }
  out.push('', `protocol ${describeProtocol(d.protocol)}${negotiated ? ', the newest this worker accepts' : ''}`);
  return `${out.join('\n')}\n`;
}

function formatFunction(fn: DiscoveredFunction): string[] {
  const lines = [signature(fn)];
  if (fn.info.description) lines.push(`  ${fn.info.description}`);
  const flags = flagsOf(fn);
  if (flags.length > 0) lines.push(`  flags: ${flags.join(', ')}`);
  if (fn.info.categories.length > 0) lines.push(`  categories: ${fn.info.categories.join(', ')}`);
  const width = Math.max(...fn.arguments.map((a) => a.name.length), 0);
  for (const a of fn.arguments) {
    const kind =
      a.kind === 'table' ? 'TABLE' : a.kind === 'named' ? `${a.typeName} (named)` : `${a.typeName} (positional)`;
    const extras = [
      a.defaultValue !== null ? `default ${a.defaultValue}` : null,
      ...Object.entries(a.constraints).map(([k, v]) => `${k.replace(/^vgi_/, '')} ${v}`),
    ].filter((x): x is string => x !== null);
    const doc = a.doc ? ` — ${a.doc}` : '';
    lines.push(`    ${a.name.padEnd(width)}  ${kind}${extras.length > 0 ? ` [${extras.join('; ')}]` : ''}${doc}`);
  }
  for (const e of fn.info.examples) lines.push(`  example: ${e.sql}${e.description ? `  -- ${e.description}` : ''}`);
  return lines;
}

function flagsOf(fn: DiscoveredFunction): string[] {
  const i = fn.info;
  return [
    i.sinkOrderDependent ? 'sink_order_dependent' : null,
    i.sourceOrderDependent ? 'source_order_dependent' : null,
    i.requiresInputBatchIndex ? 'requires_input_batch_index' : null,
    i.projectionPushdown ? 'projection_pushdown' : null,
    i.filterPushdown ? 'filter_pushdown' : null,
    i.requiredSettings.length > 0 ? `settings: ${i.requiredSettings.join(', ')}` : null,
    i.requiredSecrets.length > 0 ? `secrets: ${i.requiredSecrets.map((s) => s.secretType).join(', ')}` : null,
  ].filter((x): x is string => x !== null);
}

function asJson(d: CatalogDiscovery): unknown {
  return {
    protocol: d.protocol.version,
    catalog: d.catalog,
    catalogs: d.catalogs.map((c) => c.name),
    defaultSchema: d.attach.defaultSchema,
    schemas: d.schemas.map((s) => s.path.join('.')),
    functions: d.functions.map((fn) => ({
      name: fn.name,
      schema: fn.schemaPath.join('.'),
      signature: signature(fn),
      description: fn.info.description,
      flags: flagsOf(fn),
      arguments: fn.arguments.map((a) => ({
        name: a.name,
        kind: a.kind,
        type: a.typeName,
        doc: a.doc,
        default: a.defaultValue,
        ...a.constraints,
      })),
    })),
  };
}
