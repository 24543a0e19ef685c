/**
 * Builds a `RecordBatch` from a schema and a struct `Data` without apache-arrow's
 * constructor bookkeeping. The constructor always runs `ensureSameLengthData`, which
 * clones the schema (`schema.assign`, merging its metadata) and wraps the children in a
 * second struct `Data` — even when every column already has the batch's length, which is
 * the case for every batch loaded from a message or built by Silo. On a worker that decodes
 * two batches per call that is a measurable share of the call, and the clone defeats
 * every identity check on `batch.schema` (the encoded-schema cache, `conformBatchToSchema`'s
 * fast path).
 */
import { type Data, RecordBatch, type Schema, type Struct } from 'apache-arrow';

/** The fields a `RecordBatch` constructor sets, as seen from outside the class. */
interface BatchFields {
  schema: Schema;
  data: Data<Struct>;
  _metadata: Map<string, string>;
}

/**
 * `new RecordBatch(schema, data, metadata)`, except that the batch keeps `schema` itself
 * when every child of `data` has `data.length` values (otherwise the constructor runs, and
 * pads the short columns with nulls as it always did).
 */
export function assembleRecordBatch(
  schema: Schema,
  data: Data<Struct>,
  metadata: Map<string, string> = new Map(),
): RecordBatch {
  const children = data.children;
  if (children.length !== schema.fields.length) return new RecordBatch(schema, data, metadata);
  for (const child of children) if (child.length !== data.length) return new RecordBatch(schema, data, metadata);
  const batch = Object.create(RecordBatch.prototype) as BatchFields;
  batch.schema = schema;
  batch.data = data;
  batch._metadata = metadata;
  return batch as unknown as RecordBatch;
}
