import { IsIn, Min } from 'class-validator';
import {
  BufferingFunction,
  Combine,
  DefinitionError,
  Finalize,
  Inject,
  InitialFinalizeState,
  LOGGER,
  Named,
  OnBind,
  Positional,
  Process,
  StateField,
  TableInput,
  createToken,
  defineModule,
  isSiloError,
  type Logger,
} from '../../../src';
import { createTestingWorker } from '../../../src/testing';

/** Registers the classes and returns the registration error (fails the test if there is none). */
async function problemsOf(...functions: unknown[]): Promise<DefinitionError> {
  const compile = createTestingWorker({ modules: [defineModule({ functions: functions as never })] }).compile();
  await expect(compile).rejects.toBeInstanceOf(DefinitionError);
  return compile.catch((e: DefinitionError) => e) as Promise<DefinitionError>;
}

function lines(error: DefinitionError): string[] {
  return error.message
    .split('\n')
    .slice(1)
    .map((l) => l.replace(/^ {2}- /, ''));
}

/** A valid base: each test breaks exactly one rule. */
class Valid {
  @Process() process() {
    return '';
  }
  @Combine() combine() {
    return [];
  }
  @Finalize() finalize() {}
}

describe('Registration validation', () => {
  it('should report three problems of one class in one error, each with its code', async () => {
    @BufferingFunction({ name: 'three', sinkOrderDependent: true, requiresInputBatchIndex: true, maxWorkers: 0 })
    class Three {
      @Process() process() {}
    }
    const error = await problemsOf(Three);
    expect(error.code).toBe('SILO100');
    expect(error.problems.map((p) => p.code)).toEqual(['SILO101', 'SILO103', 'SILO104']);
    expect(error.message).toBe(
      [
        '[SILO100] Registration failed with 3 problems:',
        '  - [SILO101] "three" (Three): option "maxWorkers" must not be less than 1. Fix the value of "maxWorkers" in @BufferingFunction().',
        '  - [SILO103] "three" (Three): "sinkOrderDependent" and "requiresInputBatchIndex" cannot both be true: a single-threaded sink already orders input, the batch index only matters under parallel ingest. Remove one of them.',
        '  - [SILO104] "three" (Three): has no @Finalize() method; a buffering function needs exactly one (emits output one batch per tick). Add @Finalize() to the method that emits output one batch per tick.',
      ].join('\n'),
    );
    expect(isSiloError(error)).toBe(true);
  });

  it('should reject an unknown option and suggest the closest name (SILO102)', async () => {
    @BufferingFunction({ name: 'typo', maxWorker: 4 } as never)
    class Typo extends Valid {}
    expect(lines(await problemsOf(Typo))).toEqual([
      '[SILO102] "typo" (Typo): @BufferingFunction() has an unknown option "maxWorker". Did you mean "maxWorkers"? Rename or remove it.',
    ]);
  });

  it('should validate option values with class-validator (SILO101)', async () => {
    @BufferingFunction({
      name: 'bad_values',
      categories: ['a', 'a'],
      stability: 'sometimes',
      requiredSecrets: [{ type: ' ' }],
    } as never)
    class BadValues extends Valid {}
    expect(lines(await problemsOf(BadValues))).toEqual([
      '[SILO101] "bad_values" (BadValues): option "categories" must not repeat a value. Fix the value of "categories" in @BufferingFunction().',
      '[SILO101] "bad_values" (BadValues): option "requiredSecrets.0.type" must not be blank. Fix the value of "requiredSecrets.0.type" in @BufferingFunction().',
      '[SILO101] "bad_values" (BadValues): option "stability" must be one of the following values: consistent, volatile, consistentWithinQuery. Fix the value of "stability" in @BufferingFunction().',
    ]);
  });

  it('should reject sinkOrderDependent together with requiresInputBatchIndex (SILO103)', async () => {
    @BufferingFunction({ name: 'both_flags', sinkOrderDependent: true, requiresInputBatchIndex: true })
    class BothFlags extends Valid {}
    expect((await problemsOf(BothFlags)).problems).toEqual([
      {
        code: 'SILO103',
        subject: '"both_flags" (BothFlags)',
        rule: '"sinkOrderDependent" and "requiresInputBatchIndex" cannot both be true: a single-threaded sink already orders input, the batch index only matters under parallel ingest.',
        fix: 'Remove one of them.',
      },
    ]);
  });

  it('should require @Finalize, the one hook without a default (SILO104)', async () => {
    @BufferingFunction({ name: 'hookless' })
    class Hookless {}
    expect(lines(await problemsOf(Hookless))).toEqual([
      '[SILO104] "hookless" (Hookless): has no @Finalize() method; a buffering function needs exactly one (emits output one batch per tick). Add @Finalize() to the method that emits output one batch per tick.',
    ]);
  });

  it('should allow at most one method per hook (SILO105)', async () => {
    @BufferingFunction({ name: 'two_binds' })
    class TwoBinds extends Valid {
      // A bind returning nothing does not compile (at run time it is SILO504); these only need counting.
      // @ts-expect-error -- see above
      @OnBind() a() {}
      // @ts-expect-error -- see above
      @OnBind() b() {}
    }
    expect(lines(await problemsOf(TwoBinds))).toEqual([
      '[SILO105] "two_binds" (TwoBinds): has 2 @OnBind() methods (TwoBinds#a, TwoBinds#b); at most one is allowed. Keep @OnBind() on one method and remove it from the others.',
    ]);
  });

  it('should require hooks to be methods (SILO106)', async () => {
    @BufferingFunction({ name: 'field_hook' })
    class FieldHook {
      // @ts-expect-error -- a hook on a property does not compile; registration catches it in plain JavaScript
      @Process() process = () => '';
      @Combine() combine() {
        return [];
      }
      @Finalize() finalize() {}
    }
    expect(lines(await problemsOf(FieldHook))).toEqual([
      '[SILO106] FieldHook#process: is decorated with @Process() but is not a method. Put the decorator on a method (not a property, arrow function field or accessor).',
    ]);
  });

  it('should require SQL identifiers for function and schema names (SILO107)', async () => {
    @BufferingFunction({ name: 'top-k', schema: 'my schema' })
    class Dashed extends Valid {}
    expect(lines(await problemsOf(Dashed))).toEqual([
      '[SILO107] "top-k" (Dashed): function name "top-k" is not a SQL identifier. Use letters, digits and underscores only, starting with a letter or underscore (for example "top_k").',
      '[SILO107] "top-k" (Dashed): schema name "my schema" is not a SQL identifier. Use letters, digits and underscores only, starting with a letter or underscore (for example "top_k").',
    ]);
  });

  it('should require names to be unique within a schema, but not across schemas (SILO108)', async () => {
    @BufferingFunction({ name: 'twin' })
    class TwinA extends Valid {}
    @BufferingFunction({ name: 'twin' })
    class TwinB extends Valid {}
    @BufferingFunction({ name: 'twin', schema: 'other' })
    class TwinC extends Valid {}
    expect(lines(await problemsOf(TwinA, TwinB, TwinC))).toEqual([
      '[SILO108] "main.twin": is declared by 2 classes (TwinA, TwinB); names must be unique within a schema. Rename one of them or publish it in another schema with the "schema" option.',
    ]);
  });

  it('should allow at most one TABLE input (SILO109)', async () => {
    class TwoTables {
      @TableInput() left!: unknown;
      @TableInput() right!: unknown;
    }
    @BufferingFunction({ name: 'join_all', args: TwoTables })
    class JoinAll extends Valid {}
    expect(lines(await problemsOf(JoinAll))).toEqual([
      '[SILO109] TwoTables: declares 2 TABLE inputs (left, right); a buffering function takes at most one. Keep @TableInput() on one property.',
    ]);
  });

  it('should require contiguous positions with the TABLE input last (SILO110)', async () => {
    class Gap {
      @Positional(0, 'int64') a!: bigint;
      @Positional(2, 'int64') b!: bigint;
    }
    class TableFirst {
      @TableInput({ position: 0 }) data!: unknown;
      @Positional(1, 'int64') k!: bigint;
    }
    @BufferingFunction({ name: 'gap', args: Gap })
    class WithGap extends Valid {}
    @BufferingFunction({ name: 'table_first', args: TableFirst })
    class WithTableFirst extends Valid {}
    expect(lines(await problemsOf(WithGap, WithTableFirst))).toEqual([
      '[SILO110] Gap: positional parameters must have the contiguous positions 0..1, found [0, 2]. Number @Positional() (and @TableInput({ position })) from 0 without gaps or repeats.',
      '[SILO110] TableFirst: the TABLE input must come after every positional scalar parameter (DuckDB places it there on the wire). Give @TableInput() the highest position, or drop its position option.',
    ]);
  });

  it('should reject unknown argument types and defaults that do not fit (SILO111, SILO112)', async () => {
    class Typed {
      // Neither compiles; registration reports them for plain JavaScript.
      // @ts-expect-error -- an unknown type
      @Named('decimal' as never) d!: number;
      // @ts-expect-error -- a default of the wrong type
      @Named('int64', { default: 1.5 }) n!: bigint;
      @Named('utf8', { default: 'all' }) @IsIn(['all', 'new']) mode!: string;
    }
    @BufferingFunction({ name: 'typed', args: Typed })
    class WithTyped extends Valid {}
    expect(lines(await problemsOf(WithTyped))).toEqual([
      "[SILO111] Typed.d: has unknown type \"decimal\". Use one of 'bool', 'int32', 'int64', 'float64', 'utf8', 'binary', or an apache-arrow DataType instance.",
      '[SILO112] Typed.n: has default 1.5, which is not a valid int64 value. Give a default of type int64 (int64 takes a bigint such as 10n or a safe integer).',
    ]);
  });

  it('should require a state class that round-trips its default instance (SILO113)', async () => {
    class Broken {
      @StateField('int64') afterId = 'start' as unknown as bigint;
    }
    @BufferingFunction({ name: 'broken_state', state: Broken })
    class WithBroken extends Valid {}
    expect(lines(await problemsOf(WithBroken))).toEqual([
      '[SILO113] Broken: does not survive serialization: field "afterId" holds string, not int64. Initialize every @StateField() property with a value of its declared type (null is allowed).',
    ]);
  });

  it('should check a state class shared by several functions once, and report it for each of them', async () => {
    let built = 0;
    class Shared {
      @StateField('int64') afterId = (built++, -1n);
    }
    class SharedBroken {
      @StateField('int64') afterId = 'start' as unknown as bigint;
    }
    @BufferingFunction({ name: 'first', state: Shared })
    class First extends Valid {}
    @BufferingFunction({ name: 'second', state: Shared })
    class Second extends Valid {}
    @BufferingFunction({ name: 'third', state: SharedBroken })
    class Third extends Valid {}
    @BufferingFunction({ name: 'fourth', state: SharedBroken })
    class Fourth extends Valid {}
    const problem =
      '[SILO113] SharedBroken: does not survive serialization: field "afterId" holds string, not int64. Initialize every @StateField() property with a value of its declared type (null is allowed).';
    expect(lines(await problemsOf(First, Second, Third, Fourth))).toEqual([problem, problem]);
    // One round trip (the default instance and the one read back), not one per function.
    expect(built).toBe(2);
  });

  it('should require interface-typed constructor parameters to name a token (SILO114)', async () => {
    @BufferingFunction({ name: 'untyped' })
    class Untyped extends Valid {
      constructor(readonly log: Logger) {
        super();
      }
    }
    expect(lines(await problemsOf(Untyped))).toEqual([
      '[SILO114] Untyped constructor parameter 0: has type Object, which has no runtime value (an interface, a type alias or a primitive), so it cannot be injected by type. Inject it by token: add @Inject(TOKEN) to the parameter (for example @Inject(EXECUTION_STORAGE)).',
    ]);
  });

  it('should require every injected token to be provided by a module (SILO115)', async () => {
    const RANKER = createToken<{ rank(): number }>('Ranker');
    @BufferingFunction({ name: 'needs_ranker' })
    class NeedsRanker extends Valid {
      constructor(
        @Inject(RANKER) readonly ranker: unknown,
        @Inject(LOGGER) readonly log: Logger,
      ) {
        super();
      }
    }
    expect(lines(await problemsOf(NeedsRanker))).toEqual([
      '[SILO115] NeedsRanker constructor parameter 0: needs Ranker, which no module provides. Add Ranker to the providers of a module in the worker (defineModule({ providers: [...] })).',
    ]);
    // Provided, the same class registers.
    const module = defineModule({
      functions: [NeedsRanker],
      providers: [{ provide: RANKER, useValue: { rank: () => 1 } }],
    });
    await expect(createTestingWorker({ modules: [module] }).compile()).resolves.toBeDefined();
  });

  it('should reject a class without @BufferingFunction in functions (SILO116)', async () => {
    class Plain extends Valid {}
    expect(lines(await problemsOf(Plain))).toEqual([
      "[SILO116] Plain: is listed in a module's functions but has no @BufferingFunction() decorator. Add @BufferingFunction({ name: ... }) to the class, or move it to providers if it is a service.",
    ]);
  });

  it('should require filterPushdown for autoApplyFilters (SILO117)', async () => {
    @BufferingFunction({ name: 'auto_filters', autoApplyFilters: true })
    class AutoFilters extends Valid {}
    expect(lines(await problemsOf(AutoFilters))).toEqual([
      '[SILO117] "auto_filters" (AutoFilters): "autoApplyFilters" needs "filterPushdown": without it DuckDB sends no filters to apply. Set filterPushdown: true, or remove autoApplyFilters.',
    ]);
  });

  it('should require a state class when @InitialFinalizeState returns a cursor (SILO118)', async () => {
    @BufferingFunction({ name: 'loose_cursor' })
    class LooseCursor extends Valid {
      @InitialFinalizeState() start() {
        return { at: 0 };
      }
    }
    expect(lines(await problemsOf(LooseCursor))).toEqual([
      '[SILO118] "loose_cursor" (LooseCursor): has @InitialFinalizeState() but no "state" class, so the cursor it returns cannot travel between ticks (over HTTP each tick may run in another process). Declare the cursor as a class of @StateField() properties and pass it as the "state" option.',
    ]);
  });

  it('should reject an argument declared twice (SILO119)', async () => {
    class Twice {
      @Named('int64') @Positional(0, 'int64') k!: bigint | null;
    }
    @BufferingFunction({ name: 'twice', args: Twice })
    class WithTwice extends Valid {}
    expect(lines(await problemsOf(WithTwice))).toEqual([
      '[SILO119] Twice.k: is declared 2 times (@Positional(), @Named()). Keep one argument decorator on the property.',
    ]);
  });

  it("should register a subclass that overrides a hook method and keeps its parent's other hooks", async () => {
    @BufferingFunction({ name: 'parent_fn' })
    class ParentFn extends Valid {}
    @BufferingFunction({ name: 'child_fn', description: 'overrides process' })
    class ChildFn extends ParentFn {
      override process() {
        return 'child';
      }
    }
    const worker = await createTestingWorker({ modules: [defineModule({ functions: [ParentFn, ChildFn] })] }).compile();
    expect(worker.registry.require('child_fn').hooks).toEqual({
      process: 'process',
      combine: 'combine',
      finalize: 'finalize',
    });
    expect(worker.registry.require('child_fn').options.description).toBe('overrides process');
  });

  it("should not inherit a parent's options: an undecorated subclass is not a function", async () => {
    @BufferingFunction({ name: 'base_fn' })
    class BaseFn extends Valid {}
    class Sub extends BaseFn {}
    expect((await problemsOf(Sub)).problems.map((p) => p.code)).toEqual(['SILO116']);
  });

  it('should accept a valid function with every option set', async () => {
    class Args {
      @Positional(0, 'int64', { doc: 'rows to keep' }) @Min(1) k!: bigint;
      @TableInput({ doc: 'rows' }) data!: unknown;
      @Named('utf8', { default: 'score' }) by!: string;
    }
    class Cursor {
      @StateField('int64') afterId = -1n;
    }
    @BufferingFunction({
      name: 'full',
      schema: 'analytics',
      description: 'd',
      categories: ['ranking'],
      tags: { owner: 'silo' },
      examples: [{ sql: 'SELECT 1', description: 'one' }],
      args: Args,
      state: Cursor,
      sourceOrderDependent: true,
      requiresInputBatchIndex: true,
      projectionPushdown: true,
      filterPushdown: true,
      autoApplyFilters: true,
      maxWorkers: 8,
      requiredSettings: ['threads'],
      requiredSecrets: [{ type: 's3', scope: 's3://bucket/' }],
      stability: 'volatile',
      cardinality: { estimate: 10, max: 100 },
    })
    class Full extends Valid {}
    const worker = await createTestingWorker({ modules: [defineModule({ functions: [Full] })] }).compile();
    const definition = worker.registry.require('full', 'analytics');
    expect(definition.args.positional.map((a) => [a.name, a.constraints.range])).toEqual([['k', '[1, +inf)']]);
    expect(definition.args.table).toEqual({ propertyKey: 'data', name: 'data', doc: 'rows', position: 1 });
    expect(definition.args.named.map((a) => [a.name, a.defaultValue])).toEqual([['by', 'score']]);
  });
});
