import { RecordBatch } from 'apache-arrow';
import {
  type BufferingFunctionOptions,
  BUFFERING_FUNCTION_OPTION_NAMES,
} from '../definition/buffering-function.options';
import { type DefinitionProblem, messages } from '../errors';
import { type Constructor, type HookKind, metadataReader } from '../metadata';
import { DESIGN_PARAM_TYPES_KEY } from '../metadata/metadata.keys';
import { type FunctionDefinition, describeFunction, resolveOptions } from '../definition/function-definition';
import { compileArguments } from './arguments.rules';
import { checkInjection, type IsProvided } from './injection.rules';
import { isSqlIdentifier, validateOptions } from './options.schema';
import { compileState } from './state.rules';

const REQUIRED_HOOKS: ReadonlyArray<[HookKind, string, string]> = [
  ['finalize', '@Finalize()', 'emits output one batch per tick'],
];
const OPTIONAL_HOOKS: ReadonlyArray<[HookKind, string]> = [
  ['process', '@Process()'],
  ['combine', '@Combine()'],
  ['initialFinalizeState', '@InitialFinalizeState()'],
  ['onCancel', '@OnCancel()'],
  ['onBind', '@OnBind()'],
];

/** Closest known option name, for "did you mean" hints (edit distance ≤ 3). */
function suggest(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const known of BUFFERING_FUNCTION_OPTION_NAMES) {
    const d = distance(name.toLowerCase(), known.toLowerCase());
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

function checkOptions(subject: string, options: Record<string, unknown>): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  for (const key of Object.keys(options)) {
    if (!(BUFFERING_FUNCTION_OPTION_NAMES as readonly string[]).includes(key))
      problems.push(messages.unknownOption(subject, key, suggest(key)));
  }
  for (const v of validateOptions(options)) problems.push(messages.invalidOption(subject, v.option, v.constraint));
  if (typeof options.name === 'string' && !isSqlIdentifier(options.name))
    problems.push(messages.invalidName(subject, 'function name', options.name));
  if (typeof options.schema === 'string' && !isSqlIdentifier(options.schema))
    problems.push(messages.invalidName(subject, 'schema name', options.schema));
  if (options.sinkOrderDependent === true && options.requiresInputBatchIndex === true)
    problems.push(messages.exclusiveFlags(subject));
  if (options.autoApplyFilters === true && options.filterPushdown !== true)
    problems.push(messages.filtersNeedPushdown(subject));
  for (const key of ['args', 'state'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function')
      problems.push(messages.invalidOption(subject, key, 'must be a class'));
  }
  return problems;
}

/** Each hook's parameters: own inputs first, the context last. */
const HOOK_SHAPES: Readonly<Record<HookKind, { readonly shape: string; readonly params: readonly string[] }>> = {
  process: { shape: 'process(batch: RecordBatch, ctx: SinkContext<Args>)', params: ['batch', 'ctx'] },
  combine: { shape: 'combine(stateIds: Uint8Array[], ctx: SinkContext<Args>)', params: ['stateIds', 'ctx'] },
  finalize: {
    shape: 'finalize(state: State, out: Output, ctx: FinalizeContext<Args>)',
    params: ['state', 'out', 'ctx'],
  },
  initialFinalizeState: { shape: 'initialFinalizeState(ctx: FinalizeContext<Args>)', params: ['ctx'] },
  onCancel: { shape: 'onCancel(state: State, ctx: FinalizeContext<Args>)', params: ['state', 'ctx'] },
  onBind: { shape: 'bind(ctx: BindContext<Args>)', params: ['ctx'] },
};

/**
 * Parameters that carry a class instance the framework passes, by position; the rest are
 * interfaces (recorded as Object). A recorded class matches by identity (a bundler such as
 * `silo snapshot`'s may rename it, e.g. to `_RecordBatch`) or by name (another copy of
 * apache-arrow).
 */
const CLASS_PARAMS: Partial<Record<HookKind, ReadonlyArray<{ readonly name: string } | undefined>>> = {
  process: [RecordBatch],
  combine: [Array],
};

/**
 * The compiler checks hook shapes (the decorators are typed); this checks code it did
 * not see, and code written for an earlier release, where finalize took
 * `(ctx, finalizeStateId, state, out)`: too many parameters, or a parameter whose
 * recorded class (`design:paramtypes`) cannot be what the framework passes there.
 */
function checkHookShape(
  target: Constructor,
  kind: HookKind,
  key: string | symbol,
  decorator: string,
  stateClass: unknown,
): DefinitionProblem | undefined {
  const member = `${target.name}#${String(key)}`;
  const method = (target.prototype as Record<string | symbol, unknown>)[key];
  const { shape, params } = HOOK_SHAPES[kind];
  if (typeof method === 'function' && method.length > params.length) {
    return messages.hookParameterShape(
      member,
      decorator,
      `takes ${method.length} parameters where the hook receives ${params.length} (${params.join(', ')})`,
      shape,
    );
  }
  const types = (Reflect.getMetadata?.(DESIGN_PARAM_TYPES_KEY, target.prototype as object, key as string) ??
    []) as unknown[];
  for (let i = 0; i < Math.min(types.length, params.length); i++) {
    const t = types[i];
    // Object and Function say nothing: tsc records an interface as Object, and a class imported with `import type` as Function.
    if (typeof t !== 'function' || t === Object || t === Function) continue;
    const name = (t as { name: string }).name;
    const isState = params[i] === 'state';
    if (
      isState &&
      typeof stateClass === 'function' &&
      (t === stateClass || (stateClass as { prototype: object }).prototype instanceof t)
    )
      continue;
    const passed = CLASS_PARAMS[kind]?.[i];
    if (!isState && passed !== undefined && (t === passed || name === passed.name)) continue;
    const receives = isState
      ? typeof stateClass === 'function'
        ? `the state (${(stateClass as { name: string }).name})`
        : 'the state'
      : `the ${params[i]}`;
    return messages.hookParameterShape(
      member,
      decorator,
      `its parameter ${i + 1} is typed ${name}, where the hook receives ${receives}`,
      shape,
    );
  }
  return undefined;
}

function checkHooks(
  target: Constructor,
  subject: string,
  stateClass: unknown,
): { hooks: Partial<Record<HookKind, string | symbol>>; problems: DefinitionProblem[] } {
  const problems: DefinitionProblem[] = [];
  const hooks: Partial<Record<HookKind, string | symbol>> = {};
  const effective = metadataReader.effectiveHooks(target);
  const member = (key: string | symbol) => `${target.name}#${String(key)}`;
  for (const h of effective) if (!h.isMethod) problems.push(messages.hookNotMethod(member(h.propertyKey), h.decorator));
  const check = (kind: HookKind, decorator: string, role?: string) => {
    const found = effective.filter((h) => h.kind === kind);
    if (found.length === 0 && role) problems.push(messages.missingHook(subject, decorator, role));
    if (found.length > 1)
      problems.push(
        messages.duplicateHook(
          subject,
          decorator,
          found.map((h) => member(h.propertyKey)),
        ),
      );
    if (found.length === 1) {
      hooks[kind] = found[0].propertyKey;
      const shape = found[0].isMethod
        ? checkHookShape(target, kind, found[0].propertyKey, decorator, stateClass)
        : undefined;
      if (shape) problems.push(shape);
    }
  };
  for (const [kind, decorator, role] of REQUIRED_HOOKS) check(kind, decorator, role);
  for (const [kind, decorator] of OPTIONAL_HOOKS) check(kind, decorator);
  return { hooks, problems };
}

/**
 * Checks one function class against every rule and, when all pass, compiles it.
 * Never throws: the caller gathers the problems of every function into one error.
 */
export function checkFunction(
  target: Constructor,
  isProvided: IsProvided,
): { definition?: FunctionDefinition; problems: DefinitionProblem[] } {
  const raw = metadataReader.functionOptions(target);
  if (!raw) return { problems: [messages.notDecorated(target.name)] };
  const subject = describeFunction(target, raw.name);
  const options = checkOptions(subject, raw);
  const hooks = checkHooks(target, subject, raw.state);
  const args = compileArguments(subject, raw.args as Constructor | undefined);
  const state = compileState(raw.state as Constructor<object> | undefined);
  const injection = checkInjection(target, isProvided);
  if (hooks.hooks.initialFinalizeState !== undefined && raw.state === undefined)
    hooks.problems.push(messages.cursorWithoutState(subject));
  const problems = [...options, ...hooks.problems, ...args.problems, ...state.problems, ...injection];
  if (problems.length > 0 || !args.spec) return { problems };
  return {
    definition: {
      target,
      options: resolveOptions(raw as unknown as BufferingFunctionOptions),
      hooks: hooks.hooks,
      args: args.spec,
      state: state.spec,
    },
    problems,
  };
}
