import { type DefinitionProblem, messages } from '../errors';
import { type Constructor, VALUE_TYPE_NAMES, isValueTypeName, metadataReader, renderValue } from '../metadata';
import { InvalidStateError, StateSpec, stateFieldSpec } from '../definition/state-spec';
import { checkPropertyType } from './arguments.rules';

interface CompiledState {
  spec?: StateSpec;
  problems: DefinitionProblem[];
}

/**
 * Each state class compiled once: many functions share one cursor class (the reference
 * fixtures' 25 log drains share one), and the round trip below is most of a cold worker's
 * registration time. A class's fields are fixed once its decorators ran.
 */
const compiled = new WeakMap<Constructor<object>, CompiledState>();

/**
 * Compiles a finalize-state class: every field has a known type, and a default
 * instance survives serialization unchanged and passes the class's own rules.
 */
export function compileState(cls: Constructor<object> | undefined): CompiledState {
  if (!cls) return { problems: [] };
  let result = compiled.get(cls);
  if (result === undefined) {
    result = compileOnce(cls);
    compiled.set(cls, result);
  }
  return { spec: result.spec, problems: [...result.problems] };
}

function compileOnce(cls: Constructor<object>): CompiledState {
  const problems: DefinitionProblem[] = [];
  const declared = metadataReader.stateFields(cls);
  if (declared.length === 0) return { problems: [messages.stateWithoutFields(cls.name)] };
  for (const f of declared) {
    if (!isValueTypeName(f.type))
      problems.push(messages.unknownStateType(`${cls.name}.${f.propertyKey}`, renderValue(f.type), VALUE_TYPE_NAMES));
    else {
      const mismatch = checkPropertyType(cls, f.propertyKey, f.type, '@StateField()');
      if (mismatch) problems.push(mismatch);
    }
  }
  if (problems.length > 0) return { problems };
  const spec = new StateSpec(
    cls,
    declared.map((f) => stateFieldSpec(f.propertyKey, f.type as never)),
  );
  let instance: object;
  try {
    instance = spec.create();
  } catch (e) {
    return { problems: [messages.stateNotConstructible(cls.name, (e as Error).message)] };
  }
  try {
    const back = spec.deserialize(spec.serialize(instance));
    if (!spec.equals(instance, back))
      problems.push(messages.stateRoundTrip(cls.name, 'a default instance reads back with different values'));
  } catch (e) {
    problems.push(messages.stateRoundTrip(cls.name, e instanceof InvalidStateError ? e.detail : (e as Error).message));
  }
  return problems.length > 0 ? { problems } : { spec, problems };
}
