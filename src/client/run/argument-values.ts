/**
 * Argument values on the client side: a short name for each Arrow type a function may
 * declare, and the conversion of a JavaScript value to the representation that type's
 * column builder expects (int64 → `bigint`, float64 → `number`, ...).
 */
import { type DataType, Type } from 'apache-arrow';
import { wire } from '../../arrow';

/**
 * The short name of an Arrow type: `int64`, `int32`, `float64`, `utf8`, `bool`, `binary`,
 * `timestamp[us, UTC]`, ... (the names Silo's decorators use).
 *
 * @example
 * ```ts
 * typeName(new Int64()); // 'int64'
 * ```
 */
export function typeName(type: DataType): string {
  switch (type.typeId) {
    case Type.Int: {
      const t = type as unknown as { isSigned: boolean; bitWidth: number };
      return `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}`;
    }
    case Type.Float: {
      const precision = (type as unknown as { precision: number }).precision;
      return precision === 0 ? 'float16' : precision === 1 ? 'float32' : 'float64';
    }
    case Type.Utf8:
      return 'utf8';
    case Type.LargeUtf8:
      return 'large_utf8';
    case Type.Bool:
      return 'bool';
    case Type.Binary:
      return 'binary';
    case Type.LargeBinary:
      return 'large_binary';
    case Type.Null:
      return 'null';
    default:
      return String(type).toLowerCase();
  }
}

/** The kinds of value {@link coerceArgumentValue} knows; everything else passes through. */
type Kind = 'int64' | 'int' | 'float' | 'string' | 'bool' | 'binary' | 'other';

function kindOf(type: DataType): Kind {
  switch (type.typeId) {
    case Type.Int:
      return (type as unknown as { bitWidth: number }).bitWidth === 64 ? 'int64' : 'int';
    case Type.Float:
      return 'float';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Bool:
      return 'bool';
    case Type.Binary:
    case Type.LargeBinary:
      return 'binary';
    default:
      return 'other';
  }
}

/**
 * Converts `value` to the JavaScript representation of `type`, or returns `undefined`
 * when it does not fit (a fraction for an integer, a string for a number, ...). `null`
 * stays `null`; types without a rule pass the value through unchanged.
 *
 * @example
 * ```ts
 * coerceArgumentValue(3, new Int64());   // 3n
 * coerceArgumentValue(2n, new Float64()); // 2
 * coerceArgumentValue('x', new Int64()); // undefined
 * ```
 */
export function coerceArgumentValue(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  switch (kindOf(type)) {
    case 'int64':
      if (typeof value === 'bigint')
        return BigInt.asIntN(64, value) === value || BigInt.asUintN(64, value) === value ? value : undefined;
      return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined;
    case 'int': {
      const n = typeof value === 'bigint' ? Number(value) : value;
      return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
    }
    case 'float':
      if (typeof value === 'number') return value;
      return typeof value === 'bigint' ? Number(value) : undefined;
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'bool':
      return typeof value === 'boolean' ? value : undefined;
    case 'binary':
      if (value instanceof Uint8Array) return value;
      return typeof value === 'string' ? new TextEncoder().encode(value) : undefined;
    case 'other':
      return value;
  }
}

/**
 * Renders a value for messages: bigint without the `n`, strings quoted.
 *
 * @example
 * ```ts
 * renderArgumentValue(3n); // '3'
 * ```
 */
export function renderArgumentValue(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  return String(value);
}

/**
 * The Arrow type a value of an `any`-typed parameter travels as: bigint → int64, integral
 * number → int64, other number → float64, string → utf8, boolean → bool, bytes → binary;
 * otherwise (null, objects) the declared type.
 *
 * @example
 * ```ts
 * typeOfValue('a', new Null()); // Utf8
 * ```
 */
export function typeOfValue(value: unknown, declared: DataType): DataType {
  if (typeof value === 'bigint') return wire.int64();
  if (typeof value === 'number') return Number.isInteger(value) ? wire.int64() : wire.float64();
  if (typeof value === 'string') return wire.utf8();
  if (typeof value === 'boolean') return wire.bool();
  if (value instanceof Uint8Array) return wire.binary();
  return declared;
}
