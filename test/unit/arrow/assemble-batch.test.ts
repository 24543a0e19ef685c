import { makeData, RecordBatch, Struct, tableFromIPC, tableToIPC, Table } from 'apache-arrow';
import { field, makeRecordBatch, schemaOf, wire } from '../../../src/arrow';
import { assembleRecordBatch } from '../../../src/arrow/assemble-batch';

describe('assembleRecordBatch', () => {
  const schema = schemaOf([field('id', wire.int64(), false), field('name', wire.utf8(), true)], { origin: 'test' });
  const source = makeRecordBatch(schema, { id: [1n, 2n, 3n], name: ['a', null, 'c'] });

  it('should keep the schema object itself when every column has the batch length', () => {
    const batch = assembleRecordBatch(schema, source.data, new Map([['k', 'v']]));
    expect(batch).toBeInstanceOf(RecordBatch);
    expect(batch.schema).toBe(schema);
    expect(batch.numRows).toBe(3);
    expect(batch.metadata.get('k')).toBe('v');
    expect(batch.getChild('name')!.toArray()).toEqual(['a', null, 'c']);
  });

  it('should give a batch apache-arrow writes and reads back like one from its own constructor', () => {
    const ours = assembleRecordBatch(schema, source.data);
    const theirs = new RecordBatch(schema, source.data);
    expect(tableToIPC(new Table(ours), 'stream')).toEqual(tableToIPC(new Table(theirs), 'stream'));
    const back = tableFromIPC(tableToIPC(new Table(ours), 'stream'));
    expect(back.getChild('id')!.toArray()).toEqual(BigInt64Array.of(1n, 2n, 3n));
    expect(back.schema.metadata.get('origin')).toBe('test');
  });

  it('should fall back to the constructor, which pads a short column with nulls, when lengths differ', () => {
    const short = makeData({
      type: new Struct(schema.fields),
      length: 5,
      nullCount: 0,
      children: source.data.children,
    });
    const batch = assembleRecordBatch(schema, short);
    expect(batch.numRows).toBe(5);
    expect(batch.schema).not.toBe(schema);
    expect(batch.schema.fields[0].nullable).toBe(true);
    expect(batch.getChild('id')!.get(4)).toBeNull();
  });
});
