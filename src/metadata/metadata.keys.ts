/** Namespaced metadata keys. Values are plain objects; only `metadata.writer.ts` writes them. */
export const FUNCTION_OPTIONS_KEY = 'silo:function-options';
export const HOOKS_KEY = 'silo:hooks';
export const ARGUMENTS_KEY = 'silo:arguments';
export const STATE_FIELDS_KEY = 'silo:state-fields';
/** Written by tsyringe's `@inject()`: parameter index → token. */
export const TSYRINGE_INJECTION_TOKENS_KEY = 'injectionTokens';
/** Written by TypeScript when `emitDecoratorMetadata` is on. */
export const DESIGN_PARAM_TYPES_KEY = 'design:paramtypes';
