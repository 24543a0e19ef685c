/**
 * Losing a worker of an HTTP fleet mid-sink (vgi-wire §5.4): `runFunction` spreads a
 * query over three workers, and the one serving its (hanging) process call is killed
 * with SIGKILL. The run fails with an error naming that worker; its best-effort
 * destructor, sent to a survivor, leaves nothing behind; a query still sent to the dead
 * URL fails at once, naming it; the two survivors run a whole query. Queries whose client
 * vanished (no destructor ever comes) hold a short lease (`SILO_LEASE_TTL_MS`) nobody
 * renews, and once it ran out `collectGarbage()` removes their data from the shared storage.
 */
import { Table } from 'apache-arrow';
import { field, makeRecordBatch, schemaOf, wire } from '../../../src/arrow';
import { runFunction, WorkerUnreachableError } from '../../../src/client';
import { encodeBindRequest } from '../../../src/protocol';
import type { FunctionStorage } from '../../../src/providers/storage/function-storage';
import { batchFromColumns, serializeBatch } from '../../../src/arrow/batch-utils';
import {
  type FleetEnvironment,
  fleetBackend,
  fleetBackendProblem,
  fleetEnvironment,
} from '../../fixtures/http/fleet-environment';
import { HttpWorkerProcess } from '../../fixtures/http/http-driver';
import { rowsOf } from '../client/support';

const LEASE_MS = 1500;
const INPUT = schemaOf([field('x', wire.int64(), true)]);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const table = (xs: bigint[]): Table => new Table([makeRecordBatch(INPUT, { x: xs })]);

const problem = fleetBackendProblem();

if (problem !== null) {
  describe('an HTTP fleet losing a worker', () => {
    it('should run on PostgreSQL in CI', () => {
      throw new Error(problem);
    });
  });
} else {
  describe('an HTTP fleet losing a worker mid-sink', () => {
    let fleet: FleetEnvironment;
    let workers: HttpWorkerProcess[];
    let storage: FunctionStorage;

    beforeAll(async () => {
      fleet = fleetEnvironment(fleetBackend(), { SILO_LEASE_TTL_MS: String(LEASE_MS) });
      workers = await Promise.all([0, 1, 2].map(() => HttpWorkerProcess.start(fleet.env)));
      storage = fleet.storage();
    }, 30_000);

    afterAll(async () => {
      await Promise.all((workers ?? []).map((w) => w.stop('SIGKILL')));
      await fleet?.dispose();
    });

    /** Queries whose client vanished: one mid-sink with chunks on all three workers, one after the first finalize turn. */
    async function abandonedQueries(): Promise<Uint8Array[]> {
      const [a, b, c] = workers.map((w) => w.client());
      const bindCall = { functionName: 'buffer_input', inputSchema: INPUT, schemaPath: ['main'] };
      const init = {
        bindCall: encodeBindRequest(bindCall),
        outputSchema: (await a.call('bind', bindCall)).outputSchema,
      };
      const chunk = (x: bigint): Uint8Array => serializeBatch(batchFromColumns(INPUT, { x: [x] }));

      const midSink = (await b.init({ ...init, phase: 'TABLE_BUFFERING' })).header.executionId;
      for (const [i, w] of [a, b, c].entries())
        await w.call('table_buffering_process', {
          functionName: 'buffer_input',
          executionId: midSink,
          inputBatch: chunk(BigInt(i)),
        });

      const midFinalize = (await c.init({ ...init, phase: 'TABLE_BUFFERING' })).header.executionId;
      const sid = await a.call('table_buffering_process', {
        functionName: 'buffer_input',
        executionId: midFinalize,
        inputBatch: chunk(7n),
      });
      const [fid] = await b.call('table_buffering_combine', {
        functionName: 'buffer_input',
        executionId: midFinalize,
        stateIds: [sid],
      });
      const first = await c.init({
        ...init,
        phase: 'TABLE_BUFFERING_FINALIZE',
        executionId: midFinalize,
        finalizeStateId: fid,
      });
      expect(first.turn.stateToken).not.toBeNull();
      return [midSink, midFinalize];
    }

    it('should fail the query with an error naming the lost worker, keep serving on the others, and let GC remove the orphans', async () => {
      const urls = workers.map((w) => w.url);
      const orphans = await abandonedQueries();
      const scopesBefore = (await storage.listScopes()).map((s) => hex(s.scope.id)).sort();

      // A query over all three: the worker that receives its (hanging) process call is killed while serving it.
      let victim: HttpWorkerProcess | undefined;
      const started = Date.now();
      const lost = await runFunction({
        urls,
        function: 'hang_on_process',
        input: table([9n]),
        onRequest: (r) => {
          if (r.call !== 'table_buffering_process' || victim !== undefined) return;
          victim = workers[urls.indexOf(r.url)];
          setTimeout(() => void victim!.stop('SIGKILL'), 400);
        },
      }).catch((e: unknown) => e);
      expect(victim).toBeDefined();
      const dead = victim!;
      expect(await dead.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(lost).toBeInstanceOf(WorkerUnreachableError);
      expect((lost as Error).message).toMatch(
        new RegExp(
          `^\\[SILO606\\] The HTTP worker at ${escape(dead.url)} dropped the connection before answering table_buffering_process \\(POST ${escape(dead.url)}/vgi\\.v2/table_buffering_process: .*(socket hang up|ECONNRESET)`,
        ),
      );
      expect(Date.now() - started).toBeLessThan(15_000);
      // Its destructor went to a survivor (the next URL): the failed query left nothing behind.
      expect((await storage.listScopes()).map((s) => hex(s.scope.id)).sort()).toEqual(scopesBefore);

      // A query whose list still names the dead worker runs on the others: every request the
      // dead one refuses (it never received it) goes to the next URL, and after a refusal the
      // dead worker rests (1 s, then 2 s, ...) instead of being tried in each of its turns.
      const listed = table([1n, 2n, 3n]);
      const despite = await runFunction({
        urls,
        function: 'buffer_input',
        input: listed,
        sinkConnections: 2,
        batchSize: 1,
      });
      expect(rowsOf(despite.output).sort()).toEqual(rowsOf(listed).sort());
      expect(despite.requests.length).toBeGreaterThan(0);
      expect(despite.requests.map((r) => r.url)).not.toContain(dead.url);
      expect(new Set(despite.refused.map((r) => r.url))).toEqual(new Set([dead.url]));
      const elapsedSeconds = despite.timings.totalMs / 1000;
      // 1 s, 2 s, 4 s ... of rest: at most 1 + log2(elapsed + 1) tries, however many requests,
      // for each of the two connections that may pick the dead worker at the same moment.
      expect(despite.refused.length).toBeLessThanOrEqual(2 * (1 + Math.ceil(Math.log2(elapsedSeconds + 1))));

      // The survivors serve a whole new query, each request on the other one.
      const survivors = urls.filter((u) => u !== dead.url);
      const input = table([10n, 11n, 12n, 13n, 14n]);
      const survived = await runFunction({
        urls: survivors,
        function: 'buffer_input',
        input,
        sinkConnections: 2,
        batchSize: 2,
      });
      expect(rowsOf(survived.output).sort()).toEqual(rowsOf(input).sort());
      expect(survived.requests.map((r) => r.url)).toEqual(survived.requests.map((_, i) => survivors[i % 2]));

      // The orphans hold data (and a lease nobody renews any more); once it ran out, GC removes them.
      const scopes = await storage.listScopes();
      expect(scopes.map((s) => hex(s.scope.id))).not.toContain(hex(survived.executionId));
      const leases = orphans.map((id) => scopes.find((s) => hex(s.scope.id) === hex(id))?.leaseExpiresAt);
      expect(leases).toEqual([expect.any(Number), expect.any(Number)]);
      const [first, last] = [Math.min(...(leases as number[])), Math.max(...(leases as number[]))];
      expect((await storage.collectGarbage(first - 1)).scopesCollected).toBe(0);
      await new Promise((done) => setTimeout(done, Math.max(0, last - Date.now()) + 50));
      expect((await storage.collectGarbage()).scopesCollected).toBe(2);
      const after = (await storage.listScopes()).map((s) => hex(s.scope.id));
      for (const orphan of orphans) expect(after).not.toContain(hex(orphan));
    });
  });
}
