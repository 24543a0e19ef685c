import type { DataType } from 'apache-arrow';
import type { ValueTypeName } from './value-types';

/** A class constructor, as decorators see it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Constructor<T = unknown> = new (...args: any[]) => T;

/** The lifecycle hooks a buffering function can declare with method decorators. */
export type HookKind = 'process' | 'combine' | 'finalize' | 'initialFinalizeState' | 'onCancel' | 'onBind';

/** What a hook decorator records. */
export interface HookMetadata {
  readonly kind: HookKind;
  readonly propertyKey: string | symbol;
  /** The decorator that recorded it, for messages: `@Process()`. */
  readonly decorator: string;
  /** False when the decorator was put on a property or accessor rather than a method. */
  readonly isMethod: boolean;
}

/** A type as declared on an argument or a state field: a name or an Arrow type. */
export type DeclaredType = ValueTypeName | DataType;

/** What `@TableInput()`, `@Positional()` and `@Named()` record on an arguments class. */
export interface ArgumentMetadata {
  readonly propertyKey: string;
  readonly kind: 'table' | 'positional' | 'named';
  /** Position among positional parameters, the TABLE input included (positional and table only). */
  readonly position?: number;
  /** SQL name: the property name unless overridden. */
  readonly name: string;
  /** Declared type (not for the TABLE input). Unchecked here: validation reports bad ones. */
  readonly type?: unknown;
  readonly doc?: string;
  readonly hasDefault: boolean;
  readonly defaultValue?: unknown;
  /** Named only: the caller must pass it. */
  readonly required?: boolean;
  /** The decorator that recorded it, for messages. */
  readonly decorator: string;
}

/** What `@StateField()` records on a finalize-state class. */
export interface StateFieldMetadata {
  readonly propertyKey: string;
  readonly type: unknown;
  readonly doc?: string;
}
