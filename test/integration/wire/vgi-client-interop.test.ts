/**
 * Interoperability with the vendor's TypeScript client (vgi-wire §9.1): `VgiClient` from
 * `@query-farm/vgi` 0.36.1 over `pipeConnect` of `@query-farm/vgi-rpc` 0.25.4 attaches to a
 * Silo conformance worker on stdio and lists its functions. The client bootstraps from
 * `vgi_rpc.Reflection.v1` and builds every request from the advertised parameter schemas,
 * so this also proves the reflection answers. It runs in its own Node process: the
 * packages are ES modules only.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONFORMANCE_MAIN, sharedEnvironment, type SharedEnvironment } from '../../fixtures/wire/wire-driver';

const PROBE = join(__dirname, '..', '..', 'fixtures', 'wire', 'vgi-client-probe.mjs');
const REGISTER = join(__dirname, '..', '..', 'support', 'register-ts.js');

interface ProbeReport {
  readonly catalogs: string[];
  readonly attach: { attachOpaqueDataLength: number; catalogVersion: unknown; defaultSchema: string };
  readonly schemas: { path: string[] }[];
  readonly functions: {
    name: string;
    function_type: string;
    has_finalize: boolean;
    description: string;
    supports_batch_index: boolean;
    requires_input_batch_index: boolean;
    categories: string[];
  }[];
  readonly exit: { code: number | null; signal: string | null };
}

describe('VgiClient (@query-farm/vgi) against a Silo worker', () => {
  let shared: SharedEnvironment;
  let report: ProbeReport;

  beforeAll(async () => {
    shared = sharedEnvironment();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [PROBE, process.execPath, '-r', REGISTER, CONFORMANCE_MAIN],
      { env: shared.env, timeout: 20_000 },
    );
    report = JSON.parse(stdout) as ProbeReport;
  });

  afterAll(() => shared.dispose());

  it('should list the catalog, attach it and list its schemas', () => {
    expect(report.catalogs).toEqual(['example']);
    expect(report.attach).toEqual({ attachOpaqueDataLength: 23, catalogVersion: 1, defaultSchema: 'main' });
    expect(report.schemas).toEqual([{ path: ['main'] }, { path: ['data'] }]);
  });

  it('should see every function as TABLE_BUFFERING with a finalize phase and its declared metadata', () => {
    expect(report.functions).toHaveLength(20);
    for (const f of report.functions)
      expect([f.name, f.function_type, f.has_finalize]).toEqual([f.name, 'TABLE_BUFFERING', true]);
    const byName = new Map(report.functions.map((f) => [f.name, f]));
    expect(byName.get('buffer_input')).toMatchObject({
      description: 'Collects all input batches and emits during finalization',
      categories: ['utility', 'buffer'],
    });
    expect(byName.get('batch_index_buffer_input')).toMatchObject({
      supports_batch_index: true,
      requires_input_batch_index: true,
    });
    expect(byName.get('buffer_emit_wide')?.description).toBe(
      'Emit a single finalize batch of N rows (vector-size repro)',
    );
  });

  it('should leave the worker to exit 0 when the client closes its stdin', () => {
    expect(report.exit).toEqual({ code: 0, signal: null });
  });
});
