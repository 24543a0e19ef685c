import {
  DataType,
  DateUnit,
  type Field,
  IntervalUnit,
  Precision,
  type Schema,
  TimeUnit,
  type Decimal,
  type Dictionary,
  type FixedSizeBinary,
  type Float,
  type Int,
  type Timestamp,
  type Time,
  type Duration,
  type Interval,
  type Date_,
} from 'apache-arrow';

/*
 * The reference fixtures put Arrow types in their error messages the way pyarrow prints
 * them (`x: int64, s: string`). apache-arrow prints class names (`Int64`, `Utf8`), so
 * the fixtures render types here to keep the messages identical.
 */

const UNITS: Readonly<Record<number, string>> = {
  [TimeUnit.SECOND]: 's',
  [TimeUnit.MILLISECOND]: 'ms',
  [TimeUnit.MICROSECOND]: 'us',
  [TimeUnit.NANOSECOND]: 'ns',
};

/**
 * A type as pyarrow's `str(type)` writes it: `int64`, `double`, `string`,
 * `timestamp[us]`, `decimal128(10, 2)`, `list<item: int32>` ...
 *
 * @example
 * ```ts
 * pyarrowTypeName(new Utf8()); // 'string'
 * ```
 */
export function pyarrowTypeName(type: DataType): string {
  if (DataType.isNull(type)) return 'null';
  if (DataType.isBool(type)) return 'bool';
  if (DataType.isInt(type)) {
    const t = type as Int;
    return `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}`;
  }
  if (DataType.isFloat(type)) {
    const p = (type as Float).precision;
    return p === Precision.HALF ? 'halffloat' : p === Precision.SINGLE ? 'float' : 'double';
  }
  if (DataType.isDecimal(type)) {
    const t = type as Decimal;
    return `decimal${t.bitWidth}(${t.precision}, ${t.scale})`;
  }
  if (DataType.isUtf8(type)) return 'string';
  if (DataType.isLargeUtf8(type)) return 'large_string';
  if (DataType.isUtf8View(type)) return 'string_view';
  if (DataType.isBinary(type)) return 'binary';
  if (DataType.isBinaryView(type)) return 'binary_view';
  if (DataType.isLargeBinary(type)) return 'large_binary';
  if (DataType.isFixedSizeBinary(type)) return `fixed_size_binary[${(type as FixedSizeBinary).byteWidth}]`;
  if (DataType.isDate(type)) return (type as Date_).unit === DateUnit.DAY ? 'date32[day]' : 'date64[ms]';
  if (DataType.isTimestamp(type)) {
    const t = type as Timestamp;
    return t.timezone ? `timestamp[${UNITS[t.unit]}, tz=${t.timezone}]` : `timestamp[${UNITS[t.unit]}]`;
  }
  if (DataType.isTime(type)) {
    const t = type as Time;
    return `time${t.bitWidth}[${UNITS[t.unit]}]`;
  }
  if (DataType.isDuration(type)) return `duration[${UNITS[(type as Duration).unit]}]`;
  if (DataType.isInterval(type)) {
    const unit = (type as Interval).unit;
    return unit === IntervalUnit.MONTH_DAY_NANO
      ? 'month_day_nano_interval'
      : unit === IntervalUnit.DAY_TIME
        ? 'day_time_interval'
        : 'month_interval';
  }
  if (DataType.isList(type)) return `list<${childName(type.children[0])}>`;
  if (DataType.isLargeList(type)) return `large_list<${childName(type.children[0])}>`;
  if (DataType.isFixedSizeList(type)) return `fixed_size_list<${childName(type.children[0])}>[${type.listSize}]`;
  if (DataType.isStruct(type)) return `struct<${type.children.map(childName).join(', ')}>`;
  if (DataType.isMap(type)) {
    const [key, value] = (type.children[0].type as DataType).children;
    return `map<${pyarrowTypeName(key.type)}, ${pyarrowTypeName(value.type)}>`;
  }
  if (DataType.isDictionary(type)) {
    const t = type as Dictionary;
    return `dictionary<values=${pyarrowTypeName(t.dictionary)}, indices=${pyarrowTypeName(t.indices)}, ordered=${t.isOrdered ? 1 : 0}>`;
  }
  return String(type);
}

function childName(field: Field): string {
  return `${field.name}: ${pyarrowTypeName(field.type)}`;
}

/**
 * One field as pyarrow prints it inside a schema: `name: type`, plus ` not null`.
 *
 * @example
 * ```ts
 * pyarrowFieldLine(new Field('id', new Int64(), false)); // 'id: int64 not null'
 * ```
 */
export function pyarrowFieldLine(field: Field): string {
  return `${field.name}: ${pyarrowTypeName(field.type)}${field.nullable ? '' : ' not null'}`;
}

/**
 * A schema as pyarrow's `str(schema)` writes it: one `name: type` line per field.
 *
 * @example
 * ```ts
 * pyarrowSchemaText(schema); // 'x: int64\ns: string'
 * ```
 */
export function pyarrowSchemaText(schema: Schema): string {
  return schema.fields.map(pyarrowFieldLine).join('\n');
}
