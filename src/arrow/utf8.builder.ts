/**
 * Fast `Utf8` / `LargeUtf8` / `Binary` / `LargeBinary` columns: one value buffer plus offsets,
 * written in a single pass. `vectorFromArray(strings)` infers a dictionary column and is
 * an order of magnitude slower (stack.md, pitfall 2).
 */
import { Binary, type Data, LargeBinary, LargeUtf8, makeData, Utf8 } from 'apache-arrow';
import { ArrowValueError } from './ipc.error';

/**
 * Validity bitmap for `values` (`null`/`undefined` are nulls), or `undefined` when nothing is null.
 */
export function validityOf(values: readonly unknown[]): { bitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (const v of values) if (v === null || v === undefined) nullCount += 1;
  if (nullCount === 0) return { bitmap: undefined, nullCount };
  const bitmap = new Uint8Array(((values.length + 63) & ~63) >> 3);
  values.forEach((v, i) => {
    if (v !== null && v !== undefined) bitmap[i >> 3] |= 1 << (i & 7);
  });
  return { bitmap, nullCount };
}

/**
 * Builds a `Utf8` column (or `LargeUtf8` with `large`) from JS strings; `null`/`undefined` are nulls.
 */
export function buildUtf8Data(values: readonly (string | null | undefined)[], large?: false): Data<Utf8>;
export function buildUtf8Data(values: readonly (string | null | undefined)[], large: true): Data<LargeUtf8>;
export function buildUtf8Data(values: readonly (string | null | undefined)[], large?: boolean): Data<Utf8 | LargeUtf8>;
export function buildUtf8Data(values: readonly (string | null | undefined)[], large = false): Data<Utf8 | LargeUtf8> {
  const { bitmap, nullCount } = validityOf(values);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string') {
      throw new ArrowValueError(
        `utf8 value ${i}`,
        `expected a string, got ${typeof v}. Convert the value with String() first.`,
      );
    }
    total += Buffer.byteLength(v, 'utf8');
  }
  const bytes = Buffer.allocUnsafe(total);
  const offsets = large ? new BigInt64Array(values.length + 1) : new Int32Array(values.length + 1);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'string' && v.length > 0) at += bytes.write(v, at, 'utf8');
    if (large) (offsets as BigInt64Array)[i + 1] = BigInt(at);
    else (offsets as Int32Array)[i + 1] = at;
  }
  checkInt32Offsets(at, large, 'utf8 column');
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (large) {
    return makeData({
      type: new LargeUtf8(),
      length: values.length,
      nullCount,
      nullBitmap: bitmap,
      valueOffsets: offsets,
      data,
    });
  }
  return makeData({
    type: new Utf8(),
    length: values.length,
    nullCount,
    nullBitmap: bitmap,
    valueOffsets: offsets as Int32Array,
    data,
  });
}

/**
 * Builds a `Binary` column (or `LargeBinary` with `large`) from byte arrays; `null`/`undefined` are nulls.
 * A column of exactly one value shares that value's memory rather than copying it.
 */
export function buildBinaryData(values: readonly (Uint8Array | null | undefined)[], large?: false): Data<Binary>;
export function buildBinaryData(values: readonly (Uint8Array | null | undefined)[], large: true): Data<LargeBinary>;
export function buildBinaryData(
  values: readonly (Uint8Array | null | undefined)[],
  large?: boolean,
): Data<Binary | LargeBinary>;
export function buildBinaryData(
  values: readonly (Uint8Array | null | undefined)[],
  large = false,
): Data<Binary | LargeBinary> {
  const { bitmap, nullCount } = validityOf(values);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (!(v instanceof Uint8Array)) {
      throw new ArrowValueError(`binary value ${i}`, `expected a Uint8Array or Buffer, got ${describe(v)}.`);
    }
    total += v.byteLength;
  }
  checkInt32Offsets(total, large, 'binary column');
  const only = values.length === 1 ? values[0] : null;
  if (only instanceof Uint8Array && !large) {
    // One value (a request's nested IPC stream, a state blob): the column shares its
    // bytes instead of copying them. Columns are immutable, and the value is not ours to change.
    const data = new Uint8Array(only.buffer, only.byteOffset, only.byteLength);
    return makeData({
      type: new Binary(),
      length: 1,
      nullCount: 0,
      valueOffsets: Int32Array.of(0, only.byteLength),
      data,
    });
  }
  const data = new Uint8Array(total);
  const offsets = large ? new BigInt64Array(values.length + 1) : new Int32Array(values.length + 1);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v instanceof Uint8Array) {
      data.set(v, at);
      at += v.byteLength;
    }
    if (large) (offsets as BigInt64Array)[i + 1] = BigInt(at);
    else (offsets as Int32Array)[i + 1] = at;
  }
  if (large) {
    return makeData({
      type: new LargeBinary(),
      length: values.length,
      nullCount,
      nullBitmap: bitmap,
      valueOffsets: offsets,
      data,
    });
  }
  return makeData({
    type: new Binary(),
    length: values.length,
    nullCount,
    nullBitmap: bitmap,
    valueOffsets: offsets as Int32Array,
    data,
  });
}

function checkInt32Offsets(total: number, large: boolean, subject: string): void {
  if (!large && total > 0x7fffffff) {
    throw new ArrowValueError(
      subject,
      `${total} bytes exceed the 2 GiB limit of 32-bit offsets. Use the large variant of the type.`,
    );
  }
}

function describe(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}
