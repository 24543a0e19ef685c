export { BufferingFunction, type BufferingFunctionClass } from './buffering-function.decorator';
export * from '../definition/buffering-function.options';
export {
  Process,
  Combine,
  Finalize,
  InitialFinalizeState,
  OnCancel,
  OnBind,
  type HookDecorator,
} from './lifecycle-hooks.decorator';
export {
  TableInput,
  Positional,
  Named,
  type ArgumentOptions,
  type NamedArgumentOptions,
  type TableInputOptions,
  type TypedPropertyDecorator,
  type NamedPropertyDecorator,
} from './arguments.decorator';
export { StateField } from './state-field.decorator';
export { Inject, Injectable } from './inject.decorator';
