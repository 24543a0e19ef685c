import { DefinitionError, SiloError, messages } from '../errors';
import { type Constructor, metadataReader } from '../metadata';
import { checkFunction } from '../validation/function.rules';
import type { IsProvided } from '../validation/injection.rules';
import type { FunctionDefinition } from '../definition/function-definition';

/**
 * The registered functions of one worker, by schema and name. Built once per worker
 * (or TestBed) from its modules; validation of every function happens here and all
 * problems are thrown together as one {@link DefinitionError}.
 *
 * @example
 * ```ts
 * const registry = FunctionRegistry.build([TopK, SortAll], (token) => container.isRegistered(token, true));
 * registry.require('top_k');
 * ```
 */
export class FunctionRegistry {
  private constructor(private readonly definitions: readonly FunctionDefinition[]) {}

  static build(functions: readonly Constructor[], isProvided: IsProvided): FunctionRegistry {
    const problems = [];
    const definitions: FunctionDefinition[] = [];
    for (const target of functions) {
      const result = checkFunction(target, isProvided);
      problems.push(...result.problems);
      if (result.definition) definitions.push(result.definition);
    }
    // Names are compared on the raw options, so a clash is reported even beside other problems.
    const byKey = new Map<string, { name: string; schema: string; classes: string[] }>();
    for (const target of functions) {
      const raw = metadataReader.functionOptions(target);
      if (typeof raw?.name !== 'string') continue;
      const schema = typeof raw.schema === 'string' ? raw.schema : 'main';
      const key = `${schema}.${raw.name}`;
      const entry = byKey.get(key) ?? { name: raw.name, schema, classes: [] };
      entry.classes.push(target.name);
      byKey.set(key, entry);
    }
    for (const e of byKey.values())
      if (e.classes.length > 1) problems.push(messages.duplicateName(e.name, e.schema, e.classes));
    if (problems.length > 0) throw new DefinitionError(problems);
    return new FunctionRegistry(definitions);
  }

  /** Every function, in registration order. */
  all(): readonly FunctionDefinition[] {
    return this.definitions;
  }

  /** Schema names that hold at least one function, `main` first. */
  schemas(): string[] {
    const names = [...new Set(this.definitions.map((d) => d.options.schema))];
    return names.sort((a, b) => (a === 'main' ? -1 : b === 'main' ? 1 : a.localeCompare(b)));
  }

  /** The function with this name, in `schema` when given (a dotted `schema.name` also works). */
  find(name: string, schema?: string): FunctionDefinition | undefined {
    let s = schema;
    let n = name;
    if (s === undefined && name.includes('.')) [s, n] = name.split('.', 2) as [string, string];
    const matches = this.definitions.filter((d) => d.options.name === n && (s === undefined || d.options.schema === s));
    if (s === undefined && matches.length > 1) return matches.find((d) => d.options.schema === 'main') ?? matches[0];
    return matches[0];
  }

  /** Like {@link find}, but an unknown name is an error listing the registered ones. */
  require(name: string, schema?: string): FunctionDefinition {
    const found = this.find(name, schema);
    if (!found)
      throw new SiloError(
        'SILO202',
        messages.unknownFunction(
          schema ? `${schema}.${name}` : name,
          this.definitions.map((d) => `${d.options.schema}.${d.options.name}`),
        ),
      );
    return found;
  }
}
