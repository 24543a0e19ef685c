import { type RecordBatch, Table } from 'apache-arrow';
import { SiloError, messages } from '../errors';
import type { LogFields, LogLevel } from '../providers/logging';
import { type FunctionStorage, toHex } from '../providers/storage';
import type { RawArguments } from '../registration/arguments-spec';
import type { FunctionDefinition } from '../registration/function-definition';
import type { SiloWorker } from '../worker/bootstrap';
import type { BindCall, CallOptions } from '../worker/calls';
import type { FinalizeStream } from '../worker/finalize-stream';
import type { RunOptions, RunResult } from './testing-worker';

/** One client log record, with the phase that wrote it. */
export interface ClientLogRecord {
  readonly phase: 'bind' | 'process' | 'combine' | 'finalize' | 'cancel';
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

const MAX_BATCH = 2048;

/** Splits the input the way DuckDB's vectors do: batches of at most `size` rows. */
function split(input: Table, size: number): RecordBatch[] {
  const out: RecordBatch[] = [];
  for (const batch of input.batches) {
    for (let at = 0; at < batch.numRows; at += size) out.push(batch.slice(at, Math.min(batch.numRows, at + size)));
  }
  return out;
}

/** Maps `{ name: value }` onto positional and named arguments by the function's declaration. */
function rawArguments(definition: FunctionDefinition, args: Readonly<Record<string, unknown>>): RawArguments {
  // A positional the caller left out is absent (not null), so the count check reports it.
  const given = definition.args.positional.filter((a) => a.name in args);
  const positionalNames = new Set(definition.args.positional.map((a) => a.name));
  const named = Object.fromEntries(Object.entries(args).filter(([name]) => !positionalNames.has(name)));
  return { positional: given.map((a) => args[a.name]), named };
}

/**
 * Drives one query through dispatchers as DuckDB drives worker processes: bind; the
 * first sink connection mints the execution, the others join it; batches are dealt
 * round-robin and processed interleaved; combine gets each connection's last state id;
 * each finalize id drains in its own stream; the destructor runs last.
 * `workerFor()` returns the worker of the next call: the same one, or a fresh one per
 * phase under chaos.
 */
export async function runLifecycle(
  functionName: string,
  options: RunOptions,
  workerFor: () => SiloWorker,
  chaos: boolean,
  storage: FunctionStorage,
): Promise<RunResult> {
  const logs: ClientLogRecord[] = [];
  const sink = (phase: ClientLogRecord['phase']): CallOptions => ({ clientLog: (level, message, fields) => logs.push({ phase, level, message, fields }) });
  const planner = workerFor();
  const definition = planner.registry.require(functionName);
  const ref = { functionName: definition.options.name, schemaPath: [definition.options.schema] };

  const batchSize = Math.min(options.batchSize ?? MAX_BATCH, MAX_BATCH);
  const connections = definition.options.sinkOrderDependent ? 1 : Math.max(1, options.sinkConnections ?? 1);
  const batches = split(options.input, batchSize);

  const bind: BindCall = {
    ...ref,
    arguments: rawArguments(definition, options.args ?? {}),
    inputSchema: options.input.schema,
    settings: options.settings,
    secrets: options.secrets,
    attachOpaqueData: options.attachOpaqueData,
    resolvedSecretsProvided: true,
  };
  const bound = await planner.dispatcher.bind(bind, sink('bind'));
  const emptyResult = (executionId: Uint8Array): RunResult => ({
    output: new Table(bound.outputSchema),
    outputSchema: bound.outputSchema,
    logs,
    executionId,
    finalizeStateIds: [],
    leaks: [],
    ticks: [],
  });
  // DuckDB never sinks an empty input: no init, no combine, no finalize, no destructor.
  if (batches.length === 0) return emptyResult(new Uint8Array(0));

  // Sink: one worker per connection (a fresh one per call under chaos).
  const sinkWorkers = Array.from({ length: connections }, () => workerFor());
  const { executionId } = await sinkWorkers[0].dispatcher.initSink({ bind, outputSchema: bound.outputSchema, bindOpaqueData: bound.opaqueData });
  for (let c = 1; c < connections; c++) {
    await sinkWorkers[c].dispatcher.initSink({ bind, outputSchema: bound.outputSchema, bindOpaqueData: bound.opaqueData, executionId });
  }
  const lastStateId: (Uint8Array | undefined)[] = new Array(connections).fill(undefined);
  for (let i = 0; i < batches.length; i++) {
    const c = i % connections;
    const worker = chaos ? workerFor() : sinkWorkers[c];
    lastStateId[c] = await worker.dispatcher.process(
      { ...ref, executionId, batch: batches[i], batchIndex: definition.options.requiresInputBatchIndex ? BigInt(i) : undefined },
      sink('process'),
    );
  }

  const combiner = chaos ? workerFor() : sinkWorkers[0];
  const stateIds = lastStateId.filter((s): s is Uint8Array => s !== undefined);
  const finalizeStateIds = await combiner.dispatcher.combine({ ...ref, executionId, stateIds }, sink('combine'));

  const projectionIds = options.projection?.map((name) => {
    const i = bound.outputSchema.fields.findIndex((f) => f.name === name);
    if (i < 0) throw new SiloError('SILO205', messages.unknownProjectionColumn(name, bound.outputSchema.fields.map((f) => f.name)));
    return i;
  });

  const out: RecordBatch[] = [];
  const ticks: number[] = [];
  let outputSchema = bound.outputSchema;
  for (const finalizeStateId of finalizeStateIds) {
    const open = { executionId, finalizeStateId, projectionIds, filters: options.filters, bind, outputSchema: bound.outputSchema };
    let stream: FinalizeStream = await workerFor().dispatcher.openFinalize(open, sink('finalize'));
    outputSchema = stream.outputSchema;
    let n = 0;
    for (;;) {
      if (options.cancelAfterTicks !== undefined && n >= options.cancelAfterTicks) {
        await stream.cancel(sink('cancel'));
        break;
      }
      if (chaos && n > 0) {
        // Another process continues the stream from the serialized cursor.
        stream = await workerFor().dispatcher.openFinalize({ ...open, resumeState: stream.serializeState() }, sink('finalize'));
      }
      const outcome = await stream.tick(sink('finalize'));
      n++;
      if (outcome.batch && outcome.batch.numRows > 0) out.push(outcome.batch);
      if (outcome.finished) break;
    }
    ticks.push(n);
  }

  await workerFor().dispatcher.destroy({ functionName: definition.options.name, executionId });
  const id = toHex(executionId);
  const leaks = (await storage.listScopes()).filter((s) => s.scope.kind === 'execution' && toHex(s.scope.id) === id);
  return {
    ...emptyResult(executionId),
    output: out.length > 0 ? new Table(out) : new Table(outputSchema),
    finalizeStateIds,
    leaks,
    ticks,
  };
}
