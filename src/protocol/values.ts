/**
 * Small value conversions shared by the protocol codecs.
 */
import { readIpcStream, readRow } from '../arrow';
import { RecordEncodeError, RequestFormatError } from './protocol.error';

/**
 * The first row of a nested IPC batch, keyed by column name (names kept as sent: they are
 * user names such as ATTACH options or DuckDB settings). `{}` for a 0-row batch.
 */
export function readNestedRow(bytes: Uint8Array, subject: string): Record<string, unknown> {
  let batches;
  try {
    batches = readIpcStream(bytes, subject).batches;
  } catch (cause) {
    throw new RequestFormatError(`${subject}: the nested IPC bytes are not a readable Arrow stream.`, { cause });
  }
  if (batches.length === 0 || batches[0].numRows === 0) return {};
  return readRow(batches[0], 0);
}

/**
 * A bigint from a bigint or a safe integer.
 */
export function toBigInt(value: bigint | number): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value))
    throw new RecordEncodeError('int64 value', `${value} is not a safe integer; pass a bigint.`);
  return BigInt(value);
}
