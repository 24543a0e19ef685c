import { BearerAuthenticator } from '../../../../src/transport/http/bearer-auth';

describe('BearerAuthenticator', () => {
  it('should let everyone in as the anonymous caller when no token is configured', () => {
    const auth = new BearerAuthenticator([]);
    expect(auth.enabled).toBe(false);
    expect(auth.authenticate(undefined)).toEqual({ ok: true, principal: '' });
  });

  it('should accept each configured token, naming a stable principal that is not the token', () => {
    const auth = new BearerAuthenticator(['alpha-1', 'beta-2']);
    const a = auth.authenticate('Bearer alpha-1');
    const b = auth.authenticate('bearer   beta-2 ');
    expect([a.ok, b.ok]).toEqual([true, true]);
    const [pa, pb] = [a, b].map((o) => (o.ok ? o.principal : ''));
    expect(pa).toMatch(/^[0-9a-f]{16}$/);
    expect(pa).not.toBe(pb);
    expect(auth.authenticate('Bearer alpha-1')).toEqual(a);
    expect(pa).not.toContain('alpha');
  });

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['Basic YWxwaGEtMQ==', 'malformed'],
    ['Bearer', 'malformed'],
    ['Bearer alpha-1 extra', 'malformed'],
    ['Bearer alpha-2', 'invalid'],
    ['Bearer alpha-1x', 'invalid'],
  ])('should refuse %j as %s', (header, reason) => {
    expect(new BearerAuthenticator(['alpha-1']).authenticate(header)).toEqual({ ok: false, reason });
  });
});
