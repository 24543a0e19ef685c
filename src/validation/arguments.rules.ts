import { DataType } from 'apache-arrow';
import { assertSameArrowCopy } from '../arrow/arrow-copy';
import { type DefinitionProblem, messages } from '../errors';
import {
  type ArgumentMetadata,
  type Constructor,
  DESIGN_TYPE_OF,
  VALUE_TYPE_NAMES,
  arrowTypeOf,
  coerceValue,
  isValueTypeName,
  metadataReader,
  renderValue,
} from '../metadata';
import {
  type ArgumentConstraints,
  type ArgumentSpec,
  ArgumentsSpec,
  type TableInputSpec,
} from '../definition/arguments-spec';
import { classValidator, classValidatorRulesExist } from '../common/class-validator.lazy';
import { isSqlIdentifier } from './options.schema';

/** Reads class-validator rules that DuckDB can show: choices, ranges, patterns. */
function publishedConstraints(cls: Constructor, propertyKey: string): ArgumentConstraints {
  if (!classValidatorRulesExist()) return { choices: undefined, range: undefined, pattern: undefined };
  const rules = classValidator()
    .getMetadataStorage()
    .getTargetValidationMetadatas(cls, '', true, false)
    .filter((m) => m.propertyName === propertyKey);
  let choices: unknown[] | undefined;
  let min: unknown;
  let max: unknown;
  let pattern: string | undefined;
  for (const r of rules) {
    const c = (r.constraints ?? []) as unknown[];
    if (r.name === 'isIn') choices = c[0] as unknown[];
    else if (r.name === 'min') min = c[0];
    else if (r.name === 'max') max = c[0];
    else if (r.name === 'matches') pattern = c[0] instanceof RegExp ? c[0].source : String(c[0]);
  }
  const range =
    min !== undefined || max !== undefined
      ? `${min !== undefined ? `[${String(min)}` : '(-inf'}, ${max !== undefined ? `${String(max)}]` : '+inf)'}`
      : undefined;
  return { choices, range, pattern };
}

const DESIGN_TYPE_NAMES = new Map<unknown, string>([
  [Boolean, 'boolean'],
  [Number, 'number'],
  [BigInt, 'bigint'],
  [String, 'string'],
  [Uint8Array, 'Uint8Array'],
]);

/**
 * The compiler checks a property's type against its declared value type (the
 * decorators are typed); this is the same check for code the compiler did not see
 * (plain JavaScript, a cast): TypeScript records the property's class as `design:type`,
 * and a primitive class that cannot hold the declared type's values is reported. Unions,
 * `unknown` and Arrow types record `Object` and are not checked.
 */
export function checkPropertyType(
  owner: Constructor,
  propertyKey: string,
  type: unknown,
  decorator: string,
): DefinitionProblem | undefined {
  if (!isValueTypeName(type)) return undefined;
  const recorded: unknown = Reflect.getMetadata?.('design:type', owner.prototype as object, propertyKey);
  const property = DESIGN_TYPE_NAMES.get(recorded);
  const expectedClass = DESIGN_TYPE_OF[type]();
  if (property === undefined || recorded === expectedClass) return undefined;
  return messages.propertyTypeMismatch(
    `${owner.name}.${propertyKey}`,
    decorator,
    type,
    property,
    DESIGN_TYPE_NAMES.get(expectedClass)!,
  );
}

/** Arguments are built from the call, never by the class's constructor: an initializer would be silently ignored. */
function initializerProblems(cls: Constructor, args: readonly ArgumentMetadata[]): DefinitionProblem[] {
  let instance: Record<string, unknown>;
  try {
    instance = new cls() as Record<string, unknown>;
  } catch {
    return [];
  }
  return args
    .filter(
      (a) =>
        a.kind !== 'table' &&
        Object.prototype.hasOwnProperty.call(instance, a.propertyKey) &&
        instance[a.propertyKey] !== undefined,
    )
    .map((a) => messages.argumentInitializer(`${cls.name}.${a.propertyKey}`, renderValue(instance[a.propertyKey])));
}

/**
 * Compiles an arguments class into an {@link ArgumentsSpec}, collecting every problem:
 * more than one TABLE input, non-contiguous positions, a TABLE input before a scalar,
 * unknown types, defaults that do not fit, duplicate names.
 */
export function compileArguments(
  subject: string,
  cls: Constructor | undefined,
): { spec?: ArgumentsSpec; problems: DefinitionProblem[] } {
  const problems: DefinitionProblem[] = [];
  const declared = cls ? metadataReader.arguments(cls) : [];
  const owner = cls?.name ?? subject;
  const member = (a: ArgumentMetadata) => `${owner}.${a.propertyKey}`;

  const byProperty = new Map<string, ArgumentMetadata[]>();
  for (const a of declared) byProperty.set(a.propertyKey, [...(byProperty.get(a.propertyKey) ?? []), a]);
  for (const [key, list] of byProperty) {
    if (list.length > 1)
      problems.push(
        messages.duplicateArgument(
          `${owner}.${key}`,
          list.map((a) => a.decorator),
        ),
      );
  }
  const args = [...byProperty.values()].map((list) => list[0]);

  const tables = args.filter((a) => a.kind === 'table');
  if (tables.length > 1)
    problems.push(
      messages.multipleTables(
        owner,
        tables.map((t) => t.propertyKey),
      ),
    );
  const scalars = args.filter((a) => a.kind === 'positional');
  const named = args.filter((a) => a.kind === 'named');

  // Positions: scalars plus the table (an explicit table position counts; an implicit one goes last).
  const table = tables[0];
  const positioned = [
    ...scalars.map((a) => a.position ?? -1),
    ...(table?.position !== undefined ? [table.position] : []),
  ].sort((x, y) => x - y);
  if (positioned.some((p, i) => p !== i)) problems.push(messages.badPositions(owner, positioned));
  else if (table?.position !== undefined && scalars.some((s) => (s.position ?? 0) > table.position!))
    problems.push(messages.tableNotLast(owner));

  const names = new Set<string>();
  const nameOk = (a: { name: string }) => {
    if (!isSqlIdentifier(a.name)) {
      problems.push(messages.invalidName(owner, 'argument name', a.name));
      return;
    }
    if (names.has(a.name)) problems.push(messages.duplicateArgumentName(owner, a.name));
    names.add(a.name);
  };

  const compileScalar = (a: ArgumentMetadata): ArgumentSpec | undefined => {
    nameOk(a);
    const type = a.type;
    let arrowType: DataType | undefined;
    if (isValueTypeName(type)) arrowType = arrowTypeOf(type);
    else if (type instanceof DataType) arrowType = type;
    else {
      assertSameArrowCopy(type, DataType, member(a));
      problems.push(messages.unknownType(member(a), renderValue(type), VALUE_TYPE_NAMES));
      return undefined;
    }
    if (cls) {
      const mismatch = checkPropertyType(cls, a.propertyKey, type, a.decorator);
      if (mismatch) problems.push(mismatch);
    }
    if (a.required && a.hasDefault) problems.push(messages.requiredWithDefault(member(a)));
    let defaultValue: unknown = null;
    if (a.hasDefault) {
      if (a.kind === 'positional') problems.push(messages.defaultOnPositional(member(a)));
      if (isValueTypeName(type)) {
        const coerced = coerceValue(a.defaultValue, type);
        if (coerced === undefined)
          problems.push(messages.defaultDoesNotFit(member(a), renderValue(a.defaultValue), type));
        defaultValue = coerced ?? null;
      } else defaultValue = a.defaultValue ?? null;
    }
    return {
      propertyKey: a.propertyKey,
      name: a.name,
      kind: a.kind === 'named' ? 'named' : 'positional',
      type: type as ArgumentSpec['type'],
      arrowType,
      doc: a.doc,
      hasDefault: a.hasDefault,
      defaultValue,
      required: a.required === true,
      constraints: cls ? publishedConstraints(cls, a.propertyKey) : {},
    };
  };

  const positionalSpecs = [...scalars].sort((x, y) => (x.position ?? 0) - (y.position ?? 0)).map(compileScalar);
  const namedSpecs = [...named].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)).map(compileScalar);
  const tableSpec: TableInputSpec = table
    ? { propertyKey: table.propertyKey, name: table.name, doc: table.doc, position: table.position ?? scalars.length }
    : { name: 'data', position: scalars.length };
  if (cls) problems.push(...initializerProblems(cls, args));
  if (table) nameOk(table);
  else if (names.has('data')) problems.push(messages.duplicateArgumentName(owner, 'data'));

  if (problems.length > 0) return { problems };
  return {
    spec: new ArgumentsSpec(cls, positionalSpecs as ArgumentSpec[], tableSpec, namedSpecs as ArgumentSpec[]),
    problems,
  };
}
