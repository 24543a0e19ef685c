import 'reflect-metadata';
import { currentClientLog, runInCall } from '../../../src/container/call-scope';
import { rehearseRequestPath } from '../../../src/cli/snapshot-rehearsal';

describe('the request path rehearsal of silo snapshot', () => {
  it('should run its query to the end in every protocol version, then leave call scopes working', async () => {
    // It throws when a query returns other than its input, in any of 1.0.0, 1.3.0 and 2.0.0.
    const report = await rehearseRequestPath();
    expect(report.protocols).toEqual(['1.0.0', '1.3.0', '2.0.0']);
    expect(report.ms).toBeGreaterThan(0);
    // It turned async-context tracking off (a snapshot cannot be taken with it on); the next call turns it on.
    const sink = () => undefined;
    await runInCall(sink, async () => {
      await Promise.resolve();
      expect(currentClientLog()).toBe(sink);
    });
  }, 30_000);
});
