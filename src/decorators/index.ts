export { BufferingFunction } from './buffering-function.decorator';
export * from './buffering-function.options';
export { Process, Combine, Finalize, InitialFinalizeState, OnCancel, OnBind } from './lifecycle-hooks.decorator';
export { TableInput, Positional, Named, type ArgumentOptions, type NamedArgumentOptions, type TableInputOptions } from './arguments.decorator';
export { StateField } from './state-field.decorator';
export { Inject, Injectable } from './inject.decorator';
