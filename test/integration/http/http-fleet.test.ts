/**
 * A fleet of three HTTP workers behind "one URL" (vgi-wire §2.3, §2.4, §5.1, §9.5): they
 * share storage (PostgreSQL when DATABASE_URL is set — required in CI — else SQLite) and
 * the signing key, and every request of a query — bind, each sink init, each process
 * call, the combine, each finalize turn, the destructor — goes to the next worker in
 * turn. `runFunction({ urls })` must give the rows `runFunction({ command })` gives over
 * stdio; the cases that need byte-level control drive the workers with the test driver.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Table } from 'apache-arrow';
import { field, makeRecordBatch, schemaOf, wire } from '../../../src/arrow';
import { runFunction } from '../../../src/client';
import { bindArguments, encodeBindRequest, RemoteError } from '../../../src/protocol';
import { batchFromColumns, serializeBatch } from '../../../src/arrow/batch-utils';
import {
  type FleetEnvironment,
  fleetBackend,
  fleetBackendProblem,
  fleetEnvironment,
} from '../../fixtures/http/fleet-environment';
import { HttpWorkerProcess, type HttpVgiClient } from '../../fixtures/http/http-driver';
import { roundRobin, rowsOf, runOverHttp, runOverStdio, type QuerySpec } from '../../fixtures/http/lifecycle-runs';
import { WorkerProcess } from '../../fixtures/wire/wire-driver';
import { CONFORMANCE_WORKER, rowsOf as tableRows } from '../client/support';

const PROBE = join(__dirname, '..', '..', 'fixtures', 'http', 'vgi-client-http-probe.mjs');
const INPUT = schemaOf([field('x', wire.int64(), true), field('name', wire.utf8(), true)]);

const problem = fleetBackendProblem();

if (problem !== null) {
  describe('an HTTP worker fleet', () => {
    it('should run on PostgreSQL in CI', () => {
      throw new Error(problem);
    });
  });
} else {
  describe(`an HTTP worker fleet sharing ${process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`, () => {
    let fleet: FleetEnvironment;
    let workers: HttpWorkerProcess[];
    let stdio: WorkerProcess;
    let next: () => HttpVgiClient;

    beforeAll(async () => {
      fleet = fleetEnvironment(fleetBackend());
      [workers, stdio] = await Promise.all([
        Promise.all([0, 1, 2].map(() => HttpWorkerProcess.start(fleet.env))),
        WorkerProcess.spawn({ dir: fleet.dir, env: fleet.env, dispose: () => undefined }),
      ]);
      next = roundRobin(workers.map((w) => w.client()));
    }, 30_000);

    afterAll(async () => {
      stdio?.closeStdin();
      const exits = await Promise.all((workers ?? []).map((w) => w.stop()));
      await stdio?.exited;
      await fleet?.dispose();
      expect(exits).toEqual(Array(3).fill({ code: 0, signal: null }));
    });

    it('should announce each worker as HTTP:<url> and serve discovery on every worker', async () => {
      for (const w of workers) expect(w.stdout).toMatch(/^HTTP:http:\/\/127\.0\.0\.1:\d+\/vgi\n/);
      expect(new Set(workers.map((w) => w.url)).size).toBe(3);
      const catalogs = await next().call('catalog_catalogs', {});
      const attach = await next().call('catalog_attach', { name: catalogs[0].name });
      const schemas = await next().call('catalog_schemas', { attachOpaqueData: attach.attachOpaqueData });
      const functions = await next().call('catalog_schema_contents_functions', {
        attachOpaqueData: attach.attachOpaqueData,
        path: ['main'],
        type: 'TABLE_FUNCTION',
      });
      expect(catalogs.map((c) => c.name)).toEqual(['example']);
      expect(schemas.map((s) => s.path)).toEqual([['main'], ['data']]);
      expect(functions.map((f) => f.name)).toEqual(
        expect.arrayContaining(['buffer_input', 'buffer_emit_wide', 'slow_cancellable_buffering']),
      );
      const listed = await next().call('list_protocols', {}, { protocolVersion: null });
      expect(listed.protocols.map((p) => p.protocol)).toContain('vgi.v2');
    });

    it("should be discovered by the vendor's VgiClient over httpConnect (HEAD /health, reflection, capability headers)", async () => {
      const { stdout } = await promisify(execFile)(process.execPath, [PROBE, workers[1].url], {
        env: fleet.env,
        timeout: 20_000,
      });
      const report = JSON.parse(stdout) as {
        error?: string;
        catalogs: string[];
        attach: unknown;
        functions: { name: string; function_type: string; has_finalize: boolean }[];
      };
      expect(report.error).toBeUndefined();
      expect(report.catalogs).toEqual(['example']);
      expect(report.attach).toEqual({ attachOpaqueDataLength: 23, defaultSchema: 'main' });
      expect(report.functions.length).toBeGreaterThan(10);
      for (const f of report.functions) expect([f.function_type, f.has_finalize]).toEqual(['TABLE_BUFFERING', true]);
    });

    it('should run buffer_input through runFunction with every request on the next worker and give the rows of a stdio run', async () => {
      const rows = 4_000;
      const input = new Table([
        makeRecordBatch(INPUT, {
          x: Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? null : BigInt((i * 7919) % rows))),
          name: Array.from({ length: rows }, (_, i) => (i % 11 === 0 ? null : `n${i % 97}`)),
        }),
      ]);
      const urls = workers.map((w) => w.url);
      const lifecycle = { function: 'buffer_input', input, sinkConnections: 2, batchSize: 500 } as const;
      const overHttp = await runFunction({ urls, ...lifecycle });
      const overStdio = await runFunction({ command: CONFORMANCE_WORKER, env: fleet.env, ...lifecycle });
      // Two sink connections interleave their batches, so the output order is not defined: compare multisets.
      expect(tableRows(overHttp.output).sort()).toEqual(tableRows(overStdio.output).sort());
      expect(tableRows(overHttp.output).sort()).toEqual(tableRows(input).sort());
      expect(overHttp.functionName).toBe('example.main.buffer_input');

      // Every request went to the next worker in turn, whichever sink connection or stream sent it ...
      const sent = overHttp.requests;
      expect(sent.map((r) => r.url)).toEqual(sent.map((_, i) => urls[i % 3]));
      // ... so each phase of the lifecycle reached several workers.
      const count = (phase: string, call?: string): number =>
        sent.filter((r) => r.phase === phase && (call === undefined || r.call === call)).length;
      expect([count('sink-init'), count('process'), count('combine'), count('destructor')]).toEqual([2, 8, 1, 1]);
      expect(count('finalize', 'init')).toBe(overHttp.finalizeStateIds.length);
      expect(count('finalize', 'exchange')).toBeGreaterThan(2);
      for (const phase of ['process', 'finalize'])
        expect(new Set(sent.filter((r) => r.phase === phase).map((r) => r.url))).toEqual(new Set(urls));
      // Over HTTP no process is this client's: pids stay empty, ticks count each stream's /init and /exchange requests.
      expect(overHttp.pids).toEqual({ sink: [], combine: null, finalize: [], destructor: null });
      expect(overHttp.ticks).toEqual([count('finalize')]);
      expect(overStdio.requests).toEqual([]);
      // The destructor, on yet another worker, cleared the execution from the shared storage.
      const scopes = await fleet.storage().listScopes();
      expect(scopes.map((s) => Buffer.from(s.scope.id).toString('hex'))).not.toContain(
        Buffer.from(overHttp.executionId).toString('hex'),
      );
    });

    it('should run buffer_emit_wide and stream its wide batch (larger than one buffered reply) like the stdio run', async () => {
      const input = schemaOf([field('one', wire.int32(), true)]);
      const q: QuerySpec = {
        functionName: 'buffer_emit_wide',
        arguments: bindArguments([{ type: wire.int64(), value: 40_000n }]),
        inputSchema: input,
        chunks: [batchFromColumns(input, { one: [1] })],
      };
      const [overHttp, reference] = [await runOverHttp(next, q), await runOverStdio(stdio, q)];
      expect(overHttp.batches).toHaveLength(1);
      expect(overHttp.batches[0].numRows).toBe(40_000);
      expect(rowsOf(overHttp.batches)).toEqual(rowsOf(reference));
      expect(overHttp.turnServers).toHaveLength(2);
      expect(overHttp.turnServers[0]).not.toBe(overHttp.turnServers[1]);
    });

    it('should resume a cancel continuation on another worker and run @OnCancel with the cursor the stream had', async () => {
      const probe = join(fleet.dir, 'cancel-probe.txt');
      writeFileSync(probe, '');
      const input = schemaOf([field('x', wire.int64(), true)]);
      const bindCall = {
        functionName: 'slow_cancellable_buffering',
        arguments: bindArguments([{ type: wire.utf8(), value: probe }], {
          sleep_ms: { type: wire.int64(), value: 1n },
        }),
        inputSchema: input,
        schemaPath: ['main'],
      };
      const [a, b, c] = workers.map((w) => w.client());
      const bound = await a.call('bind', bindCall);
      const init = { bindCall: encodeBindRequest(bindCall), outputSchema: bound.outputSchema };
      const { header } = await b.init({ ...init, phase: 'TABLE_BUFFERING' });
      const sid = await c.call('table_buffering_process', {
        functionName: bindCall.functionName,
        executionId: header.executionId,
        inputBatch: serializeBatch(batchFromColumns(input, { x: [1n] })),
      });
      const [fid] = await a.call('table_buffering_combine', {
        functionName: bindCall.functionName,
        executionId: header.executionId,
        stateIds: [sid],
      });

      const first = await b.init({
        ...init,
        phase: 'TABLE_BUFFERING_FINALIZE',
        executionId: header.executionId,
        finalizeStateId: fid,
      });
      expect(rowsOf(first.turn.batches)).toEqual([{ n: 0n }]);
      expect(first.turn.callToken).not.toBeNull();
      const second = await c.exchange(first.turn.stateToken!, first.turn.callToken);
      expect(rowsOf(second.batches)).toEqual([{ n: 1n }]);

      const cancelled = await a.exchange(second.stateToken!, first.turn.callToken, { cancel: true });
      expect(cancelled.batches).toEqual([]);
      expect(cancelled.stateToken).toBeNull();
      expect(cancelled.output.schema.fields.map((f) => f.name)).toEqual(['n']);
      expect(readFileSync(probe, 'utf8')).toBe(`pid=${workers[0].pid} emitted=2\n`);
      await b.call('table_buffering_destructor', {
        functionName: bindCall.functionName,
        executionId: header.executionId,
      });
    });

    it('should end a finalize stream whose tick throws with an error batch under a 200', async () => {
      const input = schemaOf([field('v', wire.int64(), true)]);
      const bindCall = { functionName: 'exception_finalize', inputSchema: input, schemaPath: ['main'] };
      const bound = await next().call('bind', bindCall);
      const init = { bindCall: encodeBindRequest(bindCall), outputSchema: bound.outputSchema };
      const { header } = await next().init({ ...init, phase: 'TABLE_BUFFERING' });
      const sid = await next().call('table_buffering_process', {
        functionName: 'exception_finalize',
        executionId: header.executionId,
        inputBatch: serializeBatch(batchFromColumns(input, { v: [4n] })),
      });
      const [fid] = await next().call('table_buffering_combine', {
        functionName: 'exception_finalize',
        executionId: header.executionId,
        stateIds: [sid],
      });
      const error = await next()
        .init({ ...init, phase: 'TABLE_BUFFERING_FINALIZE', executionId: header.executionId, finalizeStateId: fid })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect((error as RemoteError).logMessage).toBe('ValueError: Intentional exception during finalize()');
    });
  });
}
