/**
 * Renders Arrow fields in vgi-wire.md's notation (`name: type!` / `name: type?`) so the
 * tests can compare schemas line by line with the spec's tables. Anything that deviates
 * from the wire conventions (list item not named `item` or not nullable, map entries not
 * `entries`/`key!`/`value?`, enum indices not int16) renders visibly wrong.
 */
import {
  type DataType,
  type Dictionary,
  type Field,
  type Float,
  type Int,
  type Map_,
  type Schema,
  type Timestamp,
  Type,
} from 'apache-arrow';
import { deserializeSchema, serializeSchema } from '../../../src/arrow';

export function renderType(type: DataType): string {
  switch (type.typeId) {
    case Type.Utf8:
      return 'utf8';
    case Type.Binary:
      return 'binary';
    case Type.LargeBinary:
      return 'large_binary';
    case Type.Bool:
      return 'bool';
    case Type.Null:
      return 'null';
    case Type.Int: {
      const t = type as Int;
      return `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}`;
    }
    case Type.Float:
      return (type as Float).precision === 2 ? 'float64' : `float(${(type as Float).precision})`;
    case Type.Timestamp: {
      const t = type as Timestamp;
      return `timestamp[${['s', 'ms', 'us', 'ns'][t.unit]}, ${t.timezone}]`;
    }
    case Type.List: {
      const item = type.children[0];
      const ok = item.name === 'item' && item.nullable;
      return ok ? `list<${renderType(item.type)}>` : `list<BAD item "${item.name}" nullable=${item.nullable}>`;
    }
    case Type.Map: {
      const entries = type.children[0];
      const [key, value] = entries.type.children;
      const ok =
        entries.name === 'entries' &&
        !entries.nullable &&
        key.name === 'key' &&
        !key.nullable &&
        key.type.typeId === Type.Utf8 &&
        value.name === 'value' &&
        value.nullable &&
        !(type as Map_).keysSorted;
      return ok
        ? `map<utf8,${renderType(value.type)}>`
        : `map<BAD ${entries.type.children.map(renderField).join(', ')}>`;
    }
    case Type.Struct:
      return `struct<${type.children.map(renderField).join(', ')}>`;
    case Type.Dictionary: {
      const d = type as Dictionary;
      const ok = d.indices.bitWidth === 16 && d.indices.isSigned && d.dictionary.typeId === Type.Utf8 && !d.isOrdered;
      return ok ? 'dict' : `dictionary<BAD ${renderType(d.indices)}, ${renderType(d.dictionary)}>`;
    }
    default:
      return String(type);
  }
}

export function renderField(f: Field): string {
  return `${f.name}: ${renderType(f.type)}${f.nullable ? '?' : '!'}`;
}

/** Whitespace never matters in the notation. */
const compact = (s: string): string => s.replace(/\s+/g, '');

/** The schema as it arrives on the wire (serialized, then read back), one rendered field per line. */
export function renderWireSchema(schema: Schema): string[] {
  return deserializeSchema(serializeSchema(schema)).fields.map((f) => compact(renderField(f)));
}

/** Spec text, one field per line as vgi-wire.md writes it (`--` comments allowed). */
export function specLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => compact(l.replace(/--.*$/, '')))
    .filter((l) => l.length > 0);
}
