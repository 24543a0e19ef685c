import { type RecordBatch, type Schema, Table } from 'apache-arrow';
import { SiloError, messages } from '../errors';
import type { LogFields, LogLevel } from '../providers/logging';
import { type FunctionStorage, type ScopeInfo, toHex } from '../providers/storage';
import type { RawArguments } from '../definition/arguments-spec';
import type { FunctionDefinition } from '../definition/function-definition';
import type { SiloWorker } from '../worker/bootstrap';
import type { BindCall, CallOptions } from '../worker/calls';
import type { ColumnFilter } from '../worker/filters';
import type { FinalizeStream } from '../worker/finalize-stream';

/** Options of {@link TestingWorker.run}. */
export interface RunOptions {
  /** The TABLE input. An empty table runs nothing (as in DuckDB: no rows, no sink). */
  readonly input: Table;
  /** Arguments by SQL name: positional and named alike (`{ k: 3n, by: 'score' }`). */
  readonly args?: Readonly<Record<string, unknown>>;
  /** Sink connections (DuckDB threads), each given a share of the batches. Default 1. */
  readonly sinkConnections?: number;
  /** Rows per input batch, at most 2048 (DuckDB's vector size). Default 2048. */
  readonly batchSize?: number;
  /**
   * On by default. Every phase (each process call, combine, each finalize tick) runs in
   * a fresh container, and the finalize state is serialized and read back between
   * ticks, as if each ran in another process (as real workers do). The run is then
   * repeated and must give the same output, which catches state kept in module
   * variables. Pass `{ rerun: false }` for functions whose output legitimately changes
   * between runs, and `false` to run every phase in one container (a function that
   * relies on that breaks in real workers: opt out only to test something else).
   */
  readonly chaos?: boolean | { readonly rerun?: boolean };
  /** Cancels each finalize stream after this many ticks (runs `@OnCancel()`). */
  readonly cancelAfterTicks?: number;
  /** Column names DuckDB reads (projection pushdown), in order. */
  readonly projection?: readonly string[];
  /** Pushed filters (used when the function declares `autoApplyFilters`). */
  readonly filters?: readonly ColumnFilter[];
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly secrets?: ReadonlyArray<{
    readonly name: string;
    readonly type?: string;
    readonly values: Readonly<Record<string, unknown>>;
  }>;
  readonly attachOpaqueData?: Uint8Array;
}

/** What one run produced. */
export interface RunResult {
  /** The output rows as DuckDB would read them (after projection). */
  readonly output: Table;
  /** The bound output schema (before projection). */
  readonly outputSchema: Schema;
  /** Client logs of every phase, in order. */
  readonly logs: readonly ClientLogRecord[];
  readonly executionId: Uint8Array;
  readonly finalizeStateIds: readonly Uint8Array[];
  /** Storage the execution still held after its destructor: empty when nothing leaked. */
  readonly leaks: readonly ScopeInfo[];
  /** Ticks run per finalize stream. */
  readonly ticks: readonly number[];
}

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
  const sink = (phase: ClientLogRecord['phase']): CallOptions => ({
    clientLog: (level, message, fields) => logs.push({ phase, level, message, fields }),
  });
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
  const { executionId } = await sinkWorkers[0].dispatcher.initSink({
    bind,
    outputSchema: bound.outputSchema,
    bindOpaqueData: bound.opaqueData,
  });
  for (let c = 1; c < connections; c++) {
    await sinkWorkers[c].dispatcher.initSink({
      bind,
      outputSchema: bound.outputSchema,
      bindOpaqueData: bound.opaqueData,
      executionId,
    });
  }
  const lastStateId: (Uint8Array | undefined)[] = new Array(connections).fill(undefined);
  for (let i = 0; i < batches.length; i++) {
    const c = i % connections;
    const worker = chaos ? workerFor() : sinkWorkers[c];
    lastStateId[c] = await worker.dispatcher.process(
      {
        ...ref,
        executionId,
        batch: batches[i],
        batchIndex: definition.options.requiresInputBatchIndex ? BigInt(i) : undefined,
      },
      sink('process'),
    );
  }

  const combiner = chaos ? workerFor() : sinkWorkers[0];
  const stateIds = lastStateId.filter((s): s is Uint8Array => s !== undefined);
  const finalizeStateIds = await combiner.dispatcher.combine({ ...ref, executionId, stateIds }, sink('combine'));

  const projectionIds = options.projection?.map((name) => {
    const i = bound.outputSchema.fields.findIndex((f) => f.name === name);
    if (i < 0)
      throw new SiloError(
        'SILO205',
        messages.unknownProjectionColumn(
          name,
          bound.outputSchema.fields.map((f) => f.name),
        ),
      );
    return i;
  });

  const out: RecordBatch[] = [];
  const ticks: number[] = [];
  let outputSchema = bound.outputSchema;
  for (const finalizeStateId of finalizeStateIds) {
    const open = {
      executionId,
      finalizeStateId,
      projectionIds,
      filters: options.filters,
      bind,
      outputSchema: bound.outputSchema,
    };
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
        stream = await workerFor().dispatcher.openFinalize(
          { ...open, resumeState: stream.serializeState() },
          sink('finalize'),
        );
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
