/**
 * class-validator, loaded only when it has work to do. With `validator` and
 * `libphonenumber-js` it is the heaviest module a worker would load at start-up (~150 ms of
 * an idle machine's CPU), and most functions declare no constraint at all. Its decorators
 * register every rule in one process-wide storage (`globalThis.classValidatorMetadataStorage`,
 * created by the first decorator that runs), so when that storage does not exist no class
 * has a rule, every validation would pass, and the library need not be loaded to say so.
 */
import type * as ClassValidator from 'class-validator';
import type { ValidationError, ValidatorOptions } from 'class-validator';

let loaded: typeof ClassValidator | undefined;

/**
 * The class-validator module, loaded on first use.
 */
export function classValidator(): typeof ClassValidator {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('class-validator') as typeof ClassValidator);
}

/**
 * True once some class-validator decorator ran in this process (by any copy of the
 * library: they share the global storage, as class-validator intends).
 */
export function classValidatorRulesExist(): boolean {
  return (globalThis as { classValidatorMetadataStorage?: unknown }).classValidatorMetadataStorage !== undefined;
}

/**
 * `validateSync(object, options)`, or `[]` without loading class-validator when no class in
 * the process declares a rule (the result `validateSync` would give).
 */
export function validateDecorated(object: object, options: ValidatorOptions): ValidationError[] {
  return classValidatorRulesExist() ? classValidator().validateSync(object, options) : [];
}
