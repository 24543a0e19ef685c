import { Binary, Bool, type DataType, Float64, Int32, Int64, Utf8 } from 'apache-arrow';

/**
 * The value types an argument or a finalize-state field can declare, by name. Each maps
 * to one Arrow type and one JavaScript representation:
 *
 * | name      | Arrow     | JavaScript   | SQL       |
 * |-----------|-----------|--------------|-----------|
 * | `bool`    | Bool      | `boolean`    | BOOLEAN   |
 * | `int32`   | Int32     | `number`     | INTEGER   |
 * | `int64`   | Int64     | `bigint`     | BIGINT    |
 * | `float64` | Float64   | `number`     | DOUBLE    |
 * | `utf8`    | Utf8      | `string`     | VARCHAR   |
 * | `binary`  | Binary    | `Uint8Array` | BLOB      |
 */
export type ValueTypeName = 'bool' | 'int32' | 'int64' | 'float64' | 'utf8' | 'binary';

/** The JavaScript representation of each {@link ValueTypeName} (the table above). */
export interface ValueTypes {
  bool: boolean;
  int32: number;
  int64: bigint;
  float64: number;
  utf8: string;
  binary: Uint8Array;
}

/** The JavaScript type of a declared type: its representation for a name, `unknown` for an Arrow type. */
export type JsTypeOf<T> = T extends ValueTypeName ? ValueTypes[T] : unknown;

/** The runtime class TypeScript records (`design:type`) for a property of each value type. */
export const DESIGN_TYPE_OF: Readonly<Record<ValueTypeName, () => unknown>> = {
  bool: () => Boolean,
  int32: () => Number,
  int64: () => BigInt,
  float64: () => Number,
  utf8: () => String,
  binary: () => Uint8Array,
};

/** Every supported {@link ValueTypeName}, in documentation order. */
export const VALUE_TYPE_NAMES: readonly ValueTypeName[] = ['bool', 'int32', 'int64', 'float64', 'utf8', 'binary'];

/** True when `name` is a supported value type. */
export function isValueTypeName(name: unknown): name is ValueTypeName {
  return typeof name === 'string' && (VALUE_TYPE_NAMES as readonly string[]).includes(name);
}

/** The Arrow type of a value type. */
export function arrowTypeOf(name: ValueTypeName): DataType {
  switch (name) {
    case 'bool':
      return new Bool();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'float64':
      return new Float64();
    case 'utf8':
      return new Utf8();
    case 'binary':
      return new Binary();
  }
}

/**
 * Converts a JavaScript value to the representation of `name`, or returns `undefined`
 * when it does not fit (a fractional number for `int64`, a string for `bool`, ...).
 * Nullish values pass through as `null`.
 */
export function coerceValue(value: unknown, name: ValueTypeName): unknown {
  if (value === null || value === undefined) return null;
  switch (name) {
    case 'bool':
      return typeof value === 'boolean' ? value : undefined;
    case 'int32': {
      const n = typeof value === 'bigint' ? Number(value) : value;
      return typeof n === 'number' && Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined;
    }
    case 'int64': {
      if (typeof value === 'bigint') return BigInt.asIntN(64, value) === value ? value : undefined;
      return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined;
    }
    case 'float64':
      if (typeof value === 'number') return value;
      return typeof value === 'bigint' ? Number(value) : undefined;
    case 'utf8':
      return typeof value === 'string' ? value : undefined;
    case 'binary':
      return value instanceof Uint8Array ? value : undefined;
  }
}

/** Renders a value for messages and documentation (bigint without the `n`, bytes as hex). */
export function renderValue(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
