import { parseRoute } from '../../../../src/transport/http/http-route';

describe('parseRoute', () => {
  it('should resolve health, unary, stream-open and stream-continue paths under the prefix', () => {
    expect(parseRoute('/vgi/health', '/vgi')).toEqual({ kind: 'health' });
    expect(parseRoute('/vgi/vgi.v2/bind', '/vgi')).toEqual({
      kind: 'rpc',
      protocol: 'vgi.v2',
      method: 'bind',
      action: 'call',
    });
    expect(parseRoute('/vgi/vgi.v2/init/init', '/vgi')).toEqual({
      kind: 'rpc',
      protocol: 'vgi.v2',
      method: 'init',
      action: 'init',
    });
    expect(parseRoute('/vgi/vgi.v2/init/exchange?trace=1', '/vgi')).toEqual({
      kind: 'rpc',
      protocol: 'vgi.v2',
      method: 'init',
      action: 'exchange',
    });
    expect(parseRoute('/vgi/vgi_rpc.Reflection.v1/list_protocols', '/vgi')).toMatchObject({
      protocol: 'vgi_rpc.Reflection.v1',
      method: 'list_protocols',
    });
  });

  it('should resolve generation-A paths, which carry no protocol segment', () => {
    expect(parseRoute('/vgi/catalog_attach', '/vgi')).toEqual({
      kind: 'rpc',
      protocol: null,
      method: 'catalog_attach',
      action: 'call',
    });
    expect(parseRoute('/vgi/init/init', '/vgi')).toEqual({
      kind: 'rpc',
      protocol: null,
      method: 'init',
      action: 'init',
    });
    expect(parseRoute('/vgi/init/exchange', '/vgi')).toEqual({
      kind: 'rpc',
      protocol: null,
      method: 'init',
      action: 'exchange',
    });
    expect(parseRoute('/bind', '')).toEqual({ kind: 'rpc', protocol: null, method: 'bind', action: 'call' });
  });

  it('should collapse repeated slashes, as a client joining "…/vgi/" with "/vgi.v2/bind" sends them', () => {
    expect(parseRoute('//vgi//vgi.v2/bind', '/vgi')).toMatchObject({ method: 'bind', action: 'call' });
  });

  it('should serve at the origin root with an empty prefix', () => {
    expect(parseRoute('/health', '')).toEqual({ kind: 'health' });
    expect(parseRoute('/vgi.v2/catalog_catalogs', '')).toMatchObject({
      protocol: 'vgi.v2',
      method: 'catalog_catalogs',
    });
  });

  it.each([
    ['/other/vgi.v2/bind'],
    ['/vgix/vgi.v2/bind'],
    ['/vgi'],
    ['/vgi/vgi.v2'],
    ['/vgi/vgi.v2/init/finish'],
    ['/vgi/vgi.v2/init/init/extra'],
    ['/vgi/vgi.v2/b%69nd'],
  ])('should not serve %s', (path) => {
    expect(parseRoute(path, '/vgi')).toBeNull();
  });
});
