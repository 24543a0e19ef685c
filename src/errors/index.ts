export { SiloError, DefinitionError, UserCodeError, isSiloError, type DefinitionProblem } from './silo.error';
export * as messages from './messages';
