import {
  type Data,
  DataType,
  type Decimal,
  Field,
  Float64,
  Int64,
  Precision,
  type RecordBatch,
  Schema,
  makeVector,
} from 'apache-arrow';
import { batchFromColumns } from 'vgi-silo';

/*
 * Column-wise sums for sum_all_columns and its relatives. Integer columns are summed as
 * int64 with bigint arithmetic, so totals stay exact past 2^53 and wrap at 64 bits as
 * Arrow's (unchecked) sum and add do. Floating columns sum as float64. Decimal columns
 * are summed exactly on their unscaled integers and become float64 once per batch,
 * which is where the reference converts them too (float64 zero + decimal partial).
 */

/** How a column is summed, or undefined for a column that is not summed at all. */
export type SumKind = 'integer' | 'floating' | 'decimal';

/** The sum kind of an input column type. */
export function sumKind(type: DataType): SumKind | undefined {
  if (DataType.isInt(type)) return 'integer';
  if (DataType.isFloat(type)) return 'floating';
  if (DataType.isDecimal(type)) return 'decimal';
  return undefined;
}

/**
 * The output schema of a column-wise sum over `input`: integer columns become int64,
 * floating (and, with `decimals`, decimal) columns float64, every other column is
 * dropped. Fields are nullable, as the reference declares them.
 */
export function sumSchema(input: Schema, options: { readonly decimals: boolean }): Schema {
  const fields: Field[] = [];
  for (const field of input.fields) {
    const kind = sumKind(field.type);
    if (kind === 'integer') fields.push(new Field(field.name, new Int64(), true));
    else if (kind === 'floating' || (kind === 'decimal' && options.decimals))
      fields.push(new Field(field.name, new Float64(), true));
  }
  return new Schema(fields);
}

/** Bytes of one decimal value (little-endian 32-bit words, two's complement) as a bigint. */
function decimalWords(words: Uint32Array, at: number, stride: number): bigint {
  let value = 0n;
  for (let w = stride - 1; w >= 0; w--) value = (value << 32n) | BigInt(words[at + w]);
  return BigInt.asIntN(32 * stride, value);
}

/** Exact sum of an integer chunk, or undefined when every value is null. */
function sumIntegers(data: Data): bigint | undefined {
  const values = data.values as ArrayLike<number | bigint>;
  let seen = false;
  // Up to 32-bit values, 2^21 rows cannot leave the exact range of a double.
  if (typeof values[0] !== 'bigint' && data.length < 2 ** 21) {
    let total = 0;
    for (let i = 0; i < data.length; i++) {
      if (data.nullCount > 0 && !data.getValid(i)) continue;
      total += values[i] as number;
      seen = true;
    }
    return seen ? BigInt(total) : undefined;
  }
  let total = 0n;
  for (let i = 0; i < data.length; i++) {
    if (data.nullCount > 0 && !data.getValid(i)) continue;
    total += BigInt(values[i]);
    seen = true;
  }
  return seen ? total : undefined;
}

function sumFloats(data: Data): number | undefined {
  // Half floats are stored as raw 16-bit words; let apache-arrow decode them.
  const read: (i: number) => number =
    (data.type as { precision?: Precision }).precision === Precision.HALF
      ? (
          (vector) => (i: number) =>
            vector.get(i) as number
        )(makeVector(data))
      : (
          (values) => (i: number) =>
            values[i]
        )(data.values as ArrayLike<number>);
  let total = 0;
  let seen = false;
  for (let i = 0; i < data.length; i++) {
    if (data.nullCount > 0 && !data.getValid(i)) continue;
    total += read(i);
    seen = true;
  }
  return seen ? total : undefined;
}

function sumDecimals(data: Data): number | undefined {
  const type = data.type as Decimal;
  const stride = type.bitWidth / 32;
  const words = data.values as Uint32Array;
  let total = 0n;
  let seen = false;
  for (let i = 0; i < data.length; i++) {
    if (data.nullCount > 0 && !data.getValid(i)) continue;
    total += decimalWords(words, i * stride, stride);
    seen = true;
  }
  // Parsing the exact decimal text rounds once, to the nearest double.
  return seen ? Number.parseFloat(`${total}e-${type.scale}`) : undefined;
}

/**
 * A running column-wise sum over the columns of a sum schema (int64 and float64 only).
 * Starts at zero in every column; a column whose values are all NULL adds zero.
 *
 * @example
 * ```ts
 * const sums = new ColumnSums(ctx.outputSchema);
 * sums.addInput(batch);
 * await storage.append('partial', '', serializeBatch(sums.toBatch()));
 * ```
 */
export class ColumnSums {
  private readonly totals: (bigint | number)[];

  constructor(readonly schema: Schema) {
    this.totals = schema.fields.map((f) => (DataType.isInt(f.type) ? 0n : 0));
  }

  /** Adds the input columns of `batch` that the schema names, by their input type. */
  addInput(batch: RecordBatch): this {
    this.schema.fields.forEach((field, c) => {
      const column = batch.getChild(field.name);
      if (!column) throw new RangeError(`input batch has no column "${field.name}"`);
      const kind = sumKind(column.type);
      for (const data of column.data) {
        if (kind === 'integer') this.addAt(c, sumIntegers(data));
        else if (kind === 'floating') this.addAt(c, sumFloats(data));
        else if (kind === 'decimal') this.addAt(c, sumDecimals(data));
        else throw new RangeError(`column "${field.name}" (${String(column.type)}) is not numeric`);
      }
    });
    return this;
  }

  /** Adds a row of partial sums written by {@link toBatch} (same schema). */
  addPartial(partial: RecordBatch): this {
    this.schema.fields.forEach((field, c) => {
      const value: unknown = partial.getChild(field.name)?.get(0);
      if (value !== null && value !== undefined) this.addAt(c, value as bigint | number);
    });
    return this;
  }

  private addAt(c: number, value: bigint | number | undefined): void {
    if (value === undefined) return;
    const current = this.totals[c];
    this.totals[c] = typeof current === 'bigint' ? BigInt.asIntN(64, current + BigInt(value)) : current + Number(value);
  }

  /** The sums as a one-row batch on the schema. */
  toBatch(): RecordBatch {
    return batchFromColumns(
      this.schema,
      Object.fromEntries(this.schema.fields.map((f, c) => [f.name, [this.totals[c]]])),
    );
  }
}
