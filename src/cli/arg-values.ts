/**
 * `--arg name=value` options of `silo run`, parsed against the types the function
 * declares: int64 → bigint, int32 → number, float64 → number, bool, utf8, binary (hex
 * with `0x` or text); an `any` parameter takes the most specific reading of the text.
 */
import { type DataType, Type } from 'apache-arrow';
import { type DiscoveredFunction, signature, typeName } from '../client';
import { CliError } from './cli.error';

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = ['true', 't', 'yes', 'y', 'on', '1'];
const FALSE = ['false', 'f', 'no', 'n', 'off', '0'];

/**
 * Parses `--arg` assignments into values by parameter name.
 */
export function parseArgAssignments(assignments: readonly string[], fn: DiscoveredFunction): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new CliError(`--arg "${assignment}" is not name=value. Write it as --arg k=5.`);
    const name = assignment.slice(0, eq).trim();
    const text = assignment.slice(eq + 1);
    const declared = fn.arguments.find((a) => a.name === name);
    if (declared === undefined || declared.kind === 'table') {
      const accepted = fn.arguments.filter((a) => a.kind !== 'table').map((a) => a.name);
      const why = declared === undefined ? 'is not a parameter of' : 'is the TABLE input of';
      throw new CliError(
        `--arg ${name}: "${name}" ${why} ${fn.name}; ${accepted.length > 0 ? `its arguments are ${accepted.join(', ')}` : 'it takes no arguments besides its input'}. Signature: ${signature(fn)}.`,
      );
    }
    if (name in out) throw new CliError(`--arg ${name} is given twice. Give each argument once.`);
    out[name] = parseArgValue(text, declared.anyType ? null : declared.type, name);
  }
  return out;
}

/**
 * Parses one value's text as `type` (`null` = any: integer, number, bool or string).
 */
export function parseArgValue(text: string, type: DataType | null, name: string): unknown {
  const t = text.trim();
  if (type === null) {
    if (INT.test(t)) return BigInt(t);
    if (FLOAT.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    return text;
  }
  const bad = (what: string): CliError =>
    new CliError(`--arg ${name}=${text}: ${name} is ${typeName(type)}; ${JSON.stringify(text)} is not ${what}.`);
  switch (type.typeId) {
    case Type.Int: {
      if (!INT.test(t)) throw bad('an integer');
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      const v = BigInt(t);
      const min = isSigned ? -(2n ** BigInt(bitWidth - 1)) : 0n;
      const max = isSigned ? 2n ** BigInt(bitWidth - 1) - 1n : 2n ** BigInt(bitWidth) - 1n;
      if (v < min || v > max) throw bad(`within ${typeName(type)}'s range [${min}, ${max}]`);
      return bitWidth === 64 ? v : Number(v);
    }
    case Type.Float:
      if (!FLOAT.test(t)) throw bad('a number');
      return Number(t);
    case Type.Bool: {
      const lower = t.toLowerCase();
      if (TRUE.includes(lower)) return true;
      if (FALSE.includes(lower)) return false;
      throw bad('a boolean (true or false)');
    }
    case Type.Utf8:
    case Type.LargeUtf8:
      return text;
    case Type.Binary:
    case Type.LargeBinary:
      if (/^0x([0-9a-f]{2})*$/i.test(t)) return Uint8Array.from(Buffer.from(t.slice(2), 'hex'));
      return new TextEncoder().encode(text);
    default:
      throw new CliError(
        `--arg ${name}: parameters of type ${typeName(type)} cannot be given on the command line; call runFunction() from code to pass one.`,
      );
  }
}
