import { DataType, Field, type RecordBatch, Schema, Utf8 } from 'apache-arrow';
import { BufferingFunction, OnBind, Process, batchFromColumns, type SinkContext } from 'vgi-silo';
import { LogDrainCursor, LogDrainFunction } from './log-drain';
import { SingleTableArgs } from './single-table.args';

/*
 * `test_same_name_buffered` is declared twice in the `example` catalog, in schemas
 * `main` and `data`. Each declaration tags its rows with the schema it belongs to, so a
 * call routed to the wrong one reads as the wrong tag rather than a plausible answer.
 * The tag is written in the sink, which proves the sink-side worker resolved the right
 * class (the source phase runs on another connection).
 */

/** The output of both declarations: one VARCHAR column. */
export const TAG_SCHEMA = new Schema([new Field('tag', new Utf8(), true)]);

/** A value as Python's `str()` prints it, so tags read as in the reference (`True`, `1.0`). */
function pythonText(value: unknown, type: DataType): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' && DataType.isFloat(type)) {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return Number.isInteger(value) ? value.toFixed(1) : String(value);
  }
  return String(value);
}

/** The shared body: tag the first input column as `<schema>:<value>` (NULL stays NULL). */
abstract class SameNameBufferedFunction extends LogDrainFunction {
  /** The schema this declaration is published in: the tag it writes. */
  protected abstract readonly owningSchema: string;

  @OnBind()
  bind(): Schema {
    return TAG_SCHEMA;
  }

  @Process()
  async process(batch: RecordBatch, ctx: SinkContext): Promise<Uint8Array | string> {
    const column = batch.getChildAt(0);
    const tags = Array.from({ length: batch.numRows }, (_, i) => {
      const value: unknown = column?.get(i);
      return value === null || value === undefined ? null : `${this.owningSchema}:${pythonText(value, column!.type)}`;
    });
    await this.stage(batchFromColumns(TAG_SCHEMA, { tag: tags }));
    return ctx.executionId;
  }
}

/**
 * `example.main.test_same_name_buffered(data TABLE)`: returns `main:<first column>` for
 * every input row.
 *
 * @example
 * ```sql
 * SELECT * FROM example.main.test_same_name_buffered((SELECT 1 AS n)); -- 'main:1'
 * ```
 */
@BufferingFunction({
  name: 'test_same_name_buffered',
  schema: 'main',
  description: 'Schema-disambiguation probe; the main-schema buffered function',
  examples: [
    { sql: 'SELECT * FROM example.main.test_same_name_buffered((SELECT 1 AS n))', description: "Returns 'main:1'" },
  ],
  args: SingleTableArgs,
  state: LogDrainCursor,
})
export class SameNameMainBufferedFunction extends SameNameBufferedFunction {
  protected readonly owningSchema = 'main';
}

/**
 * `example.data.test_same_name_buffered(data TABLE)`: returns `data:<first column>` for
 * every input row.
 *
 * @example
 * ```sql
 * SELECT * FROM example.data.test_same_name_buffered((SELECT 1 AS n)); -- 'data:1'
 * ```
 */
@BufferingFunction({
  name: 'test_same_name_buffered',
  schema: 'data',
  description: 'Schema-disambiguation probe; the data-schema buffered function',
  examples: [
    { sql: 'SELECT * FROM example.data.test_same_name_buffered((SELECT 1 AS n))', description: "Returns 'data:1'" },
  ],
  args: SingleTableArgs,
  state: LogDrainCursor,
})
export class SameNameDataBufferedFunction extends SameNameBufferedFunction {
  protected readonly owningSchema = 'data';
}
