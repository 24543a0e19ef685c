/**
 * Checks `@BufferingFunction()` options against their schema. Well-formed options — every
 * option of every function, on every worker start — are vouched for by a plain check that
 * accepts only what class-validator accepts; anything else goes to class-validator
 * (`options-schema.classes.ts`, loaded then), whose messages the errors quote.
 */
import type { ValidationError } from 'class-validator';
import type * as OptionsSchemaClasses from './options-schema.classes';
import { isSqlIdentifier, SQL_IDENTIFIER } from './sql-identifier';

/** One failed option constraint. */
interface OptionViolation {
  /** Dotted path: `maxWorkers`, `examples.0.sql`. */
  readonly option: string;
  /** class-validator's constraint message without the property name, e.g. `must not be greater than 99999`. */
  readonly constraint: string;
}

type Check = (value: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isBoolean: Check = (v) => typeof v === 'boolean';
const isPlainObject: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIntIn =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
/** `@IsOptional()`: null and undefined skip every other rule. */
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || v === null || check(v);
const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check);
/** A nested object whose own enumerable properties (what `Object.assign` copies) pass `shape`. */
const nested =
  (shape: Readonly<Record<string, Check>>): Check =>
  (v) =>
    isPlainObject(v) && conforms({ ...(v as Record<string, unknown>) }, shape);

function conforms(value: Record<string, unknown>, shape: Readonly<Record<string, Check>>): boolean {
  for (const [key, check] of Object.entries(shape)) if (!check(value[key])) return false;
  return true;
}

const STABILITIES = ['consistent', 'volatile', 'consistentWithinQuery'];

/** The rules of `BufferingFunctionOptionsSchema`, as plain checks; stricter is allowed (class-validator then decides), laxer is not. */
const OPTIONS_SHAPE: Readonly<Record<string, Check>> = {
  name: (v) => isString(v) && (v as string).length <= 255,
  schema: optional(isString),
  description: optional(isString),
  categories: optional((v) => arrayOf(isString)(v) && new Set(v as string[]).size === (v as string[]).length),
  tags: optional(isPlainObject),
  examples: optional(
    arrayOf(nested({ sql: isString, description: optional(isString), expectedOutput: optional(isString) })),
  ),
  sinkOrderDependent: optional(isBoolean),
  sourceOrderDependent: optional(isBoolean),
  requiresInputBatchIndex: optional(isBoolean),
  projectionPushdown: optional(isBoolean),
  filterPushdown: optional(isBoolean),
  autoApplyFilters: optional(isBoolean),
  maxWorkers: optional(isIntIn(1, 99999)),
  requiredSettings: optional(arrayOf((v) => isString(v) && SQL_IDENTIFIER.test(v as string))),
  requiredSecrets: optional(
    arrayOf(
      nested({
        type: (v) => isString(v) && /\S/.test(v as string),
        scope: optional(isString),
        name: optional(isString),
      }),
    ),
  ),
  stability: optional((v) => STABILITIES.includes(v as string)),
  cardinality: optional(nested({ estimate: optional(isIntIn(0, Infinity)), max: optional(isIntIn(0, Infinity)) })),
};

function flatten(errors: readonly ValidationError[], prefix = ''): OptionViolation[] {
  const out: OptionViolation[] = [];
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) {
      // class-validator prefixes messages with the property name; the path says it already.
      const constraint = message.startsWith(`${e.property} `) ? message.slice(e.property.length + 1) : message;
      out.push({ option: path, constraint: constraint.replace(/^each value in /, 'each value of it ') });
    }
    out.push(...flatten(e.children ?? [], path));
  }
  return out;
}

/** Checks options against the schema; unknown names are reported by the caller. */
export function validateOptions(options: Record<string, unknown>): OptionViolation[] {
  if (conforms({ ...options }, OPTIONS_SHAPE)) return [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateOptionsWithClassValidator } = require('./options-schema.classes') as typeof OptionsSchemaClasses;
  return flatten(validateOptionsWithClassValidator(options));
}

export { isSqlIdentifier };
