export { defineModule, flattenModules, type ModuleDefinition, type SiloModule } from './module';
export { FunctionRegistry } from './function-registry';
export type { FunctionDefinition, ResolvedOptions } from '../definition/function-definition';
export {
  ArgumentsSpec,
  InvalidArgumentsError,
  type ArgumentSpec,
  type RawArguments,
  type TableInputSpec,
  type ArgumentConstraints,
} from '../definition/arguments-spec';
export { StateSpec, InvalidStateError } from '../definition/state-spec';
