import { deserializeSchema, readIpcStream, readRow } from '../../../src/arrow';
import {
  decodeUnaryResponseBytes,
  encodeUnaryResponse,
  ErrorKind,
  methodSpec,
  VGI_V2_PROTOCOL,
  WireProtocolError,
} from '../../../src/protocol';
import { renderWireSchema } from './schema-notation';

const ctx = { serverId: 'srv-1', requestId: null };

describe('vgi_rpc.Reflection.v1', () => {
  it('should list vgi.v2 first, with its version, a SHA-256 hash and request_version "1"', () => {
    const list = decodeUnaryResponseBytes(
      'list_protocols',
      encodeUnaryResponse('list_protocols', { serverId: 'srv-1', serverVersion: '0.1.0' }, ctx),
    ).result;
    expect(list.serverId).toBe('srv-1');
    expect(list.requestVersion).toBe('1');
    expect(list.protocols.map((p) => [p.protocol, p.protocolVersion])).toEqual([
      ['vgi.v2', '2.0.0'],
      ['vgi_rpc.Reflection.v1', ''],
    ]);
    expect(list.protocols[0].protocolHash).toMatch(/^[0-9a-f]{64}$/);
    expect(list.protocols.find((p) => !p.protocol.startsWith('vgi_rpc.'))!.protocol).toBe('vgi.v2');
  });

  it('should describe every vgi.v2 method with the params schema the decoder validates against', () => {
    const description = decodeUnaryResponseBytes('describe', encodeUnaryResponse('describe', 'vgi.v2', ctx)).result;
    expect(description.methods.map((m) => m.name)).toEqual([...VGI_V2_PROTOCOL.methods.keys()].sort());
    for (const m of description.methods) {
      const spec = methodSpec(m.name as never);
      expect(renderWireSchema(deserializeSchema(m.paramsSchemaIpc))).toEqual(renderWireSchema(spec.params));
    }
    const bind = description.methods.find((m) => m.name === 'bind')!;
    expect([bind.methodType, bind.hasReturn, bind.hasHeader, bind.streamKind, bind.idempotency]).toEqual([
      'unary',
      true,
      false,
      '',
      'unknown',
    ]);
    expect(renderWireSchema(deserializeSchema(bind.resultSchemaIpc))).toEqual(['result:binary!']);
    const init = description.methods.find((m) => m.name === 'init')!;
    expect([init.methodType, init.hasReturn, init.hasHeader, init.streamKind, init.resultSchemaIpc.length]).toEqual([
      'stream',
      false,
      true,
      'exchange',
      0,
    ]);
    expect(renderWireSchema(deserializeSchema(init.headerSchemaIpc))).toEqual([
      'execution_id:binary!',
      'opaque_data:binary?',
      'max_workers:int64!',
    ]);
    const commit = description.methods.find((m) => m.name === 'catalog_transaction_commit')!;
    expect([commit.hasReturn, commit.resultSchemaIpc.length]).toEqual([false, 0]);
    const catalogs = description.methods.find((m) => m.name === 'catalog_catalogs')!;
    expect(deserializeSchema(catalogs.paramsSchemaIpc).fields).toHaveLength(0);
  });

  it('should refuse to describe a protocol it does not host', () => {
    let error: unknown;
    try {
      encodeUnaryResponse('describe', 'vgi.v3', ctx);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WireProtocolError);
    expect((error as WireProtocolError).errorKind).toBe(ErrorKind.protocolNotSupported);
  });

  it('should nest its result in result: binary! like every record method', () => {
    const { schema, batches } = readIpcStream(encodeUnaryResponse('describe', 'vgi_rpc.Reflection.v1', ctx));
    expect(renderWireSchema(schema)).toEqual(['result:binary!']);
    const nested = readIpcStream(readRow(batches[0]).result as Uint8Array);
    expect(readRow(nested.batches[0]).protocol).toBe('vgi_rpc.Reflection.v1');
  });
});
