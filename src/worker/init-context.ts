import type { Schema } from 'apache-arrow';
import { deserializeSchema, serializeSchema } from '../arrow/ipc.codec';
import { messages, SiloError } from '../errors';
import type { Sealer } from '../providers/secrets';
import type { BindCall } from './calls';
import { fromTaggedJson, toTaggedJson } from '../common/tagged-json';

/**
 * Everything later phases of an execution need from its sink init: the bind (arguments,
 * settings, secrets, input schema), the bound output schema and bind opaque data.
 * Persisted at the primary sink init, because process, combine, finalize and the
 * destructor may run in processes that never saw the init.
 */
export interface InitContext {
  readonly executionId: Uint8Array;
  readonly bind: BindCall;
  readonly outputSchema: Schema;
  readonly bindOpaqueData?: Uint8Array;
}

interface Persisted {
  v: 1;
  bind: Omit<BindCall, 'inputSchema' | 'secrets'> & { inputSchema: Uint8Array };
  sealedSecrets?: Uint8Array;
  outputSchema: Uint8Array;
  bindOpaqueData?: Uint8Array;
}

/** Serializes an init context. Secrets are sealed, bound to the execution id. */
export function encodeInitContext(context: InitContext, sealer: Sealer): Uint8Array {
  const { inputSchema, secrets, ...bind } = context.bind;
  const persisted: Persisted = {
    v: 1,
    bind: { ...bind, inputSchema: serializeSchema(inputSchema) },
    sealedSecrets: secrets && secrets.length > 0 ? sealer.seal(toTaggedJson(secrets), context.executionId) : undefined,
    outputSchema: serializeSchema(context.outputSchema),
    bindOpaqueData: context.bindOpaqueData,
  };
  return toTaggedJson(persisted);
}

/** Reads what {@link encodeInitContext} wrote. */
export function decodeInitContext(executionId: Uint8Array, bytes: Uint8Array, sealer: Sealer): InitContext {
  const p = fromTaggedJson(bytes) as Persisted;
  if (p.v !== 1) throw new SiloError('SILO503', messages.initContextFormatUnknown(String(p.v)));
  const secrets = p.sealedSecrets
    ? (fromTaggedJson(sealer.open(p.sealedSecrets, executionId)) as BindCall['secrets'])
    : undefined;
  return {
    executionId,
    bind: { ...p.bind, inputSchema: deserializeSchema(p.bind.inputSchema), secrets },
    outputSchema: deserializeSchema(p.outputSchema),
    bindOpaqueData: p.bindOpaqueData,
  };
}
