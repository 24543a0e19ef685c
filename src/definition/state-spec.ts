import { Field, Schema, Table, makeData, Struct, vectorFromArray, type DataType } from 'apache-arrow';
import { assembleRecordBatch } from '../arrow/assemble-batch';
import { readIpcStream, serializeBatch } from '../arrow/ipc.codec';
import { schemasEqual } from '../arrow/schema-compare';
import { SiloError, messages } from '../errors';
import { type Constructor, type ValueTypeName, arrowTypeOf, coerceValue } from '../metadata';
import { validateDecorated } from '../common/class-validator.lazy';

/** One declared field of a finalize-state class. */
interface StateFieldSpec {
  readonly propertyKey: string;
  readonly type: ValueTypeName;
  readonly arrowType: DataType;
}

/**
 * Finalize state bytes could not be turned back into a valid state: wrong fields, wrong
 * types, or values breaking the class's class-validator rules.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof InvalidStateError) console.error(e.message); }
 * ```
 */
export class InvalidStateError extends SiloError {
  constructor(
    stateClass: string,
    /** What was wrong, without the surrounding sentence. */
    readonly detail: string,
    cause?: unknown,
  ) {
    super(
      'SILO505',
      `Finalize state of class ${stateClass} is invalid: ${detail}. The state must hold exactly its @StateField() properties with their declared types.`,
      { cause },
    );
  }
}

function forValidation(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/**
 * A finalize-state class compiled: its Arrow schema and a codec that writes a state as
 * a one-row Arrow IPC stream and reads it back, checked against the declared fields
 * and the class's class-validator rules. Nothing is guessed from runtime values.
 */
export class StateSpec<S extends object = object> {
  /** The Arrow schema of a serialized state: one nullable column per field. */
  readonly schema: Schema;

  constructor(
    readonly stateClass: Constructor<S>,
    readonly fields: readonly StateFieldSpec[],
  ) {
    this.schema = new Schema(fields.map((f) => new Field(f.propertyKey, f.arrowType, true)));
  }

  /** A fresh default instance: the class's field initializers. */
  create(): S {
    return new this.stateClass();
  }

  /** Writes the declared fields of `state` as one Arrow IPC stream. */
  serialize(state: S): Uint8Array {
    const record = state as Record<string, unknown>;
    const children = this.fields.map((f) => {
      const value = coerceValue(record[f.propertyKey], f.type);
      if (value === undefined) {
        throw new InvalidStateError(
          this.stateClass.name,
          messages.stateFieldWrongType(f.propertyKey, typeof record[f.propertyKey], f.type),
        );
      }
      return vectorFromArray([value], f.arrowType).data[0];
    });
    const struct = makeData({ type: new Struct(this.schema.fields), length: 1, nullCount: 0, children });
    // The bytes apache-arrow's stream writer would write (`tableToIPC`), at a fraction of its cost: a state is written every tick.
    return serializeBatch(assembleRecordBatch(this.schema, struct));
  }

  /** Reads a state written by {@link serialize} and validates it. */
  deserialize(bytes: Uint8Array): S {
    let table: Pick<Table, 'schema' | 'numRows' | 'getChild'>;
    try {
      // State comes back in sealed continuation tokens; readIpcStream verifies the bytes before reading them.
      const { schema, batches } = readIpcStream(bytes, `${this.stateClass.name} state`);
      table = batches.length === 1 ? batches[0] : new Table(schema, batches);
    } catch (e) {
      throw new InvalidStateError(this.stateClass.name, messages.stateBytesNotIpc((e as Error).message), e);
    }
    const sameSchema = schemasEqual(this.schema, table.schema);
    if (!sameSchema) {
      const got = table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
      const want = this.schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
      throw new InvalidStateError(this.stateClass.name, messages.stateFieldsDiffer(want, got));
    }
    if (table.numRows !== 1) throw new InvalidStateError(this.stateClass.name, messages.stateRowCount(table.numRows));
    const state = this.create() as Record<string, unknown>;
    for (const f of this.fields) {
      const raw: unknown = table.getChild(f.propertyKey)!.get(0);
      state[f.propertyKey] = raw === null ? null : coerceValue(raw, f.type);
    }
    this.validate(state as S);
    return state as S;
  }

  /** Runs the class's class-validator rules on a state. */
  validate(state: S): void {
    const shadow = Object.create(this.stateClass.prototype) as Record<string, unknown>;
    for (const f of this.fields)
      shadow[f.propertyKey] = forValidation((state as Record<string, unknown>)[f.propertyKey]);
    const errors = validateDecorated(shadow, { forbidUnknownValues: false });
    if (errors.length > 0) {
      const detail = errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ');
      throw new InvalidStateError(this.stateClass.name, detail);
    }
  }

  /** Field-by-field equality of two states (what a round trip must preserve). */
  equals(a: S, b: S): boolean {
    return this.fields.every((f) => {
      const x = (a as Record<string, unknown>)[f.propertyKey];
      const y = (b as Record<string, unknown>)[f.propertyKey];
      if (x instanceof Uint8Array && y instanceof Uint8Array) return Buffer.from(x).equals(Buffer.from(y));
      return x === y || (x === undefined && y === null);
    });
  }
}

/** Builds the field specs of a state class; unknown types are reported by the caller. */
export function stateFieldSpec(propertyKey: string, type: ValueTypeName): StateFieldSpec {
  return { propertyKey, type, arrowType: arrowTypeOf(type) };
}
