/**
 * The buffering lifecycle as DuckDB drives it over stdio (vgi-wire §5.1), each phase in
 * the worker process DuckDB could pick: bind and the primary sink init in A, a secondary
 * sink in B, process calls on both, combine in B, finalize in a process that saw none of
 * it (C), the destructor in yet another (D). All share one SQLite file and sealing key.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RecordBatch, type Schema, Table } from 'apache-arrow';
import { field, readIpcStream, readRow, schemaOf, wire } from '../../../src/arrow';
import { bindArguments, encodeBindRequest, type BindRequestInput, RemoteError } from '../../../src/protocol';
import { batchFromColumns, serializeBatch } from '../../../src/arrow/batch-utils';
import {
  readTickAnswer,
  sharedEnvironment,
  type SharedEnvironment,
  WorkerProcess,
} from '../../fixtures/wire/wire-driver';

const INPUT = schemaOf([field('x', wire.int64(), true), field('name', wire.utf8(), true)]);
const rowsOf = (batches: readonly RecordBatch[]): Record<string, unknown>[] =>
  new Table([...batches]).toArray().map((r: { toJSON(): Record<string, unknown> }) => ({ ...r.toJSON() }));
const shape = (schema: Schema): string[] =>
  schema.fields.map((f) => `${f.name}:${String(f.type)}${f.nullable ? '?' : '!'}`);

describe('the buffering lifecycle across worker processes', () => {
  let shared: SharedEnvironment;
  let a: WorkerProcess;
  let b: WorkerProcess;
  let c: WorkerProcess;
  let d: WorkerProcess;

  beforeAll(() => {
    shared = sharedEnvironment();
    [a, b, c, d] = [0, 1, 2, 3].map(() => WorkerProcess.spawn(shared));
  });

  afterAll(async () => {
    for (const w of [a, b, c, d]) w.closeStdin();
    const exits = await Promise.all([a, b, c, d].map((w) => w.exited));
    shared.dispose();
    expect(exits).toEqual(Array(4).fill({ code: 0, signal: null }));
  });

  /** Binds on `planner` and opens the primary sink on `sink`; returns what later calls need. */
  async function startQuery(
    planner: WorkerProcess,
    sink: WorkerProcess,
    bindInput: BindRequestInput,
    projectionIds: number[] | null = null,
  ) {
    const bound = (await planner.call('bind', bindInput)).result;
    const bindCall = encodeBindRequest(bindInput);
    const init = { bindCall, outputSchema: bound.outputSchema, projectionIds };
    const header = await sink.init({ ...init, phase: 'TABLE_BUFFERING', executionId: null });
    const sinkOutput = await sink.closeSinkInput(bindInput.inputSchema as Schema);
    return { bound, init, executionId: header.executionId, header, sinkOutput };
  }

  const processOn = async (w: WorkerProcess, functionName: string, executionId: Uint8Array, batch: RecordBatch) =>
    (
      await w.call('table_buffering_process', {
        functionName,
        executionId,
        inputBatch: serializeBatch(batch),
        schemaPath: ['main'],
      })
    ).result;

  it('should give back exactly the input rows of buffer_input, in append order', async () => {
    const q = await startQuery(a, a, {
      functionName: 'buffer_input',
      inputSchema: INPUT,
      schemaPath: ['main'],
      resolvedSecretsProvided: false,
    });
    expect(q.header.executionId).toHaveLength(16);
    expect(q.header.maxWorkers).toBe(99999n);
    expect(shape(q.sinkOutput.schema)).toEqual(['x:Int64?', 'name:Utf8?']);
    expect(q.sinkOutput.batches).toEqual([]);

    const secondary = await b.init({ ...q.init, phase: 'TABLE_BUFFERING', executionId: q.executionId });
    expect(Buffer.from(secondary.executionId).equals(Buffer.from(q.executionId))).toBe(true);
    await b.closeSinkInput(INPUT);

    const batches = [
      batchFromColumns(INPUT, { x: [5n, 3n, 9n], name: ['e', 'c', null] }),
      batchFromColumns(INPUT, { x: [1n, 7n], name: ['a', 'g'] }),
      batchFromColumns(INPUT, { x: [8n], name: ['h'] }),
    ];
    const lastA1 = await processOn(a, 'buffer_input', q.executionId, batches[0]);
    const lastB = await processOn(b, 'buffer_input', q.executionId, batches[1]);
    const lastA = await processOn(a, 'buffer_input', q.executionId, batches[2]);
    expect(lastA1).toEqual(lastA);

    const finalizeIds = (
      await b.call('table_buffering_combine', {
        functionName: 'buffer_input',
        executionId: q.executionId,
        stateIds: [lastA, lastB],
        schemaPath: ['main'],
      })
    ).result;
    expect(finalizeIds).toHaveLength(1);

    const header = await c.init({
      ...q.init,
      phase: 'TABLE_BUFFERING_FINALIZE',
      executionId: q.executionId,
      finalizeStateId: finalizeIds[0],
    });
    expect(Buffer.from(header.executionId).equals(Buffer.from(q.executionId))).toBe(true);
    c.tick();
    const output = await c.openOutput();
    const received: RecordBatch[] = [];
    for (let answer = await readTickAnswer(output); answer.batch !== null; answer = await readTickAnswer(output)) {
      expect(shape(answer.batch.schema)).toEqual(['x:Int64?', 'name:Utf8?']);
      received.push(answer.batch);
      c.tick();
    }
    // DuckDB is one tick ahead: a tick arrives after the output EOS, then the input EOS.
    c.tick();
    c.endTicks();
    expect(rowsOf(received)).toEqual(rowsOf(batches));
    expect((await c.call('catalog_catalogs', {})).result.map((x) => x.name)).toEqual(['example']);

    const destroyed = await d.request('table_buffering_destructor', {
      functionName: 'buffer_input',
      executionId: q.executionId,
      schemaPath: ['main'],
    });
    expect(readIpcStream(readRow(destroyed.batches[0]).result as Uint8Array).schema.fields).toEqual([]);
    await expect(
      d.call('table_buffering_destructor', { functionName: 'buffer_input', executionId: Uint8Array.of(1, 2, 3) }),
    ).resolves.toBeDefined();
    // The execution is gone: a late process call fails loudly instead of writing orphans,
    // also on a worker that served it and still caches it.
    for (const late of [d, a])
      await expect(processOn(late, 'buffer_input', q.executionId, batches[0])).rejects.toThrow(
        /\[SILO511\] Execution [0-9a-f]{32} has ended, so its process call was refused/,
      );
  });

  it('should narrow echo_buffering to the projection (reordered) and apply the pushed filter it can decode', async () => {
    const input = schemaOf([
      field('a', wire.int64(), true),
      field('b', wire.utf8(), true),
      field('c', wire.float64(), true),
    ]);
    const q = await startQuery(
      a,
      b,
      { functionName: 'echo_buffering', inputSchema: input, schemaPath: ['main'] },
      [2, 0],
    );
    expect(shape(q.sinkOutput.schema)).toEqual(['c:Float64?', 'a:Int64?']);
    const sid = await processOn(
      b,
      'echo_buffering',
      q.executionId,
      batchFromColumns(input, { a: [1n, 2n, 3n], b: ['x', 'y', 'z'], c: [0.5, 1.5, 2.5] }),
    );
    const [fid] = (
      await b.call('table_buffering_combine', {
        functionName: 'echo_buffering',
        executionId: q.executionId,
        stateIds: [sid],
      })
    ).result;

    await c.init({
      ...q.init,
      phase: 'TABLE_BUFFERING_FINALIZE',
      executionId: q.executionId,
      finalizeStateId: fid,
      pushdownFilters: filterAtLeast('a', 0, 2n),
    });
    c.tick();
    const output = await c.openOutput();
    const first = await readTickAnswer(output);
    expect(shape(first.batch!.schema)).toEqual(['c:Float64?', 'a:Int64?']);
    expect(rowsOf([first.batch!])).toEqual([
      { c: 1.5, a: 2n },
      { c: 2.5, a: 3n },
    ]);
    c.tick();
    expect((await readTickAnswer(output)).batch).toBeNull();
    c.endTicks();
    await d.call('table_buffering_destructor', { functionName: 'echo_buffering', executionId: q.executionId });
  });

  it('should end a cancelled finalize stream with EOS, run the cancel hook, and keep serving the connection', async () => {
    const probe = join(shared.dir, 'probe.txt');
    writeFileSync(probe, '');
    const args = bindArguments([{ type: wire.utf8(), value: probe }], { sleep_ms: { type: wire.int64(), value: 1n } });
    const input = schemaOf([field('x', wire.int64(), true)]);
    const q = await startQuery(a, a, {
      functionName: 'slow_cancellable_buffering',
      arguments: args,
      inputSchema: input,
      schemaPath: ['main'],
    });
    const sid = await processOn(a, 'slow_cancellable_buffering', q.executionId, batchFromColumns(input, { x: [1n] }));
    const [fid] = (
      await a.call('table_buffering_combine', {
        functionName: 'slow_cancellable_buffering',
        executionId: q.executionId,
        stateIds: [sid],
      })
    ).result;

    await d.init({ ...q.init, phase: 'TABLE_BUFFERING_FINALIZE', executionId: q.executionId, finalizeStateId: fid });
    d.tick();
    const output = await d.openOutput();
    expect(rowsOf([(await readTickAnswer(output)).batch!])).toEqual([{ n: 0n }]);
    d.tick({ cancel: true });
    expect((await readTickAnswer(output)).batch).toBeNull();
    d.endTicks();
    expect((await d.call('catalog_version', { attachOpaqueData: Uint8Array.of(1) })).result).toBe(1n);
    expect(readFileSync(probe, 'utf8')).toBe(`pid=${d.child.pid} emitted=1\n`);
  });

  it("should answer a throwing process call with the user's error batch, then serve the next request", async () => {
    const input = schemaOf([field('v', wire.int64(), true)]);
    const q = await startQuery(b, b, { functionName: 'exception_process', inputSchema: input, schemaPath: ['main'] });
    const batch = batchFromColumns(input, { v: [1n, 2n] });
    await processOn(b, 'exception_process', q.executionId, batch);
    const failed = await b.request('table_buffering_process', {
      functionName: 'exception_process',
      executionId: q.executionId,
      inputBatch: serializeBatch(batch),
    });
    expect(shape(failed.schema)).toEqual(['result:Binary!']);
    expect(failed.batches).toHaveLength(1);
    const meta = failed.batches[0].metadata;
    expect([failed.batches[0].numRows, meta.get('vgi_rpc.log_level'), meta.get('vgi_rpc.log_message')]).toEqual([
      0,
      'EXCEPTION',
      'ValueError: Intentional exception on batch 2',
    ]);
    expect(JSON.parse(meta.get('vgi_rpc.log_extra')!)).toMatchObject({
      exception_type: 'ValueError',
      exception_message: 'Intentional exception on batch 2',
    });
    expect(meta.has('vgi_rpc.error_kind')).toBe(false);
    await expect(processOn(b, 'exception_process', q.executionId, batch)).resolves.toBeInstanceOf(Uint8Array);
  });

  it('should answer a finalize tick that throws with an error batch, then drain the ticks and serve on', async () => {
    const input = schemaOf([field('v', wire.int64(), true)]);
    const q = await startQuery(c, c, { functionName: 'exception_finalize', inputSchema: input, schemaPath: ['main'] });
    const sid = await processOn(c, 'exception_finalize', q.executionId, batchFromColumns(input, { v: [4n] }));
    const [fid] = (
      await c.call('table_buffering_combine', {
        functionName: 'exception_finalize',
        executionId: q.executionId,
        stateIds: [sid],
      })
    ).result;
    await a.init({ ...q.init, phase: 'TABLE_BUFFERING_FINALIZE', executionId: q.executionId, finalizeStateId: fid });
    a.tick();
    const output = await a.openOutput();
    const error = await readTickAnswer(output).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).logMessage).toBe('ValueError: Intentional exception during finalize()');
    expect(await output.next()).toBeNull();
    a.tick();
    a.endTicks();
    expect((await a.call('catalog_catalogs', {})).result).toHaveLength(1);
  });
});

/** A vgi.filters.v2 snapshot with one predicate `column >= value` (the reference reader's shape). */
function filterAtLeast(column: string, index: number, value: bigint): Uint8Array {
  const spec = {
    encoding: 'vgi.filters.v2',
    semantics: 'vgi.duckdb.standard.v1',
    kind: 'snapshot',
    predicates: [
      {
        id: 'p0',
        revision: 0,
        mode: 'required',
        source: 'query',
        expression: {
          node: 'comparison',
          op: 'ge',
          left: { node: 'column_ref', column_index: index, column_name: column },
          right: { node: 'literal', value_ref: 0 },
        },
      },
    ],
  };
  const schema = schemaOf([field('filter_spec', wire.utf8(), false), field('value_0', wire.int64(), true)], {
    vgi_filter_encoding: 'vgi.filters.v2',
    vgi_filter_version: '2',
    vgi_evaluation_context: 'vgi.none.v1',
  });
  return serializeBatch(batchFromColumns(schema, { filter_spec: [JSON.stringify(spec)], value_0: [value] }));
}
