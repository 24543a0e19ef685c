export * from './tokens';
export type { ExecutionInfo } from './execution-info';
export {
  type Provider,
  type ValueProvider,
  type ClassProvider,
  type FactoryProvider,
  type ProviderToken,
  providerToken,
} from './providers';
export { createRootContainer, isProvidedIn, assertReflectMetadata } from './root-container';
export { createExecutionContainer } from './execution-container';
export { runInCall, currentClientLog, type ClientLogSink } from './call-scope';
