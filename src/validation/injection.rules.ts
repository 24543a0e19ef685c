import { type DefinitionProblem, messages } from '../errors';
import { type Constructor, metadataReader } from '../metadata';
import { tokenName } from '../container/tokens';

/** Whether a token can be resolved in an execution's container. */
export type IsProvided = (token: unknown) => boolean;

/** Types TypeScript emits for interfaces, type aliases, unions and primitives: nothing to resolve by. */
const OPAQUE_TYPES: readonly unknown[] = [
  Object,
  Number,
  String,
  Boolean,
  Array,
  Function,
  Promise,
  Symbol,
  BigInt,
  undefined,
];

/**
 * Every constructor parameter must be resolvable: interface-typed parameters need an
 * explicit `@Inject(TOKEN)`, and every token must be provided by some module (or be one
 * the framework provides per execution).
 */
export function checkInjection(target: Constructor, isProvided: IsProvided): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const types = metadataReader.paramTypes(target);
  if (!types) return target.length > 0 ? [messages.missingParamTypes(target.name)] : [];
  const tokens = metadataReader.injectionTokens(target);
  types.forEach((type, i) => {
    const member = `${target.name} constructor parameter ${i}`;
    let token: unknown = i in tokens ? tokens[i] : type;
    if (typeof token === 'object' && token !== null && 'token' in token) token = (token as { token: unknown }).token;
    if (!(i in tokens) && OPAQUE_TYPES.includes(token)) {
      problems.push(messages.notInjectable(member, typeof type === 'function' ? type.name : 'unknown'));
      return;
    }
    if (!isProvided(token)) problems.push(messages.unregisteredDependency(member, tokenName(token)));
  });
  return problems;
}
