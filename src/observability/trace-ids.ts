import { createHash } from 'node:crypto';

/** The trace of an execution: what every span of it, in any process, is a child of. */
export interface ExecutionTraceContext {
  /** 32 hex digits: the execution id itself (ids of other lengths are hashed to 16 bytes). */
  readonly traceId: string;
  /** 16 hex digits: the execution's virtual root span, `sha256("silo.execution\0" + id)`'s first 8 bytes. */
  readonly spanId: string;
}

/**
 * The trace ids of an execution, derived from its id alone: the protocol carries no trace
 * context, but every call of an execution carries its id, so every process (and every
 * HTTP worker) computes the same trace and parent without talking to the others.
 *
 * @example
 * ```ts
 * executionTraceContext(executionId); // { traceId: '9f1c…' (the id in hex), spanId: '4be0…' }
 * ```
 */
export function executionTraceContext(executionId: Uint8Array): ExecutionTraceContext {
  const hex = Buffer.from(executionId).toString('hex');
  const traceId =
    executionId.length === 16 && /[^0]/.test(hex)
      ? hex
      : createHash('sha256').update('silo.trace\0').update(executionId).digest('hex').slice(0, 32);
  let spanId = createHash('sha256').update('silo.execution\0').update(executionId).digest('hex').slice(0, 16);
  if (/^0+$/.test(spanId)) spanId = '0000000000000001';
  return { traceId, spanId };
}
