/**
 * Call arguments given by name (`{ k: 5n, by: 'fare' }`) laid out the way DuckDB sends
 * them (vgi-wire §4.8): positional scalars as `positional_<i>` in declaration order, named
 * arguments as `named_<name>` only when supplied, each typed as the function declared it.
 */
import { type DataType } from 'apache-arrow';
import { type BindArguments } from '../../protocol';
import { RunConfigurationError } from '../client.error';
import { type DiscoveredFunction, signature } from '../discovery';
import { coerceArgumentValue, renderArgumentValue, typeOfValue } from './argument-values';

/**
 * Maps arguments by name onto the function's positional and named parameters, converting
 * each value to its declared type. Unknown names, a missing positional, a value for the
 * TABLE input and a value that does not fit its type are refused, each with the
 * function's signature.
 *
 * @example
 * ```ts
 * const args = bindArgumentsByName(topK, { k: 5, by: 'fare' }); // k → 5n (int64)
 * ```
 */
export function bindArgumentsByName(fn: DiscoveredFunction, args: Readonly<Record<string, unknown>>): BindArguments {
  const subject = `${fn.name}(): `;
  const sig = `Signature: ${signature(fn)}.`;
  const byName = new Map(fn.arguments.map((a) => [a.name, a]));
  for (const name of Object.keys(args)) {
    const declared = byName.get(name);
    if (declared === undefined) {
      const accepted = fn.arguments.filter((a) => a.kind !== 'table').map((a) => a.name);
      throw new RunConfigurationError(
        `${subject}unknown argument "${name}"; it accepts ${accepted.length > 0 ? accepted.join(', ') : 'no arguments besides its TABLE input'}. ${sig}`,
      );
    }
    if (declared.kind === 'table') {
      throw new RunConfigurationError(
        `${subject}"${name}" is the TABLE input; pass the rows as the run's input, not as an argument. ${sig}`,
      );
    }
  }
  const positional: unknown[] = [];
  const positionalTypes: DataType[] = [];
  const named: Record<string, unknown> = {};
  const namedTypes: Record<string, DataType> = {};
  for (const a of fn.arguments) {
    if (a.kind === 'table') continue;
    if (!(a.name in args)) {
      if (a.kind === 'positional')
        throw new RunConfigurationError(`${subject}missing positional argument "${a.name}" (${a.typeName}). ${sig}`);
      continue;
    }
    const raw = args[a.name];
    const type = a.anyType ? typeOfValue(raw, a.type) : a.type;
    const value = coerceArgumentValue(raw, type);
    if (value === undefined) {
      throw new RunConfigurationError(
        `${subject}argument "${a.name}" must be ${a.typeName}, got ${renderArgumentValue(raw)} (${typeof raw}). ${sig}`,
      );
    }
    if (a.kind === 'positional') {
      positional.push(value);
      positionalTypes.push(type);
    } else {
      named[a.name] = value;
      namedTypes[a.name] = type;
    }
  }
  return { positional, named, types: { positional: positionalTypes, named: namedTypes } };
}
