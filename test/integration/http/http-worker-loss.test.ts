/**
 * Losing a worker of an HTTP fleet mid-sink (vgi-wire §5.4): SIGKILL one of three workers
 * while it serves a process call. That call and the query's next call to it fail with an
 * error naming the worker; the two others keep serving whole queries; and once the short
 * lease (`SILO_LEASE_TTL_MS`) of the orphaned executions has passed, `collectGarbage()`
 * removes their data from the shared storage.
 */
import type { Schema } from 'apache-arrow';
import { field, schemaOf, wire } from '../../../src/arrow';
import { encodeBindRequest } from '../../../src/protocol';
import type { FunctionStorage } from '../../../src/providers/storage/function-storage';
import { batchFromColumns, serializeBatch } from '../../../src/worker/batch-utils';
import { type FleetEnvironment, fleetBackend, fleetBackendProblem, fleetEnvironment } from '../../fixtures/http/fleet-environment';
import { type HttpVgiClient, HttpWorkerProcess } from '../../fixtures/http/http-driver';
import { roundRobin, rowsOf, runOverHttp } from '../../fixtures/http/lifecycle-runs';

const LEASE_MS = 1500;
const INPUT = schemaOf([field('x', wire.int64(), true)]);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Binds `functionName` on `planner` and opens its primary sink on `sink`; returns the execution id. */
async function startSink(planner: HttpVgiClient, sink: HttpVgiClient, functionName: string, inputSchema: Schema): Promise<Uint8Array> {
  const bindCall = { functionName, inputSchema, schemaPath: ['main'] };
  const bound = await planner.call('bind', bindCall);
  return (await sink.init({ bindCall: encodeBindRequest(bindCall), outputSchema: bound.outputSchema, phase: 'TABLE_BUFFERING' })).header.executionId;
}

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

    it('should fail the query with an error naming the lost worker, keep serving on the others, and let GC remove the orphans', async () => {
      const [a, b, c] = workers.map((w) => w.client());
      const chunk = (x: bigint): Uint8Array => serializeBatch(batchFromColumns(INPUT, { x: [x] }));
      const processUrl = escape(`POST ${workers[1].url}/vgi.v2/table_buffering_process failed: `);

      // A query mid-sink: chunks already buffered through all three workers.
      const orphan = await startSink(a, b, 'buffer_input', INPUT);
      for (const [i, w] of [a, b, c].entries()) await w.call('table_buffering_process', { functionName: 'buffer_input', executionId: orphan, inputBatch: chunk(BigInt(i)) });

      // B is killed while it serves a process call.
      const hanging = await startSink(c, a, 'hang_on_process', INPUT);
      const inFlight = b.call('table_buffering_process', { functionName: 'hang_on_process', executionId: hanging, inputBatch: chunk(9n) }).catch((e: Error) => e);
      await new Promise((done) => setTimeout(done, 400));
      expect(await workers[1].stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      const lost = await inFlight;
      expect(lost).toBeInstanceOf(Error);
      expect((lost as Error).message).toMatch(new RegExp(`${processUrl}(socket hang up|read ECONNRESET)`));
      // The query's next chunk lands on the dead worker: it fails, naming it, instead of hanging.
      await expect(b.call('table_buffering_process', { functionName: 'buffer_input', executionId: orphan, inputBatch: chunk(3n) })).rejects.toThrow(new RegExp(`${processUrl}connect ECONNREFUSED`));

      // The survivors serve a whole new query, each request on the other one.
      const input = [batchFromColumns(INPUT, { x: [10n, 11n] }), batchFromColumns(INPUT, { x: [12n] }), batchFromColumns(INPUT, { x: [13n] })];
      const survived = await runOverHttp(roundRobin([a, c]), { functionName: 'buffer_input', inputSchema: INPUT, chunks: input });
      expect(rowsOf(survived.batches)).toEqual(rowsOf(input));

      // The orphans hold data (and a lease nobody renews any more); once it ran out, GC removes them.
      const scopes = await storage.listScopes();
      expect(scopes.map((s) => hex(s.scope.id))).not.toContain(hex(survived.executionId));
      const leaseOf = (id: Uint8Array): number | undefined => scopes.find((s) => hex(s.scope.id) === hex(id))?.leaseExpiresAt;
      const leases = [leaseOf(orphan), leaseOf(hanging)];
      expect(leases).toEqual([expect.any(Number), expect.any(Number)]);
      const [first, last] = [Math.min(...(leases as number[])), Math.max(...(leases as number[]))];
      expect((await storage.collectGarbage(first - 1)).scopesCollected).toBe(0);
      await new Promise((done) => setTimeout(done, Math.max(0, last - Date.now()) + 50));
      expect((await storage.collectGarbage()).scopesCollected).toBe(2);
      const after = (await storage.listScopes()).map((s) => hex(s.scope.id));
      expect(after).not.toContain(hex(orphan));
      expect(after).not.toContain(hex(hanging));
    });
  });
}
