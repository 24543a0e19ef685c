import { type RecordBatch, type Schema, Table } from 'apache-arrow';
import { type DriveOptions, driveSink, planDrive, planProjection, vectorsOf, withinLimit } from '../lifecycle';
import type { LogFields, LogLevel } from '../providers/logging';
import { type FunctionStorage, type ScopeInfo, toHex } from '../providers/storage';
import type { RawArguments } from '../definition/arguments-spec';
import type { FunctionDefinition } from '../definition/function-definition';
import type { SiloWorker } from '../worker/bootstrap';
import type { BindCall, CallOptions } from '../worker/calls';
import type { ColumnFilter } from '../worker/filters';
import type { FinalizeStream } from '../worker/finalize-stream';

/**
 * Options of {@link TestingWorker.run}. `batchSize`, `sinkConnections`,
 * `batchesPerMorsel`, `projection` and `limit` mean what they mean to the client's
 * `runFunction`: both drive the function by the same rules.
 */
export interface RunOptions extends DriveOptions {
  /**
   * The TABLE input. An empty table runs nothing (as in DuckDB: no rows, no sink). Its
   * schema reaches the function as given, so a test can check how the function treats
   * nullability; DuckDB (and the client) hand every column as nullable: pass a table on
   * `nullableSchema(table.schema)` to test exactly that.
   */
  readonly input: Table;
  /** Arguments by SQL name: positional and named alike (`{ k: 3n, by: 'score' }`). */
  readonly args?: Readonly<Record<string, unknown>>;
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
  /** Cancels each finalize stream after this many ticks (runs `@OnCancel()`), whatever its output. */
  readonly cancelAfterTicks?: number;
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
  /** What combine received: each sink connection's last state id, in the order the connections finished. */
  readonly stateIds: readonly Uint8Array[];
  /**
   * The sink connection that ran combine, by join order (0 is the primary, which minted the
   * execution): the one that finished last. -1 when the input was empty.
   */
  readonly combinedOn: number;
  /** Sink connections that sank at least one batch. */
  readonly sinkConnectionsUsed: number;
  readonly finalizeStateIds: readonly Uint8Array[];
  /** Storage the execution still held after its destructor: empty when nothing leaked. */
  readonly leaks: readonly ScopeInfo[];
  /** Ticks run per finalize stream that started. */
  readonly ticks: readonly number[];
  /** True when `limit` cut the output short: a stream was cancelled or never started. */
  readonly limited: boolean;
}

/** One client log record, with the phase that wrote it. */
export interface ClientLogRecord {
  readonly phase: 'bind' | 'process' | 'combine' | 'finalize' | 'cancel';
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
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
 * Drives one query through dispatchers as DuckDB drives worker processes, by the rules in
 * `src/lifecycle` that the client follows too: bind; the first sink connection mints the
 * execution, the others join it as they take their first morsel; morsels are pulled by
 * whichever connection is free; combine runs on the connection that finished last with
 * each connection's last state id in completion order; each finalize id drains in its own
 * stream; the destructor runs last.
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
  const flags = definition.options;
  const ref = { functionName: flags.name, schemaPath: [flags.schema] };
  const plan = planDrive(flags, options);
  const batches = options.input.batches.flatMap((b) => [...vectorsOf(b, plan.batchSize)]);

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
  const projection = planProjection(
    flags,
    bound.outputSchema.fields.map((f) => f.name),
    options.projection,
  );
  const emptyResult = (executionId: Uint8Array): RunResult => ({
    output: select(new Table(bound.outputSchema), projection.columns),
    outputSchema: bound.outputSchema,
    logs,
    executionId,
    stateIds: [],
    combinedOn: -1,
    sinkConnectionsUsed: 0,
    finalizeStateIds: [],
    leaks: [],
    ticks: [],
    limited: false,
  });
  // DuckDB never sinks an empty input: no init, no combine, no finalize, no destructor.
  if (batches.length === 0) return emptyResult(new Uint8Array(0));

  // Sink: one worker per connection (a fresh one per call under chaos).
  const sinkWorkers = Array.from({ length: plan.sinkConnections }, () => workerFor());
  const sunk = await driveSink<SiloWorker>({
    batches,
    connections: sinkWorkers,
    batchesPerMorsel: plan.batchesPerMorsel,
    batchIndex: plan.batchIndex,
    calls: {
      init: async (worker, executionId) =>
        (
          await worker.dispatcher.initSink({
            bind,
            outputSchema: bound.outputSchema,
            bindOpaqueData: bound.opaqueData,
            ...(executionId === null ? {} : { executionId }),
          })
        ).executionId,
      process: (worker, batch, batchIndex, executionId) =>
        (chaos ? workerFor() : worker).dispatcher.process(
          { ...ref, executionId, batch, batchIndex: batchIndex ?? undefined },
          sink('process'),
        ),
    },
  });
  const { executionId, stateIds } = sunk;
  const combiner = chaos ? workerFor() : sunk.combiner;
  const finalizeStateIds = await combiner.dispatcher.combine(
    { ...ref, executionId, stateIds: [...stateIds] },
    sink('combine'),
  );

  const out: RecordBatch[] = [];
  const ticks: number[] = [];
  let rowsOut = 0;
  let limited = false;
  let outputSchema = bound.outputSchema;
  for (const finalizeStateId of finalizeStateIds) {
    if (rowsOut >= plan.limit) {
      // Reached the limit: DuckDB starts no further stream.
      limited = true;
      break;
    }
    const open = {
      executionId,
      finalizeStateId,
      projectionIds: projection.pushed ?? undefined,
      filters: options.filters,
      bind,
      outputSchema: bound.outputSchema,
    };
    let stream: FinalizeStream = await workerFor().dispatcher.openFinalize(open, sink('finalize'));
    outputSchema = stream.outputSchema;
    let n = 0;
    for (;;) {
      const cancelAt = options.cancelAfterTicks ?? Infinity;
      if (n >= cancelAt || rowsOut >= plan.limit) {
        if (rowsOut >= plan.limit) limited = true;
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
      if (outcome.batch && outcome.batch.numRows > 0) {
        const kept = withinLimit(outcome.batch, rowsOut, plan.limit);
        rowsOut += outcome.batch.numRows;
        if (kept !== null) out.push(kept);
      }
      if (outcome.finished) break;
    }
    ticks.push(n);
  }

  await workerFor().dispatcher.destroy({ functionName: flags.name, executionId });
  const id = toHex(executionId);
  const leaks = (await storage.listScopes()).filter((s) => s.scope.kind === 'execution' && toHex(s.scope.id) === id);
  const produced = out.length > 0 ? new Table(out) : new Table(outputSchema);
  return {
    ...emptyResult(executionId),
    output: select(produced, projection.local),
    stateIds,
    combinedOn: sunk.used.indexOf(sunk.combiner),
    sinkConnectionsUsed: sunk.used.length,
    finalizeStateIds,
    leaks,
    ticks,
    limited,
  };
}

/** `table` narrowed to `columns` (DuckDB's own projection when the function does not push it down). */
function select(table: Table, columns: readonly string[] | null): Table {
  return columns === null ? table : table.select([...columns]);
}
