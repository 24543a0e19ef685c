import { field, schemaOf, wire } from '../../../../src/arrow';
import { describeFunction, RunConfigurationError, WorkerConnection } from '../../../../src/client';
import { bindFunction } from '../../../../src/client/run/bind-call';
import {
  type BindRequest,
  decodeFunctionInfo,
  decodeRequestBytes,
  encodeFunctionInfo,
  encodeUnaryResponse,
} from '../../../../src/protocol';
import { fakeChannel } from '../fake-worker';

const ctx = { serverId: 'fake', requestId: null };
const INPUT = schemaOf([field('path', wire.utf8(), true)]);
const fn = describeFunction(
  decodeFunctionInfo(
    encodeFunctionInfo({
      name: 'read_s3',
      arguments: [{ name: 'data', kind: 'table' }],
      requiredSettings: ['threads'],
    }),
  ),
);
const secrets = [
  { name: 'wide', type: 's3', scope: ['s3://'], values: { key_id: 'A' } },
  { name: 'narrow', type: 's3', scope: ['s3://bucket/'], values: { key_id: 'B' } },
];

async function nextBind(worker: ReturnType<typeof fakeChannel>['worker']): Promise<BindRequest> {
  const decoded = decodeRequestBytes((await worker.requests.readStreamBytes())!);
  if (!decoded.ok || decoded.request.method !== 'bind') throw new Error('expected a bind request');
  return decoded.request.params as BindRequest;
}

describe('bindFunction', () => {
  it('should bind twice when the first answer asks for a scoped secret, sending the best match the second time', async () => {
    const { channel, worker } = fakeChannel();
    const conn = new WorkerConnection(channel);
    const bound = bindFunction(conn, {
      fn,
      arguments: { positional: [], named: {}, types: { positional: [], named: {} } },
      inputSchema: INPUT,
      attachOpaqueData: Uint8Array.of(1),
      settings: { threads: 4 },
      secrets,
    });

    const first = await nextBind(worker);
    expect(first.resolvedSecretsProvided).toBe(false);
    expect(first.secrets).toEqual([]);
    expect(first.settings).toEqual({ threads: 4n });
    expect(first.functionType).toBe('TABLE');
    worker.send(
      encodeUnaryResponse(
        'bind',
        { outputSchema: INPUT, lookupSecretTypes: ['s3'], lookupScopes: ['s3://bucket/x.parquet'], lookupNames: [''] },
        ctx,
      ),
    );

    const second = await nextBind(worker);
    expect(second.resolvedSecretsProvided).toBe(true);
    expect(second.secrets.map((s) => [s.column, s.type, s.scope, s.values])).toEqual([
      ['narrow', 's3', ['s3://bucket/'], { key_id: 'B' }],
    ]);
    worker.send(encodeUnaryResponse('bind', { outputSchema: INPUT, opaqueData: Uint8Array.of(9) }, ctx));

    const { bindCall, response } = await bound;
    expect(response.opaqueData).toEqual(Uint8Array.of(9));
    // InitRequest.bind_call is the final bind request, byte for byte.
    expect(bindCall).toEqual(second.bytes);
  });

  it('should refuse a lookup no given secret satisfies, and a missing required setting', async () => {
    const { channel, worker } = fakeChannel();
    const conn = new WorkerConnection(channel);
    const args = { positional: [], named: {}, types: { positional: [], named: {} } };
    const bound = bindFunction(conn, {
      fn,
      arguments: args,
      inputSchema: INPUT,
      attachOpaqueData: Uint8Array.of(1),
      settings: { threads: 4 },
      secrets,
    });
    await nextBind(worker);
    worker.send(
      encodeUnaryResponse(
        'bind',
        { outputSchema: INPUT, lookupSecretTypes: ['gcs'], lookupScopes: ['gs://b/'], lookupNames: [''] },
        ctx,
      ),
    );
    await expect(bound).rejects.toThrow(
      new RunConfigurationError(
        'read_s3() needs a "gcs" secret for scope "gs://b/", and none was given. Pass it in the run\'s secrets (name, type, scope, values).',
      ),
    );

    await expect(
      bindFunction(conn, { fn, arguments: args, inputSchema: INPUT, attachOpaqueData: Uint8Array.of(1) }),
    ).rejects.toThrow(
      "[SILO603] read_s3() reads the DuckDB setting(s) threads; pass a value for each in the run's settings.",
    );
  });
});
