/**
 * Silo's client over HTTP in wire generation A: `runFunction({ urls, protocol: '1.0.0' })`
 * against real HTTP workers (paths without the protocol segment, finalize turns continued
 * with the state token alone), and `auto` stepping down against an HTTP worker that
 * refuses vgi.v2 — a small proxy in front of a real worker that answers the vgi.v2 paths
 * with 404 as a generation-A-only server does, and optionally refuses 1.3.0 as well.
 */
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { EMPTY_SCHEMA } from '../../../src/arrow';
import { runFunction } from '../../../src/client';
import { decodeRequestBytes, encodeErrorResponse, ProtocolVersionMismatchError } from '../../../src/protocol';
import { type FleetEnvironment, fleetEnvironment } from '../../fixtures/http/fleet-environment';
import { HttpWorkerProcess } from '../../fixtures/http/http-driver';
import { rowsOf, sampleInput } from '../client/support';

/** A proxy to `target` that refuses vgi.v2 (404) and, when asked, generation-A requests at `refusedVersion`. */
async function refusingProxy(
  target: string,
  refusedVersion: string | null,
): Promise<{ url: string; paths: string[]; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      paths.push(req.url ?? '');
      if ((req.url ?? '').startsWith('/vgi/vgi.v2/')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found: this server has no vgi.v2 paths');
        return;
      }
      const decoded = req.url?.endsWith('/init/exchange') ? null : decodeRequestBytes(body);
      if (refusedVersion !== null && decoded?.ok && decoded.request.protocolVersion === refusedVersion) {
        const refusal = new ProtocolVersionMismatchError(
          refusedVersion,
          '1.0.0',
          'server is too old; upgrade the VGI worker to a version supporting protocol_version 1.3.0.',
        );
        res
          .writeHead(400, { 'Content-Type': 'application/vnd.apache.arrow.stream' })
          .end(Buffer.from(encodeErrorResponse(EMPTY_SCHEMA, refusal, { serverId: 'proxy', requestId: null })));
        return;
      }
      const forwarded = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: 'POST', headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/vgi`,
    paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('runFunction over HTTP in wire generation A', () => {
  let fleet: FleetEnvironment;
  let pair: HttpWorkerProcess[];

  beforeAll(async () => {
    fleet = fleetEnvironment('sqlite');
    pair = await Promise.all([0, 1].map(() => HttpWorkerProcess.start(fleet.env)));
  }, 30_000);

  afterAll(async () => {
    await Promise.all((pair ?? []).map((w) => w.stop()));
    await fleet?.dispose();
  });

  it('should run buffer_input at 1.0.0 across two workers, on paths without the protocol segment', async () => {
    // The proxies only record the paths here: a 1.0.0 run sends nothing to a vgi.v2 path.
    const proxies = await Promise.all(pair.map((w) => refusingProxy(w.url, null)));
    try {
      const input = sampleInput(3_000);
      const result = await runFunction({
        urls: proxies.map((p) => p.url),
        protocol: '1.0.0',
        function: 'buffer_input',
        input,
        sinkConnections: 2,
        batchSize: 1000,
      });
      expect(result.protocol).toBe('1.0.0');
      expect(rowsOf(result.output).sort()).toEqual(rowsOf(input).sort());
      const paths = new Set(proxies.flatMap((p) => p.paths));
      expect([...paths].sort()).toEqual(
        [
          '/vgi/catalog_attach',
          '/vgi/catalog_catalogs',
          '/vgi/catalog_schema_contents_functions',
          '/vgi/catalog_schemas',
          '/vgi/bind',
          '/vgi/init/init',
          '/vgi/init/exchange',
          '/vgi/table_buffering_process',
          '/vgi/table_buffering_combine',
          '/vgi/table_buffering_destructor',
        ].sort(),
      );
      expect(proxies.every((p) => p.paths.length > 0)).toBe(true);
    } finally {
      await Promise.all(proxies.map((p) => p.close()));
    }
  });

  it('should stop a 1.3.0 finalize stream at a limit with a cancel /exchange, whose worker runs @OnCancel', async () => {
    const probe = join(fleet.dir, 'a13-limit-probe.txt');
    const result = await runFunction({
      urls: pair.map((w) => w.url),
      protocol: '1.3.0',
      function: 'slow_cancellable_buffering',
      input: tableFromArrays({ x: Int32Array.of(1) }),
      args: { probe_path: probe, count: 1000n, sleep_ms: 1n },
      limit: 3,
    });
    expect([result.protocol, [...result.output.getChild('n')!], result.limited]).toEqual(['1.3.0', [0n, 1n, 2n], true]);
    expect(result.requests.filter((r) => r.phase === 'finalize').map((r) => r.call)).toEqual([
      'init',
      'exchange',
      'exchange',
      'cancel',
    ]);
    expect(readFileSync(probe, 'utf8')).toMatch(/^pid=\d+ emitted=3\n$/);
  });

  it.each<[string, string | null, string, string[]]>([
    ['vgi.v2', null, '1.3.0', ['/vgi/vgi.v2/catalog_catalogs', '/vgi/catalog_catalogs']],
    [
      'vgi.v2 and 1.3.0',
      '1.3.0',
      '1.0.0',
      ['/vgi/vgi.v2/catalog_catalogs', '/vgi/catalog_catalogs', '/vgi/catalog_catalogs'],
    ],
  ])(
    'should fall back with auto against a worker that refuses %s, and run at the version it accepts',
    async (_label, refused, spoken, probes) => {
      const proxy = await refusingProxy(pair[0].url, refused);
      try {
        const input = sampleInput(500);
        const result = await runFunction({ urls: [proxy.url], function: 'buffer_input', input });
        expect(result.protocol).toBe(spoken);
        expect(rowsOf(result.output)).toEqual(rowsOf(input));
        expect(proxy.paths.slice(0, probes.length)).toEqual(probes);
        expect(proxy.paths.slice(probes.length).some((p) => p.includes('vgi.v2'))).toBe(false);
        expect(proxy.paths).toContain('/vgi/init/init');
      } finally {
        await proxy.close();
      }
    },
  );
});
