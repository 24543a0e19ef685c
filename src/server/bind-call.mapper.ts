/**
 * Decoded bind requests into dispatcher calls, and bind outcomes into BindResponse
 * (vgi-wire §4.8). The same mapping serves `bind` itself and the `bind_call` every `init`
 * repeats.
 */
import { EMPTY_SCHEMA } from '../arrow';
import type { BindRequest, BindResponseInput, ResolvedSecret } from '../protocol';
import type { Secret } from '../providers/secrets';
import type { BindOutcome } from '../worker/dispatcher';
import type { BindCall } from '../worker/calls';

/**
 * A secret as functions see it: named after the secret when DuckDB sent its name, else
 * after the column it travelled in; typed by its `type` child (or the column).
 */
function toSecret(secret: ResolvedSecret): Secret {
  return { name: secret.name ?? secret.column, type: secret.type, values: secret.values };
}

/**
 * The dispatcher call of a decoded BindRequest. A missing input schema becomes the empty
 * schema: the function's bind then sees a table without columns rather than a crash.
 *
 * @example
 * ```ts
 * const outcome = await worker.dispatcher.bind(toBindCall(request.params), { clientLog });
 * ```
 */
export function toBindCall(request: BindRequest): BindCall {
  return {
    functionName: request.functionName,
    schemaPath: request.schemaPath ?? undefined,
    arguments: { positional: request.arguments.positional, named: request.arguments.named },
    inputSchema: request.inputSchema ?? EMPTY_SCHEMA,
    settings: request.settings,
    secrets: request.secrets.map(toSecret),
    attachOpaqueData: request.attachOpaqueData ?? undefined,
    transactionOpaqueData:
      request.transactionOpaqueData && request.transactionOpaqueData.length > 0
        ? request.transactionOpaqueData
        : undefined,
    resolvedSecretsProvided: request.resolvedSecretsProvided,
  };
}

/**
 * The BindResponse of a bind outcome: the output schema, opaque data, and the aligned
 * secret lookup lists (`""` scope or name where the lookup does not use it).
 *
 * @example
 * ```ts
 * encodeUnaryResponse('bind', toBindResponse(outcome), ctx);
 * ```
 */
export function toBindResponse(outcome: BindOutcome): BindResponseInput {
  return {
    outputSchema: outcome.outputSchema,
    opaqueData: outcome.opaqueData ?? null,
    lookupSecretTypes: outcome.secretLookups.map((l) => l.type),
    lookupScopes: outcome.secretLookups.map((l) => l.scope ?? ''),
    lookupNames: outcome.secretLookups.map((l) => l.name ?? ''),
  };
}
