/**
 * Constructors for the Arrow types the VGI wire uses, spelled the way vgi-wire.md writes
 * them. They build the *generic* classes (`Int(true, 64)`, `Float(DOUBLE)`, `Timestamp`)
 * that `apache-arrow`'s IPC reader produces, so schemas built here compare equal to
 * schemas read back from the wire even under `apache-arrow`'s constructor-based checks.
 */
import {
  Binary,
  Bool,
  type DataType,
  Dictionary,
  Field,
  Float,
  Int,
  type Int16,
  LargeBinary,
  List,
  Map_,
  Null,
  Precision,
  Schema,
  Struct,
  Timestamp,
  TimeUnit,
  Utf8,
} from 'apache-arrow';

/**
 * Wire type constructors: `utf8`, `binary`, `int64`, `list<T>`, `map<utf8, V>`, `struct`,
 * `dict` (an enum: `dictionary<int16, utf8>`), ...
 */
export const wire = {
  utf8: (): DataType => new Utf8(),
  binary: (): DataType => new Binary(),
  largeBinary: (): DataType => new LargeBinary(),
  bool: (): DataType => new Bool(),
  int16: (): DataType => new Int(true, 16),
  int32: (): DataType => new Int(true, 32),
  int64: (): DataType => new Int(true, 64),
  uint64: (): DataType => new Int(false, 64),
  float64: (): DataType => new Float(Precision.DOUBLE),
  null: (): DataType => new Null(),
  /** `timestamp[us, tz]`; UTC unless another zone is given. */
  timestampUs: (timezone: string | null = 'UTC'): DataType => new Timestamp(TimeUnit.MICROSECOND, timezone),
  /** `list<T>`: the child is named `item` and is always nullable (vgi-wire §0). */
  list: (item: DataType): DataType => new List(new Field('item', item, true)),
  /** `map<utf8, V>`: entries `entries` (non-null struct) of `key: utf8!` and `value: V?`, keys unsorted. */
  map: (value: DataType): DataType =>
    new Map_(
      new Field(
        'entries',
        new Struct([new Field('key', new Utf8(), false), new Field('value', value, true)]),
        false,
      ) as never,
      false,
    ),
  struct: (fields: readonly Field[]): DataType => new Struct([...fields]),
  /** An enum: `dictionary<indices int16, values utf8>`, not ordered; values are member names. */
  dict: (): DataType => new Dictionary(new Utf8(), new Int(true, 16) as Int16),
} as const;

/**
 * A field. `nullable` is explicit on purpose: every VGI schema pins it.
 */
export function field(name: string, type: DataType, nullable: boolean, metadata?: Record<string, string>): Field {
  return new Field(name, type, nullable, metadata ? new Map(Object.entries(metadata)) : null);
}

/**
 * A schema from fields, optionally with schema-level metadata.
 */
export function schemaOf(fields: readonly Field[], metadata?: Record<string, string>): Schema {
  return new Schema([...fields], metadata ? new Map(Object.entries(metadata)) : null);
}

/** The schema with no fields (parameterless requests, void results, producer ticks). */
export const EMPTY_SCHEMA: Schema = new Schema([]);
