import type { DataType } from 'apache-arrow';
import { field, schemaOf, wire } from '../../../src/arrow';
import { decodePushdownFilters } from '../../../src/server/pushdown-filters.decoder';
import { batchFromColumns, serializeBatch } from '../../../src/arrow/batch-utils';

const OUTPUT = schemaOf([
  field('id', wire.int64(), true),
  field('name', wire.utf8(), true),
  field('score', wire.float64(), true),
  field('ok', wire.bool(), true),
]);

const col = (name: string): Record<string, unknown> => ({
  node: 'column_ref',
  column_index: OUTPUT.fields.findIndex((f) => f.name === name),
  column_name: name,
});
const lit = (ref: number): Record<string, unknown> => ({ node: 'literal', value_ref: ref });
const cmp = (op: string, left: unknown, right: unknown): Record<string, unknown> => ({
  node: 'comparison',
  op,
  left,
  right,
});

/** A vgi.filters.v2 snapshot payload: the JSON document plus one `value_<i>` column per literal. */
function payload(
  expressions: unknown[],
  values: { type: DataType; value: unknown }[],
  context: Record<string, string> = { vgi_evaluation_context: 'vgi.none.v1' },
): Uint8Array {
  const document = {
    encoding: 'vgi.filters.v2',
    semantics: 'vgi.duckdb.standard.v1',
    kind: 'snapshot',
    predicates: expressions.map((expression, i) => ({
      id: `p${i}`,
      revision: 0,
      mode: 'required',
      source: 'query',
      expression,
    })),
  };
  const schema = schemaOf(
    [field('filter_spec', wire.utf8(), false), ...values.map((v, i) => field(`value_${i}`, v.type, true))],
    {
      vgi_filter_encoding: 'vgi.filters.v2',
      vgi_filter_version: '2',
      ...context,
    },
  );
  const columns: Record<string, unknown[]> = { filter_spec: [JSON.stringify(document)] };
  values.forEach((v, i) => (columns[`value_${i}`] = [v.value]));
  return serializeBatch(batchFromColumns(schema, columns));
}

describe('decodePushdownFilters', () => {
  it('should decode comparisons, literals on either side, IS [NOT] NULL and IN, flattening AND', () => {
    const bytes = payload(
      [
        { node: 'and', children: [cmp('gt', col('id'), lit(0)), cmp('le', lit(1), col('id'))] },
        { node: 'is_null', expression: col('score'), negated: true },
        { node: 'in', expression: col('name'), set: { kind: 'literal', value_ref: 2 }, negated: false },
        cmp('eq', col('ok'), lit(3)),
      ],
      [
        { type: wire.int64(), value: 10n },
        { type: wire.int64(), value: 20n },
        { type: wire.list(wire.utf8()), value: ['a', 'b'] },
        { type: wire.bool(), value: true },
      ],
    );
    expect(decodePushdownFilters(bytes, OUTPUT)).toEqual({
      filters: [
        { column: 'id', op: 'gt', value: 10n },
        { column: 'id', op: 'ge', value: 20n },
        { column: 'score', op: 'isNotNull' },
        { column: 'name', op: 'in', values: ['a', 'b'] },
        { column: 'ok', op: 'eq', value: true },
      ],
      skipped: [],
    });
  });

  it('should leave to DuckDB what JavaScript would compare differently, keeping the other conjuncts', () => {
    const bytes = payload(
      [
        { node: 'and', children: [cmp('lt', col('score'), lit(0)), cmp('ne', col('id'), lit(1))] },
        cmp('lt', col('name'), lit(2)),
        { node: 'or', children: [cmp('eq', col('id'), lit(1)), cmp('eq', col('id'), lit(1))] },
        cmp('distinct_from', col('id'), lit(1)),
        { node: 'in', expression: col('id'), set: { kind: 'literal', value_ref: 3 }, negated: true },
        cmp('eq', col('id'), lit(2)),
      ],
      [
        { type: wire.float64(), value: 1.5 },
        { type: wire.int64(), value: 7n },
        { type: wire.utf8(), value: 'm' },
        { type: wire.list(wire.int64()), value: [1n] },
      ],
    );
    const { filters, skipped } = decodePushdownFilters(bytes, OUTPUT);
    expect(filters).toEqual([{ column: 'id', op: 'ne', value: 7n }]);
    expect(skipped).toEqual([
      'predicates[0].and[0]: column score (Float64) is left to DuckDB: Silo applies filters on integer, boolean and string columns only',
      'predicates[1]: string lt under this collation is left to DuckDB',
      'predicates[2]: expression node or is left to DuckDB',
      'predicates[3]: comparison operator distinct_from is not applied by Silo',
      'predicates[4]: NOT IN is left to DuckDB',
      'predicates[5]: comparing Int64 with Utf8 is left to DuckDB',
    ]);
  });

  it('should not apply string equality under a session collation other than binary', () => {
    const bytes = payload([cmp('eq', col('name'), lit(0))], [{ type: wire.utf8(), value: 'A' }], {
      vgi_evaluation_context: 'vgi.duckdb.session.v1',
      vgi_default_collation: 'nocase',
    });
    expect(decodePushdownFilters(bytes, OUTPUT).filters).toEqual([]);
  });

  it('should refuse a column reference whose name does not match its index', () => {
    const bytes = payload(
      [cmp('eq', { node: 'column_ref', column_index: 1, column_name: 'id' }, lit(0))],
      [{ type: wire.int64(), value: 1n }],
    );
    expect(decodePushdownFilters(bytes, OUTPUT).skipped).toEqual([
      'predicates[0]: column_ref id#1 does not match the output schema',
    ]);
  });

  it('should yield no filters, with a reason, for absent or unreadable filter sets', () => {
    expect(decodePushdownFilters(null, OUTPUT)).toEqual({ filters: [], skipped: [] });
    expect(decodePushdownFilters(Uint8Array.of(1, 2, 3), OUTPUT).skipped[0]).toMatch(/not a readable Arrow stream/);
    const wrongEncoding = serializeBatch(
      batchFromColumns(schemaOf([field('filter_spec', wire.utf8(), false)], { vgi_filter_encoding: 'duckdb.v1' }), {
        filter_spec: ['{}'],
      }),
    );
    expect(decodePushdownFilters(wrongEncoding, OUTPUT).skipped).toEqual([
      'filter encoding duckdb.v1 is not vgi.filters.v2',
    ]);
  });
});
