/**
 * Detects apache-arrow objects built by another copy of the library. Arrow's own checks
 * rely on `instanceof` and its visitors on class identity, so a batch from a second copy
 * fails deep inside the writer ("Unrecognized type 'NONE'"), which says nothing about the
 * cause: two installed versions of apache-arrow.
 */
import { DataType, RecordBatch, Schema } from 'apache-arrow';
import { SiloError } from '../errors/silo.error';

type ArrowClass = abstract new (...args: never[]) => unknown;

/** True when `value` is an instance of a class named like `expected` that is not `expected`. */
function fromAnotherCopy(value: object, expected: ArrowClass): boolean {
  for (
    let proto = Object.getPrototypeOf(value);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    const ctor = (proto as { constructor?: unknown }).constructor;
    if (ctor === expected) return false;
    if (typeof ctor === 'function' && ctor.name === expected.name) return true;
  }
  return false;
}

function anotherCopyError(subject: string, what: string): SiloError {
  return new SiloError(
    'SILO305',
    `${subject}: ${what} comes from another copy of apache-arrow than the one vgi-silo uses, so vgi-silo cannot read it.\n` +
      '  Potential solutions:\n' +
      "  - In an ES module, import apache-arrow's classes from 'vgi-silo/arrow' instead of 'apache-arrow': there, 'apache-arrow' loads its ESM build, a second copy beside the CommonJS build vgi-silo uses.\n" +
      "  - Run `npm ls apache-arrow`: it must list a single copy. Install an apache-arrow version within vgi-silo's peer range next to vgi-silo (npm install apache-arrow@^21.2.0), then run `npm dedupe`.",
  );
}

/**
 * Throws `SILO305` when `value` is an apache-arrow `expected` (a `RecordBatch`, `Schema`,
 * `DataType`, `Data`, `Vector`, ...) created by a different copy of apache-arrow than the
 * one vgi-silo loads; for a batch or a schema, also when a field's type is. apache-arrow
 * recognises its batches, schemas and columns across copies, but not its types, which
 * its visitors then cannot dispatch on. Anything else passes; callers keep their own
 * checks for it.
 */
export function assertSameArrowCopy(value: unknown, expected: ArrowClass, subject: string): void {
  if (typeof value !== 'object' || value === null) return;
  if (!(value instanceof expected) && fromAnotherCopy(value, expected))
    throw anotherCopyError(subject, `the ${expected.name}`);
  const schema = value instanceof Schema ? value : value instanceof RecordBatch ? value.schema : undefined;
  for (const field of schema?.fields ?? []) {
    const type: unknown = field.type;
    if (typeof type === 'object' && type !== null && !(type instanceof DataType) && fromAnotherCopy(type, DataType)) {
      throw anotherCopyError(subject, `the type of field "${field.name}" (${String(type)})`);
    }
  }
}
