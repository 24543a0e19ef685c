/**
 * The plan-time `bind` as DuckDB sends it (vgi-wire §4.8): arguments by position and
 * name, the TABLE input's schema (every field nullable), required settings and secrets,
 * and the second pass when the first bind asks for more secrets.
 */
import { type RecordBatch, type Schema } from 'apache-arrow';
import { field, makeRowsBatch, schemaOf, wire } from '../../arrow';
import {
  type BindArguments,
  type BindRequestInput,
  type BindResponse,
  encodeBindRequest,
  type RequiredSecret,
} from '../../protocol';
import { RunConfigurationError } from '../client.error';
import { type DiscoveredFunction } from '../discovery';
import { type ClientSecret } from './run-function.types';
import { coerceArgumentValue, typeOfValue } from './argument-values';
import { type VgiConnection } from '../connection/vgi-connection';

/** The final bind: its exact request bytes (InitRequest.bind_call) and the worker's answer. */
interface BoundCall {
  readonly bindCall: Uint8Array;
  readonly response: BindResponse;
}

/** What a bind needs besides the connection. */
interface BindInput {
  readonly fn: DiscoveredFunction;
  readonly arguments: BindArguments;
  readonly inputSchema: Schema;
  readonly attachOpaqueData: Uint8Array;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly secrets?: readonly ClientSecret[];
}

/**
 * Binds, twice when the first answer asks for secrets by type and scope or by name.
 */
export async function bindFunction(conn: VgiConnection, input: BindInput): Promise<BoundCall> {
  const { fn } = input;
  const available = input.secrets ?? [];
  const chosen: ClientSecret[] = fn.info.requiredSecrets.map((r) => requireSecret(fn.name, available, r));
  const request = (resolved: boolean): BindRequestInput => ({
    functionName: fn.name,
    arguments: input.arguments,
    functionType: 'TABLE',
    inputSchema: input.inputSchema,
    settings: settingsBatch(fn, input.settings ?? {}),
    secrets: secretsBatch(chosen),
    attachOpaqueData: input.attachOpaqueData,
    resolvedSecretsProvided: resolved,
    schemaPath: fn.schemaPath,
  });
  const first = request(false);
  const { result } = await conn.call('bind', first);
  // InitRequest.bind_call repeats the final bind, in the version the bind itself was sent in.
  if (result.lookupSecretTypes.length === 0)
    return { bindCall: encodeBindRequest(first, conn.protocol), response: result };
  result.lookupSecretTypes.forEach((type, i) => {
    const secret = requireSecret(fn.name, available, {
      secretType: type,
      scope: result.lookupScopes[i] || null,
      secretName: result.lookupNames[i] || null,
    });
    if (!chosen.includes(secret)) chosen.push(secret);
  });
  const second = request(true);
  const again = await conn.call('bind', second);
  if (again.result.lookupSecretTypes.length > 0) {
    throw new RunConfigurationError(
      `${fn.name}(): the second bind requested scoped secrets again; DuckDB fails such a query ("requested scoped secrets twice"). Ask for every secret in the first bind.`,
    );
  }
  return { bindCall: encodeBindRequest(second, conn.protocol), response: again.result };
}

/** By name when one is asked for; else by type, the longest matching scope prefix winning. */
function pickSecret(available: readonly ClientSecret[], wanted: RequiredSecret): ClientSecret | undefined {
  if (wanted.secretName) return available.find((s) => s.name === wanted.secretName);
  let best: { secret: ClientSecret; length: number } | undefined;
  for (const secret of available) {
    if (secret.type !== wanted.secretType) continue;
    const prefixes = secret.scope ?? [];
    const length =
      prefixes.length === 0
        ? 0
        : Math.max(-1, ...prefixes.filter((p) => wanted.scope?.startsWith(p) ?? true).map((p) => p.length));
    if (length >= 0 && (best === undefined || length > best.length)) best = { secret, length };
  }
  return best?.secret;
}

function secretsBatch(secrets: readonly ClientSecret[]): RecordBatch | null {
  if (secrets.length === 0) return null;
  const columns = secrets.map((s) => {
    const raw: Record<string, unknown> = {
      type: s.type,
      provider: s.provider ?? 'config',
      name: s.name,
      scope: (s.scope ?? []).join('\n'),
      ...s.values,
    };
    const children = Object.entries(raw).map(([k, v]) => field(k, typeOfValue(v, wire.utf8()), true));
    const value = Object.fromEntries(children.map((c) => [c.name, coerceArgumentValue(raw[c.name], c.type)]));
    return { field: field(s.name, wire.struct(children), true), value };
  });
  return makeRowsBatch(schemaOf(columns.map((c) => c.field)), [
    Object.fromEntries(columns.map((c) => [c.field.name, c.value])),
  ]);
}

function settingsBatch(fn: DiscoveredFunction, settings: Readonly<Record<string, unknown>>): RecordBatch | null {
  const required = fn.info.requiredSettings;
  if (required.length === 0) return null;
  const missing = required.filter((name) => !(name in settings));
  if (missing.length > 0) {
    throw new RunConfigurationError(
      `${fn.name}() reads the DuckDB setting(s) ${missing.join(', ')}; pass a value for each in the run's settings.`,
    );
  }
  const schema = schemaOf(required.map((name) => field(name, typeOfValue(settings[name], wire.utf8()), true)));
  return makeRowsBatch(schema, [
    Object.fromEntries(schema.fields.map((f) => [f.name, coerceArgumentValue(settings[f.name], f.type)])),
  ]);
}

function requireSecret(fnName: string, available: readonly ClientSecret[], wanted: RequiredSecret): ClientSecret {
  const found = pickSecret(available, wanted);
  if (found !== undefined) return found;
  const what = wanted.secretName
    ? `the secret named "${wanted.secretName}"`
    : `a "${wanted.secretType}" secret${wanted.scope ? ` for scope "${wanted.scope}"` : ''}`;
  throw new RunConfigurationError(
    `${fnName}() needs ${what}, and none was given. Pass it in the run's secrets (name, type, scope, values).`,
  );
}
