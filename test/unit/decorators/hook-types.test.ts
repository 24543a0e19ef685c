/**
 * The compiler is the first check of a function's shape: hook parameters against the
 * `args` and `state` classes, the order of a hook's parameters, and the property type of
 * each declared argument or state field. These tests compile small functions against
 * the package's own types and pin the diagnostics a user sees.
 */
import * as path from 'node:path';
import { ROOT, typeCheck } from '../../support/typescript-snippets';

/** Each case is a virtual file beside this test, so 'vgi-silo' resolves as in the repository. */
const caseFile = (name: string) => path.join(ROOT, `test/unit/decorators/__${name}__.ts`);

const HEADER = `
import type { RecordBatch } from 'apache-arrow';
import { BufferingFunction, Finalize, Named, Positional, Process, StateField, TableInput,
  type FinalizeContext, type Output, type SinkContext } from 'vgi-silo';
export class Args {
  @Positional(0, 'int64') k!: bigint;
  @TableInput() data!: unknown;
  @Named('utf8', { default: 'score' }) by!: string;
}
export class Cursor { @StateField('int64') afterId = -1n; }
export class Other { @StateField('utf8') name = ''; }
`;

/** Each case's diagnostics, all cases type-checked in one program. */
function diagnosticsOf(cases: Readonly<Record<string, string>>): Record<string, string[]> {
  const byFile = typeCheck(
    Object.fromEntries(Object.entries(cases).map(([name, body]) => [caseFile(name), HEADER + body])),
  );
  return Object.fromEntries(Object.keys(cases).map((name) => [name, byFile[path.resolve(caseFile(name))]]));
}

const CASES = {
  valid: `
@BufferingFunction({ name: 'ok', args: Args, state: Cursor })
export class Ok {
  @Process() process(batch: RecordBatch, ctx: SinkContext<Args>) { return ctx.executionId; }
  @Finalize() finalize(state: Cursor, out: Output, ctx: FinalizeContext<Args>) { if (ctx.args.k > state.afterId) out.finish(); }
}`,
  wrongState: `
@BufferingFunction({ name: 'wrong_state', args: Args, state: Cursor })
export class WrongState {
  @Finalize() finalize(state: Other, out: Output) { out.finish(); }
}`,
  wrongArgs: `
@BufferingFunction({ name: 'wrong_args', args: Args, state: Cursor })
export class WrongArgs {
  @Process() process(batch: RecordBatch, ctx: SinkContext<Other>) { return ctx.executionId; }
  @Finalize() finalize(state: Cursor, out: Output) { out.finish(); }
}`,
  oldShape: `
@BufferingFunction({ name: 'old_shape', state: Cursor })
export class OldShape {
  @Finalize() finalize(ctx: FinalizeContext, fid: Uint8Array, state: Cursor, out: Output) { out.finish(); }
}`,
  wrongTag: `
export class BadArgs { @Positional(0, 'int64') k!: number; }`,
  nullable: `
export class MaybeArgs { @Named('utf8') column!: string; }`,
  wrongDefault: `
export class DefaultArgs { @Named('int64', { default: 4 }) partitions!: bigint; }`,
  wrongStateTag: `
export class BadCursor { @StateField('utf8') afterId = -1n; }`,
};

describe('Typed decorators', () => {
  let results: Record<keyof typeof CASES, string[]>;
  beforeAll(() => {
    results = diagnosticsOf(CASES) as typeof results;
  }, 120_000);

  it('should compile a function whose hooks fit its args and state', () => {
    expect(results.valid).toEqual([]);
  });

  it('should refuse a finalize whose state parameter is not the state class', () => {
    expect(results.wrongState).toHaveLength(1);
    expect(results.wrongState[0]).toContain(
      'TS1238: Unable to resolve signature of class decorator when called as an expression.',
    );
    expect(results.wrongState[0]).toContain("The types of 'finalize' are incompatible between these types.");
    expect(results.wrongState[0]).toContain("Types of parameters 'state' and 'state' are incompatible.");
  });

  it('should refuse a hook whose context is typed with another arguments class', () => {
    expect(results.wrongArgs).toHaveLength(1);
    expect(results.wrongArgs[0]).toContain("The types of 'process' are incompatible between these types.");
    expect(results.wrongArgs[0]).toContain("Types of parameters 'ctx' and 'ctx' are incompatible.");
  });

  it('should refuse a finalize with the parameters of the earlier (ctx, fid, state, out) order', () => {
    // Both the method decorator and the class decorator refuse it.
    expect(results.oldShape).toHaveLength(2);
    const [byClass, byMethod] = results.oldShape;
    expect(byClass).toContain('TS1238: Unable to resolve signature of class decorator when called as an expression.');
    expect(byMethod).toContain('TS1241: Unable to resolve signature of method decorator when called as an expression.');
    expect(byMethod).toContain("is not assignable to parameter of type 'TypedPropertyDescriptor<FinalizeHook>'.");
    expect(byMethod).toContain('Target signature provides too few arguments. Expected 4 or more, but got 3.');
  });

  it('should refuse an argument whose property type does not hold its declared type', () => {
    expect(results.wrongTag).toEqual([
      [
        'TS1240: Unable to resolve signature of property decorator when called as an expression.',
        "  Argument of type 'BadArgs' is not assignable to parameter of type '{ k?: bigint | null | undefined; }'.",
        "    Types of property 'k' are incompatible.",
        "      Type 'number' is not assignable to type 'bigint'.",
      ].join('\n'),
    ]);
    expect(results.wrongStateTag.join('\n')).toContain("Type 'bigint' is not assignable to type 'string'.");
  });

  it('should refuse a non-null property for a named argument that is null when omitted', () => {
    expect(results.nullable).toHaveLength(1);
    expect(results.nullable[0]).toContain(
      'column: a @Named() argument without a default or { required: true } is null when the caller omits it; type it T | null, or give it a default or required: true',
    );
  });

  it('should refuse a default that is not of the declared type', () => {
    expect(results.wrongDefault.join('\n')).toContain("TS2322: Type 'number' is not assignable to type 'bigint'.");
  });
});
