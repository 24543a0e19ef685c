export { SiloError, DefinitionError, UserCodeError, isSiloError, type DefinitionProblem } from './silo.error';
export * as messages from './messages';
export {
  ERROR_CODES,
  ERROR_CODE_RANGES,
  type SiloErrorCode,
  type ErrorCodeEntry,
  type ErrorCodeRange,
} from './error-codes';
