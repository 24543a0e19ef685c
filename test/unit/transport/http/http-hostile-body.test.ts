/**
 * An HTTP worker in-process under a hostile body: the 464-byte catalog_catalogs request
 * whose flatbuffer claims 2^31 - 1 metadata entries is answered 400 with the framing error
 * at once, and the worker answers the next request.
 */
import 'reflect-metadata';
import { LOGGER, MemoryLogger, MemoryStorage, STORAGE, bootstrapWorker, type SiloWorker } from '../../../../src';
import { encodeRequest, MetadataKey } from '../../../../src/protocol';
import { listenHttp, type HttpWorkerServer } from '../../../../src/transport';
import { httpSettingsFromEnv } from '../../../../src/transport/http/http-settings';
import { ConformanceModule } from '../../../../samples/conformance/conformance.module';
import { readStreams, send } from '../../../fixtures/http/http-driver';
import { SLOT, StreamPositions, withUint32 } from '../../../fixtures/wire/flatbuffer-positions';

describe('the HTTP transport under a hostile body', () => {
  let worker: SiloWorker;
  let server: HttpWorkerServer;

  beforeAll(async () => {
    worker = await bootstrapWorker({
      catalog: 'example',
      modules: [ConformanceModule],
      providers: [
        { provide: STORAGE, useValue: new MemoryStorage() },
        { provide: LOGGER, useValue: new MemoryLogger('error') },
      ],
    });
    server = await listenHttp(worker, {
      port: 0,
      host: '127.0.0.1',
      prefix: '/vgi',
      settings: httpSettingsFromEnv({}),
    });
  });

  afterAll(async () => {
    await server.close();
    await worker.close();
  });

  it('should answer a body whose metadata vector claims 2^31 - 1 entries with 400 and SILO413, then serve on', async () => {
    const request = encodeRequest('catalog_catalogs', {}, { requestId: 'a1b2c3d4' });
    const positions = new StreamPositions(request);
    const [, batch] = positions.messages();
    const hostile = withUint32(request, positions.vectorLength(batch.table, SLOT.message.customMetadata), 0x7fffffff);
    expect(hostile.length).toBe(464);
    const refused = await send(`${server.url}/vgi.v2/catalog_catalogs`, hostile);
    const [stream] = await readStreams(refused.body);
    expect(refused.status).toBe(400);
    expect(stream.batches[0].metadata.get(MetadataKey.logMessage)).toMatch(
      /^ProtocolError: \[SILO401\] The request body is not an Arrow IPC stream: \[SILO413\] Malformed Arrow IPC message at byte \d+: request body: Message\.custom_metadata declares 2147483647 elements/,
    );
    const next = await send(`${server.url}/vgi.v2/catalog_catalogs`, request);
    expect(next.status).toBe(200);
  });
});
