import type { RecordBatch } from 'apache-arrow';
import { SiloError } from '../errors';
import { describeTypeDifference } from './schema-compare';

/**
 * A batch whose column data disagrees with its own schema: a column count, type or
 * length that does not match. Such a batch would be read wrongly by everything
 * downstream (DuckDB, storage readers), so it is refused where it is emitted or stored.
 */
export class InconsistentBatchError extends SiloError {
  constructor(where: string, detail: string) {
    super(
      'SILO530',
      `${where}: the batch's columns disagree with its schema: ${detail}. The batch was built inconsistently; apache-arrow's RecordBatch.select() does this when the selected columns are not the leading ones. Build it with selectColumns(batch, names), batchFromColumns() or batchFromData().`,
    );
  }
}

/**
 * Checks that a batch's column data matches its schema field by field (count, type,
 * length): a handful of comparisons, cheap enough for every emitted and stored batch.
 *
 * @example
 * ```ts
 * assertBatchConsistent(batch, 'top_k finalize');
 * ```
 */
export function assertBatchConsistent(batch: RecordBatch, where: string): void {
  const fields = batch.schema.fields;
  const children = batch.data.children;
  if (children.length !== fields.length) {
    throw new InconsistentBatchError(
      where,
      `the schema declares ${fields.length} column(s) [${fields.map((f) => f.name).join(', ')}] but the batch holds ${children.length}`,
    );
  }
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    const child = children[i];
    if (child.type !== field.type) {
      const difference = describeTypeDifference(field.type, child.type, { ignoreNullability: true });
      if (difference !== null)
        throw new InconsistentBatchError(
          where,
          `column "${field.name}" is declared ${String(field.type)} but holds ${String(child.type)} data`,
        );
    }
    if (child.length !== batch.numRows) {
      throw new InconsistentBatchError(
        where,
        `column "${field.name}" holds ${child.length} value(s) but the batch has ${batch.numRows} row(s)`,
      );
    }
  }
}
