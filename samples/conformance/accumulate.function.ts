import {
  Field,
  Interval,
  IntervalUnit,
  type RecordBatch,
  RecordBatch as ArrowRecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  makeData,
  util,
} from 'apache-arrow';
import { IsIn, Min } from 'class-validator';
import {
  ATTACH_STORAGE,
  BufferingFunction,
  CLOCK,
  Combine,
  EXECUTION_STORAGE,
  Inject,
  Named,
  OnBind,
  Positional,
  Process,
  TableInput,
  deserializeBatch,
  serializeBatch,
  type BindContext,
  type BoundStorage,
  type Clock,
  type SinkContext,
} from 'vgi-silo';
import { AccumulatedCollection } from './accumulate-store';
import { pyarrowSchemaText } from './arrow-type-names';
import { intervalMicros, readMonthDayNano } from './interval';
import { LogDrainCursor, LogDrainFunction } from './log-drain';
import { ValueError } from './python-errors';

/** The column accumulate adds to every row: the call time, microseconds, no time zone. */
export const TIMESTAMP_COLUMN = '_timestamp';
/** Collection names become part of a storage namespace, so they are bounded. */
export const MAX_NAME_BYTES = 255;
/** What `result` may ask for. */
export const RESULT_CHOICES = ['all', 'new', 'none'] as const;

/** Execution log of the staged input (sink → combine). */
const IN_NAMESPACE = 'in';
/** Execution log of the rows to return (combine → finalize). */
const OUT_NAMESPACE = 'out';

/** Arguments of `accumulate(name, data, ttl :=, max_row_size :=, result :=)`. */
export class AccumulateArgs {
  @Positional(0, 'utf8', { doc: 'Name of the collection to accumulate into' }) name!: string;
  @TableInput({ position: 1, doc: 'Rows to accumulate (any table expression)' }) data!: unknown;
  @Named(new Interval(IntervalUnit.MONTH_DAY_NANO), {
    default: null,
    doc: 'Evict rows older than this INTERVAL before returning (months are treated as 30 days)',
  })
  ttl!: unknown;
  @Named('int64', {
    name: 'max_row_size',
    default: 0n,
    doc: 'Maximum rows retained per name; oldest dropped first (0 = unlimited)',
  })
  @Min(0)
  maxRowSize!: bigint;
  @Named('utf8', {
    default: 'all',
    doc: "What to return: 'all' accumulated rows (default), only the 'new' rows, or 'none'",
  })
  @IsIn([...RESULT_CHOICES])
  result!: (typeof RESULT_CHOICES)[number];
}

function validateName(name: string | null): string {
  if (!name || name.trim().length === 0) throw new ValueError('collection name must be a non-empty string');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES)
    throw new ValueError(`collection name must be at most ${MAX_NAME_BYTES} bytes`);
  return name;
}

function withoutTimestamp(schema: Schema): Schema {
  return new Schema(schema.fields.filter((f) => f.name !== TIMESTAMP_COLUMN));
}

/** `batch` on the output schema, with every row stamped `callMicros`. */
function stamp(batch: RecordBatch, output: Schema, callMicros: bigint): RecordBatch {
  const rows = batch.numRows;
  const timestamps = makeData({
    type: new TimestampMicrosecond(),
    length: rows,
    nullCount: 0,
    data: new BigInt64Array(rows).fill(callMicros),
  });
  const children = [...batch.data.children, timestamps];
  return new ArrowRecordBatch(
    output,
    makeData({ type: new Struct(output.fields), length: rows, nullCount: 0, children }),
  );
}

/**
 * `accumulate(name VARCHAR, data TABLE, ttl := NULL, max_row_size := 0, result := 'all')`:
 * appends the input rows to a named collection that outlives the query, stamped with
 * one `_timestamp` per call, and returns the whole collection (`all`), only this call's
 * rows (`new`) or nothing (`none`). `ttl` evicts rows older than the call time minus
 * the interval; `max_row_size` keeps only the newest rows.
 *
 * Collections live in attach-scoped storage (`ATTACH_STORAGE`, keyed by the attach's
 * opaque data), so two ATTACHes never share one. Bind pins the collection's schema; a
 * later call with another schema is refused. Sink stages the input in execution
 * storage, combine (once) stamps, appends, evicts and stages the result, finalize
 * drains it.
 *
 * @example
 * ```sql
 * SELECT * FROM accumulate.main.accumulate('events', (VALUES (1), (2)) t(x));
 * SELECT * FROM accumulate.main.accumulate('events', (VALUES (3)) t(x), result := 'new', ttl := INTERVAL '1 hour');
 * ```
 */
@BufferingFunction({
  name: 'accumulate',
  description: 'Append rows to a named collection; return all/new/no rows with a _timestamp column',
  categories: ['stateful', 'utility'],
  tags: { category: 'stateful', type: 'accumulator' },
  examples: [
    {
      sql: "SELECT * FROM accumulate('events', (VALUES (1), (2)) t(x))",
      description: "Accumulate two rows under 'events' and return the full collection",
    },
    {
      sql: "SELECT * FROM accumulate('events', (VALUES (3)) t(x), result := 'new')",
      description: 'Append a row and return only the newly-added rows',
    },
    {
      sql: "SELECT * FROM accumulate('events', (VALUES (4)) t(x), result := 'none')",
      description: 'Append a row and return nothing (cheap, fire-and-forget)',
    },
    {
      sql: "SELECT * FROM accumulate('events', (VALUES (5)) t(x), ttl := INTERVAL '1 hour', max_row_size := 1000)",
      description: 'Append with a 1-hour TTL and a 1000-row cap',
    },
  ],
  args: AccumulateArgs,
  state: LogDrainCursor,
})
export class AccumulateFunction extends LogDrainFunction {
  protected override readonly drainNamespace = OUT_NAMESPACE;

  constructor(
    @Inject(EXECUTION_STORAGE) storage: BoundStorage,
    @Inject(ATTACH_STORAGE) private readonly attachStorage: BoundStorage,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    super(storage);
  }

  /** Validates the name and input, then pins (or checks) the collection's schema. */
  @OnBind()
  async bind(ctx: BindContext<AccumulateArgs>): Promise<Schema> {
    const name = validateName(ctx.args.name);
    const input = ctx.inputSchema;
    if (input.fields.some((f) => f.name === TIMESTAMP_COLUMN)) {
      throw new ValueError(
        `input may not contain a reserved '${TIMESTAMP_COLUMN}' column; accumulate adds this column to its output`,
      );
    }
    const output = new Schema([...input.fields, new Field(TIMESTAMP_COLUMN, new TimestampMicrosecond(), true)]);
    const collection = new AccumulatedCollection(this.attachStorage, name);
    const pinned = await collection.pinnedSchema();
    if (!pinned) {
      await collection.pinSchema(output);
    } else if (!util.compareSchemas(withoutTimestamp(pinned), input)) {
      throw new ValueError(
        `input schema for accumulate('${name}', ...) does not match the schema already accumulated under that name.\n` +
          `  accumulated: ${pyarrowSchemaText(withoutTimestamp(pinned))}\n` +
          `  received:    ${pyarrowSchemaText(input)}`,
      );
    }
    return output;
  }

  /** Stages one input batch; combine does the real work once all input is in. */
  @Process()
  async process(batch: RecordBatch, ctx: SinkContext<AccumulateArgs>): Promise<Uint8Array | string> {
    await this.storage.append(IN_NAMESPACE, '', serializeBatch(batch));
    return ctx.executionId;
  }

  @Combine()
  override async combine(_stateIds: Uint8Array[], ctx: SinkContext<AccumulateArgs>): Promise<(Uint8Array | string)[]> {
    const { args, outputSchema } = ctx;
    const collection = new AccumulatedCollection(this.attachStorage, args.name);
    // One call time for every row of this call.
    const callMicros = this.clock.epochMicros();
    const added: RecordBatch[] = [];
    for await (const entry of this.storage.logEntries(IN_NAMESPACE, '')) {
      const batch = deserializeBatch(entry.value);
      if (batch.numRows > 0) added.push(stamp(batch, outputSchema, callMicros));
    }
    await collection.append(outputSchema, added, callMicros);

    const ttl = readMonthDayNano(args.ttl);
    if (ttl) await collection.evictBefore(callMicros - intervalMicros(ttl));
    if (args.maxRowSize > 0n) await collection.evictOldest(args.maxRowSize);

    // 'new' returns what this call added, even rows the limits just evicted.
    if (args.result === 'all') for await (const batch of collection.batches()) await this.stage(batch);
    else if (args.result === 'new') for (const batch of added) await this.stage(batch);
    return [ctx.executionId];
  }
}
