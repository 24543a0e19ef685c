/**
 * The client's protocol versions on the wire, against scripted workers: what a connection
 * at 1.0.0 or 1.3.0 sends (no routing key, the version's protocol_version, no request id;
 * HTTP paths without the protocol segment; the call token only from 1.3), how `auto` steps
 * down from vgi.v2 while a worker refuses the version, and the error when it refuses all.
 */
import { EMPTY_SCHEMA, field, makeRowsBatch, readIpcStream, schemaOf, wire } from '../../../src/arrow';
import {
  HttpConnection,
  negotiateProtocol,
  NoCommonProtocolError,
  parseProtocolChoice,
  RunConfigurationError,
  WorkerConnection,
  WorkerHttpError,
} from '../../../src/client';
import {
  decodeRequestBytes,
  encodeErrorResponse,
  encodeInitHeader,
  encodeUnaryResponse,
  MetadataKey,
  ProtocolNotSupportedError,
  ProtocolVersionMismatchError,
  type ProtocolSpec,
  type RemoteError,
  ResponseStreamEncoder,
  RESULT_BINARY_SCHEMA,
  VGI_A10_PROTOCOL,
  VGI_A13_PROTOCOL,
  VGI_V2_PROTOCOL,
} from '../../../src/protocol';
import {
  type FakeHttpWorker,
  fakeHttpWorker,
  type ScriptedReply,
  type SeenRequest,
} from '../../fixtures/http/fake-http-worker';
import { fakeChannel } from './fake-worker';

const ctx = { serverId: 'fake', requestId: null };
const OUTPUT = schemaOf([field('x', wire.int64(), true)]);

/** The request a worker received, decoded as the worker decodes it. */
function decoded(bytes: Uint8Array) {
  const result = decodeRequestBytes(bytes);
  if (!result.ok) throw new Error(result.refusal.error.message);
  return result.request;
}

const metadataOf = (bytes: Uint8Array): ReadonlyMap<string, string> => readIpcStream(bytes).batches[0].metadata;

/** How a worker refuses a version it does not speak. */
const refusals = {
  notSupported: () => encodeErrorResponse(EMPTY_SCHEMA, new ProtocolNotSupportedError('vgi.v2', ['vgi.v1']), ctx),
  mismatch: (client: string) =>
    encodeErrorResponse(
      EMPTY_SCHEMA,
      new ProtocolVersionMismatchError(client, '1.0.0', 'server is too old; upgrade the VGI worker.'),
      ctx,
    ),
};

describe('parseProtocolChoice', () => {
  it.each<[string | undefined, ProtocolSpec | 'auto']>([
    [undefined, 'auto'],
    ['auto', 'auto'],
    ['2.0.0', VGI_V2_PROTOCOL],
    ['vgi.v2', VGI_V2_PROTOCOL],
    ['1.3.0', VGI_A13_PROTOCOL],
    [' 1.0.0 ', VGI_A10_PROTOCOL],
  ])('should read %j', (text, expected) => {
    expect(parseProtocolChoice(text)).toBe(expected);
  });

  it('should refuse a version it does not speak, listing those it does', () => {
    expect(() => parseProtocolChoice('1.2.0')).toThrow(RunConfigurationError);
    expect(() => parseProtocolChoice('v2')).toThrow(
      '[SILO603] "v2" is not a protocol version this client speaks. Give one of auto, 2.0.0, vgi.v2, 1.3.0, 1.0.0: auto (the default) asks the worker; ' +
        '2.0.0 (or vgi.v2) is vgi.v2, 1.3.0 and 1.0.0 are wire generation A (the vgi extension from npm speaks 1.0.0).',
    );
  });
});

describe('WorkerConnection at a generation-A version', () => {
  it.each([VGI_A10_PROTOCOL, VGI_A13_PROTOCOL])(
    'should send $version requests without the routing key or a request id, and read $version answers',
    async (protocol) => {
      const { channel, worker } = fakeChannel();
      const conn = new WorkerConnection(channel, { protocol });
      const call = conn.call('catalog_attach', { name: 'example' });
      const bytes = (await worker.requests.readStreamBytes())!;
      const metadata = metadataOf(bytes);
      expect([
        metadata.get(MetadataKey.protocol),
        metadata.get(MetadataKey.protocolVersion),
        metadata.get(MetadataKey.requestId),
      ]).toEqual([undefined, protocol.version, undefined]);
      expect(decoded(bytes).wire).toBe(protocol);
      worker.send(
        encodeUnaryResponse(
          'catalog_attach',
          { attachOpaqueData: Uint8Array.of(4, 2), defaultSchema: 'main' },
          { ...ctx, protocol },
        ),
      );
      const { result } = await call;
      expect([result.attachOpaqueData, result.defaultSchema, result.globalFunctions]).toEqual([
        Uint8Array.of(4, 2),
        'main',
        [],
      ]);
    },
  );
});

describe('negotiateProtocol over a byte channel', () => {
  /** A worker that refuses the versions `refuse` names and lists one catalog in any other. */
  function scripted(refuse: (request: ReturnType<typeof decoded>) => Uint8Array | null) {
    const { channel, worker } = fakeChannel();
    const seen: string[] = [];
    void (async () => {
      for (
        let bytes = await worker.requests.readStreamBytes();
        bytes !== null;
        bytes = await worker.requests.readStreamBytes()
      ) {
        const request = decoded(bytes);
        seen.push(request.wire.version);
        worker.send(
          refuse(request) ??
            encodeUnaryResponse('catalog_catalogs', [{ name: 'legacy' }], { ...ctx, protocol: request.wire }),
        );
      }
    })();
    return { conn: new WorkerConnection(channel), seen };
  }

  it('should speak vgi.v2 to a worker that accepts it, asking nothing else', async () => {
    const { conn, seen } = scripted(() => null);
    const negotiated = await negotiateProtocol(conn, 'auto');
    expect([negotiated.protocol, negotiated.catalogs.map((c) => c.name), negotiated.refused]).toEqual([
      VGI_V2_PROTOCOL,
      ['legacy'],
      [],
    ]);
    expect(seen).toEqual(['2.0.0']);
  });

  it('should fall back to 1.3.0 when the worker refuses vgi.v2 as protocol_not_supported', async () => {
    const { conn, seen } = scripted((r) => (r.wire === VGI_V2_PROTOCOL ? refusals.notSupported() : null));
    const negotiated = await negotiateProtocol(conn, 'auto');
    expect(negotiated.protocol).toBe(VGI_A13_PROTOCOL);
    expect(negotiated.refused.map((a) => [a.protocol.version, (a.error as RemoteError).errorKind])).toEqual([
      ['2.0.0', 'protocol_not_supported'],
    ]);
    expect(seen).toEqual(['2.0.0', '1.3.0']);
  });

  it('should fall back to 1.0.0 when the worker answers 2.0.0 and 1.3.0 with protocol_version_mismatch, as the reference worker does', async () => {
    const { conn, seen } = scripted((r) => (r.wire === VGI_A10_PROTOCOL ? null : refusals.mismatch(r.wire.version)));
    expect((await negotiateProtocol(conn, 'auto')).protocol).toBe(VGI_A10_PROTOCOL);
    expect(seen).toEqual(['2.0.0', '1.3.0', '1.0.0']);
  });

  it('should name what each version answered when the worker speaks none of them (SILO612)', async () => {
    const { conn } = scripted((r) => refusals.mismatch(r.wire.version));
    const error = await negotiateProtocol(conn, 'auto').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoCommonProtocolError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^\[SILO612\] The worker pid 99 \(fake\) speaks none of the protocol versions this client tried; it answered:\n {2}2\.0\.0 \(vgi\.v2\): \[SILO407\] The worker answered with ProtocolVersionError: \[SILO406\] VGI client\/worker protocol_version mismatch\.\n {4}Client: 2\.0\.0\n/,
    );
    expect(message).toContain(
      '\n  1.3.0: [SILO407] The worker answered with ProtocolVersionError: [SILO406] VGI client/worker protocol_version mismatch.\n    Client: 1.3.0\n',
    );
    expect(message).toContain('\n  1.0.0: [SILO407]');
    expect(message).toMatch(
      /\nCheck that this is a VGI worker; Silo workers speak all three versions, .* run the same vgi-silo release on both ends\.$/,
    );
    expect((error as NoCommonProtocolError).attempts.map((a) => a.protocol.version)).toEqual([
      '2.0.0',
      '1.3.0',
      '1.0.0',
    ]);
  });

  it('should say to leave the protocol at auto when the one named is refused', async () => {
    const { conn, seen } = scripted((r) => (r.wire === VGI_A13_PROTOCOL ? refusals.mismatch('1.3.0') : null));
    const error = await negotiateProtocol(conn, VGI_A13_PROTOCOL).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^\[SILO612\] The worker pid 99 \(fake\) speaks not protocol 1\.3\.0; it answered:\n {2}1\.3\.0: /,
    );
    expect((error as Error).message).toMatch(
      /\nLeave the protocol at auto \(runFunction protocol, silo --protocol\), so the client asks the worker which version it speaks, or name that version\.$/,
    );
    expect(seen).toEqual(['1.3.0']);
  });

  it('should raise any other error at once, without trying another version', async () => {
    const { conn, seen } = scripted(() =>
      encodeErrorResponse(RESULT_BINARY_SCHEMA, new RangeError('catalog store is down'), ctx),
    );
    await expect(negotiateProtocol(conn, 'auto')).rejects.toThrow(
      '[SILO407] The worker answered with RangeError: catalog store is down',
    );
    expect(seen).toEqual(['2.0.0']);
  });
});

describe('HttpConnection at a generation-A version', () => {
  let worker: FakeHttpWorker | null = null;
  afterEach(async () => {
    await worker?.close();
    worker = null;
  });

  /** One output stream of a finalize turn, with a state and a call token unless the stream ends. */
  function turn(values: bigint[], token: [string, string] | null): Uint8Array {
    const out = new ResponseStreamEncoder(OUTPUT, ctx);
    const parts = [
      out.start(),
      out.data(
        makeRowsBatch(
          OUTPUT,
          values.map((x) => ({ x })),
        ),
      ),
    ];
    if (token) parts.push(out.stateToken(...token));
    parts.push(out.end());
    return new Uint8Array(Buffer.concat(parts));
  }

  /** A fake HTTP worker of generation A only: 404 on vgi.v2 paths, catalogs and a two-turn stream on the others. */
  async function generationAWorker(): Promise<FakeHttpWorker> {
    let turns = 0;
    return fakeHttpWorker((seen: SeenRequest): ScriptedReply => {
      if (seen.path.startsWith('/vgi/vgi.v2/'))
        return { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'Not Found' };
      if (seen.path === '/vgi/catalog_catalogs')
        return {
          body: encodeUnaryResponse('catalog_catalogs', [{ name: 'legacy' }], {
            ...ctx,
            protocol: decoded(seen.body).wire,
          }),
        };
      if (seen.path === '/vgi/init/init')
        return {
          body: Buffer.concat([
            encodeInitHeader({ executionId: Uint8Array.of(7) }, ctx),
            turn([1n], ['state-1', 'call-1']),
          ]),
        };
      return { body: turns++ === 0 ? turn([2n], ['state-2', 'call-2']) : turn([], null) };
    });
  }

  it('should step down from a 404 on the vgi.v2 path to 1.3.0 on {base}/catalog_catalogs', async () => {
    worker = await generationAWorker();
    const conn = HttpConnection.open(worker.url);
    const negotiated = await negotiateProtocol(conn, 'auto');
    expect(negotiated.protocol).toBe(VGI_A13_PROTOCOL);
    expect(negotiated.refused[0].error).toBeInstanceOf(WorkerHttpError);
    expect(worker.requests.map((r) => r.path)).toEqual(['/vgi/vgi.v2/catalog_catalogs', '/vgi/catalog_catalogs']);
    await conn.close();
  });

  it.each<[string, ProtocolSpec, (string | undefined)[]]>([
    ['1.0.0', VGI_A10_PROTOCOL, [undefined, undefined]],
    ['1.3.0', VGI_A13_PROTOCOL, ['call-1', 'call-2']],
  ])(
    'should run a stream at %s on {base}/init/init and {base}/init/exchange, sending the call token only from 1.3',
    async (_version, protocol, callTokens) => {
      worker = await generationAWorker();
      const conn = HttpConnection.open(worker.url, { protocol });
      const stream = await conn.openInit({
        bindCall: { functionName: 'f' },
        outputSchema: OUTPUT,
        executionId: Uint8Array.of(7),
        phase: 'TABLE_BUFFERING_FINALIZE',
      });
      const values: bigint[] = [];
      for (let batch = await stream.next(); batch !== null; batch = await stream.next())
        values.push(...[...batch.getChild('x')!].map((v) => v as bigint));
      expect(values).toEqual([1n, 2n]);
      expect(worker.requests.map((r) => r.path)).toEqual([
        '/vgi/init/init',
        '/vgi/init/exchange',
        '/vgi/init/exchange',
      ]);
      const init = decoded(worker.requests[0].body);
      expect([init.wire, init.requestId]).toEqual([protocol, null]);
      const continuations = worker.requests.slice(1).map((r) => metadataOf(r.body));
      expect(continuations.map((m) => m.get(MetadataKey.streamState))).toEqual(['state-1', 'state-2']);
      expect(continuations.map((m) => m.get(MetadataKey.callState))).toEqual(callTokens);
      await conn.close();
    },
  );
});
