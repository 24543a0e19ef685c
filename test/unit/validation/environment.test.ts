import { BufferingFunction, Process, SiloError } from '../../../src';
import { assertReflectMetadata } from '../../../src/container';
import { checkInjection } from '../../../src/validation/injection.rules';

describe('Environment checks', () => {
  it('should say which import to add when the Reflect metadata API is missing (SILO301)', () => {
    expect(() => assertReflectMetadata({})).toThrow(
      new SiloError(
        'SILO301',
        "The Reflect metadata API is missing, so decorators cannot record anything. Add `import 'reflect-metadata';` as the first line of your worker entry (and install it: npm install reflect-metadata).",
      ),
    );
    expect(() => assertReflectMetadata(Reflect)).not.toThrow();
  });

  it('should say which tsconfig flags to set when constructor metadata is not emitted (SILO302)', () => {
    // What a class compiled without emitDecoratorMetadata looks like: parameters, no design:paramtypes.
    class NoMetadata {
      constructor(readonly a: unknown) {}
    }
    expect(checkInjection(NoMetadata, () => true)).toEqual([
      {
        code: 'SILO302',
        subject: 'NoMetadata',
        rule: 'has constructor parameters but no emitted parameter types, so nothing can be injected.',
        fix: 'Enable "emitDecoratorMetadata": true (and "experimentalDecorators": true) in tsconfig.json compilerOptions; with swc or babel, enable decorator metadata in their config.',
      },
    ]);
  });

  it('should refuse standard (TC39) decorator calls and name the flags to set (SILO303)', () => {
    const standardClassCall = () =>
      (BufferingFunction({ name: 'x' }) as unknown as (v: unknown, c: unknown) => void)(class {}, {
        kind: 'class',
        name: 'X',
      });
    expect(standardClassCall).toThrow(
      '[SILO303] @BufferingFunction() was called as a standard (TC39) decorator. Silo needs legacy decorators: set "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json compilerOptions.',
    );
    const standardMethodCall = () =>
      (Process() as unknown as (v: unknown, c: unknown) => void)(() => 1, { kind: 'method', name: 'p' });
    expect(standardMethodCall).toThrow('[SILO303] @Process() was called as a standard (TC39) decorator.');
  });
});
