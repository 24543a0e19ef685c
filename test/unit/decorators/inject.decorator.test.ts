/**
 * `@Inject(token)` checks the token's type against the constructor parameter it
 * decorates, and `@Injectable()` takes no options, so no class can be registered on the
 * global container. The compile-time half is pinned by compiling small classes against
 * the package's own types.
 */
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Injectable } from '../../../src';
import { ROOT, typeCheck } from '../../support/typescript-snippets';

const caseFile = (name: string) => path.join(ROOT, `test/unit/decorators/__inject_${name}__.ts`);

const HEADER = `
import { CLOCK, EXECUTION_STORAGE, Inject, Injectable, LOGGER, createToken,
  type BoundStorage, type Clock, type Logger, type Token } from 'vgi-silo';
export class Ranker { rank(): number { return 1; } }
export const RANKER: Token<Ranker> = createToken<Ranker>('Ranker');
`;

function diagnosticsOf(cases: Readonly<Record<string, string>>): Record<string, string[]> {
  const byFile = typeCheck(
    Object.fromEntries(Object.entries(cases).map(([name, body]) => [caseFile(name), HEADER + body])),
  );
  return Object.fromEntries(Object.keys(cases).map((name) => [name, byFile[path.resolve(caseFile(name))]]));
}

const MISMATCH = 'the token provides a type this constructor parameter does not accept';

const CASES = {
  matching: `
@Injectable()
export class Service {
  constructor(
    @Inject(EXECUTION_STORAGE) readonly storage: BoundStorage,
    @Inject(LOGGER) readonly log: Logger,
    @Inject(CLOCK) readonly clock: Clock,
    @Inject(RANKER) readonly ranker: Ranker,
    @Inject(Ranker) readonly byClass: Ranker,
    @Inject(RANKER) readonly loose: unknown,
    @Inject(LOGGER) readonly maybe: Logger | undefined,
  ) {}
}`,
  wrongToken: `
export class Swapped { constructor(@Inject(LOGGER) readonly clock: Clock) {} }`,
  wrongLaterParameter: `
export class Later { constructor(@Inject(CLOCK) readonly clock: Clock, @Inject(EXECUTION_STORAGE) readonly ranker: Ranker) {} }`,
  wrongClass: `
export class Other { constructor(@Inject(Ranker) readonly log: Logger) {} }`,
  methodParameter: `
export class Method { run(@Inject(LOGGER) log: Logger): Logger { return log; } }`,
  notAToken: `
export class Plain { constructor(@Inject('logger') readonly log: Logger) {} }`,
  injectableWithToken: `
@Injectable({ token: RANKER })
export class Registered {}`,
};

describe('Inject and Injectable', () => {
  const diagnostics = diagnosticsOf(CASES);

  it('should compile tokens and classes whose type fits the parameter', () => {
    expect(diagnostics.matching).toEqual([]);
  });

  it('should refuse a token whose type does not fit the parameter', () => {
    expect(diagnostics.wrongToken.join('\n')).toContain(MISMATCH);
    expect(diagnostics.wrongToken.join('\n')).toContain('{ provided: Logger; parameter: Clock; }');
    expect(diagnostics.wrongToken.join('\n')).toMatch(/TS1239/);
  });

  it('should check each parameter against its own position', () => {
    expect(diagnostics.wrongLaterParameter).toHaveLength(1);
    expect(diagnostics.wrongLaterParameter[0]).toContain(MISMATCH);
  });

  it('should refuse a class token of another type', () => {
    expect(diagnostics.wrongClass.join('\n')).toContain(MISMATCH);
  });

  it('should refuse @Inject on a method parameter, which the container never fills', () => {
    expect(diagnostics.methodParameter.join('\n')).toMatch(/TS1239/);
  });

  it('should refuse a string token, which carries no type', () => {
    expect(diagnostics.notAToken.join('\n')).toMatch(/TS2345/);
  });

  it('should refuse options to @Injectable() at compile time', () => {
    expect(diagnostics.injectableWithToken.join('\n')).toMatch(/TS2554: Expected 0 arguments, but got 1/);
  });

  it('should refuse options to Injectable() from plain JavaScript, before anything is registered', () => {
    const fromJavaScript = Injectable as unknown as (options: unknown) => unknown;
    expect(() => fromJavaScript({ token: Symbol('global') })).toThrow('[SILO124] @Injectable() takes no options');
  });
});
