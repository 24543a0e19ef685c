/**
 * Helpers shared by the conformance fixture tests: a TestBed on the conformance module,
 * readable views of Arrow results, and a hand-driven lifecycle for the cases the TestBed
 * deliberately does not produce (out-of-order batch indexes, a hung process call).
 */
import { type Field, type RecordBatch, type Schema, Table } from 'apache-arrow';
import { CLOCK, type Clock, UserCodeError, defineModule } from 'vgi-silo';
import { type TestingWorker, createTestingWorker } from 'vgi-silo/testing';
import { ConformanceModule } from '../../../samples/conformance/conformance.module';

/** Options of {@link conformanceWorker}. */
export interface FixtureWorkerOptions {
  /** Replaces the system clock. */
  readonly clock?: Clock;
  /**
   * Serve only these fixture classes instead of the whole ConformanceModule. Under chaos
   * the TestBed assembles (and validates) a fresh worker for every phase, so a small
   * module keeps multi-batch runs fast; the classes are the very same.
   */
  readonly only?: readonly (new (...args: never[]) => unknown)[];
}

/** A TestBed worker serving the conformance fixtures as catalog `example`. */
export function conformanceWorker(options: FixtureWorkerOptions = {}): Promise<TestingWorker> {
  const fixtures = options.only
    ? defineModule({ name: 'conformance-subset', functions: options.only })
    : ConformanceModule;
  const builder = createTestingWorker({ modules: [fixtures], catalog: 'example' });
  if (options.clock) builder.overrideProvider(CLOCK).useValue(options.clock);
  return builder.compile();
}

/** Rows as plain objects (`{ x: 1n, s: 'a' }`). */
export function rowsOf(table: Table): Record<string, unknown>[] {
  return table.toArray().map((row: { toJSON(): Record<string, unknown> }) => ({ ...row.toJSON() }));
}

/** One column's values as a plain array. */
export function columnOf(table: Table, name: string): unknown[] {
  const column = table.getChild(name);
  if (!column) throw new Error(`no column ${name} (have ${table.schema.fields.map((f) => f.name).join(', ')})`);
  return [...column];
}

/** A schema as `[name, type, nullable]` triples, for exact comparisons. */
export function fieldsOf(schema: Schema): [string, string, boolean][] {
  return schema.fields.map((f: Field) => [f.name, String(f.type), f.nullable]);
}

/** A table whose batches are exactly `batches` (schemas kept, nullability included). */
export function tableOf(...batches: RecordBatch[]): Table {
  return new Table(batches);
}

/** Awaits a rejection from a fixture hook and returns it as a UserCodeError. */
export async function userError(promise: Promise<unknown>): Promise<UserCodeError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UserCodeError))
    throw new Error(
      `expected a UserCodeError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  return error;
}

/** One process call of {@link driveByHand}. */
export interface ProcessStep {
  readonly batch: RecordBatch;
  readonly batchIndex?: bigint;
}

/**
 * Runs one query through the dispatcher step by step, in the order given: bind, sink
 * init, the process calls, combine (with one state id), every finalize stream to its
 * end, destructor. Returns the output and what storage still holds for the execution.
 */
export async function driveByHand(
  worker: TestingWorker,
  functionName: string,
  options: { readonly inputSchema: Schema; readonly steps: readonly ProcessStep[] },
): Promise<{ output: Table; leaked: number }> {
  const dispatcher = worker.dispatcher;
  const ref = { functionName, schemaPath: ['main'] };
  const bind = { ...ref, arguments: { positional: [], named: {} }, inputSchema: options.inputSchema };
  const bound = await dispatcher.bind(bind);
  const { executionId } = await dispatcher.initSink({ bind, outputSchema: bound.outputSchema });
  let stateId: Uint8Array = new Uint8Array(0);
  for (const step of options.steps)
    stateId = await dispatcher.process({ ...ref, executionId, batch: step.batch, batchIndex: step.batchIndex });
  const finalizeStateIds = await dispatcher.combine({ ...ref, executionId, stateIds: [stateId] });
  const batches: RecordBatch[] = [];
  for (const finalizeStateId of finalizeStateIds) {
    const stream = await dispatcher.openFinalize({
      executionId,
      finalizeStateId,
      bind,
      outputSchema: bound.outputSchema,
    });
    for (;;) {
      const tick = await stream.tick();
      if (tick.batch && tick.batch.numRows > 0) batches.push(tick.batch);
      if (tick.finished) break;
    }
  }
  await dispatcher.destroy({ executionId });
  const leaked = (await worker.storage.listScopes()).filter((s) => s.scope.kind === 'execution').length;
  return { output: batches.length > 0 ? new Table(batches) : new Table(bound.outputSchema), leaked };
}
